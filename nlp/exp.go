package nlp

import (
	"os"
	"strings"
)

// TEMPORARY: experiment switches for measuring (removed before merge).
var expSet = func() map[string]bool {
	m := map[string]bool{}
	for _, k := range strings.Split(os.Getenv("ZHIYI_NLP_EXP"), ",") {
		if k != "" {
			m[k] = true
		}
	}
	return m
}()

var (
	expPinyin1 = expSet["py1"]
	expNoPy2   = expSet["nopy2"]
	expPyWord  = expSet["pyw"]
)
