package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/zhiyi-ai/zhiyi/train"
)

// printImport says what an import read and skipped and names its first malformed or oversized
// lines as file:line, the way zhiyi train does (train's importData): a count alone does not find
// the truncated JSON line or the GBK row in a file of a million lines. also follows the counts
// ("245 conversations"). Every command that imports exports prints through it.
func printImport(w io.Writer, st train.ImportStats, also ...string) {
	fmt.Fprintf(w, "import: %s\n", strings.Join(append([]string{st.String()}, also...), "; "))
	for _, p := range st.Problems {
		fmt.Fprintf(w, "  problem: %s\n", p)
	}
}
