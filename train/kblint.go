package train

import (
	"errors"
	"fmt"
	"strings"

	"github.com/zhiyi-ai/zhiyi/internal/lintcore"
)

// ErrKBFindings is returned (wrapped) by Run when the knowledge base has findings of package
// lint (the advertising law's absolute terms and promises, over-long answers, unused waivers)
// that no waiver in the file covers: a bundle ships its answers to customers.
var ErrKBFindings = errors.New("train: the knowledge base has lint findings")

// lintKB refuses a knowledge base with findings, naming each by file:line:column and term. It
// runs package lint's checks through internal/lintcore: package lint imports package rules,
// whose tests train bundles, so train importing lint would be an import cycle in those tests.
func lintKB(path string) error {
	findings, err := lintcore.KBFile(path)
	if err != nil {
		return err
	}
	if len(findings) == 0 {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d finding(s) in %s; reword each answer, or waive the term next to it with a reason "+
		"(waive: [{term: …, reason: …}] under the answer, see `zhiyi lint`); length findings cannot be "+
		"waived and an unused waiver is removed:", len(findings), path)
	for _, f := range findings {
		b.WriteString("\n  ")
		b.WriteString(f.String())
	}
	return fmt.Errorf("%w: %s", ErrKBFindings, b.String())
}
