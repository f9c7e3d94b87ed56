package lint

import (
	"errors"
	"strings"
	"testing"

	"github.com/zhiyi-ai/zhiyi/rules"
)

// TestParseRules: the rules file zhiyi serve and the console load is refused for an answer's
// findings (ErrFindings, each at file:line:column), not only for what rules.Parse refuses; a
// waiver with its reason lets the answer through, and one that waives nothing refuses nothing.
func TestParseRules(t *testing.T) {
	const head = "version: 1\nrules:\n  - id: promo\n    match: {text: {contains: [双11]}}\n    action: {answer: "
	for _, c := range []struct {
		why, file, want string
		findings        bool
	}{
		{"clean", head + "双11每满300减50}\n", "", false},
		{"a finding", head + "双11史上最低价}\n", "rules.yaml:5:27: rule promo: 最低: absolute term", true},
		{"waived", head + "双11史上最低价}\n    waive: [{term: 最低, reason: 第三方价格监测报告}]\n", "", false},
		// serve loads it: it waives no word a customer reads, and a lexicon that shrank left
		// it behind (最快明天发货 was a finding before); zhiyi lint names it
		{"an unused waiver", head + "最快明天发货}\n    waive: [{term: 最快, reason: 仓库按日发货}]\n", "", false},
		{"an unused waiver beside a finding", head + "双11史上最低价}\n    waive: [{term: 最快, reason: 以前的措辞}]\n", "rules.yaml:5:27: rule promo: 最低: absolute term", true},
		{"invalid, as rules.Parse says", head + "x}\n    priority: high\n", "rules.yaml:6:", false},
	} {
		set, err := ParseRules([]byte(c.file), "rules.yaml", rules.Options{})
		switch {
		case c.want == "" && (err != nil || set == nil):
			t.Errorf("%s: %v", c.why, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: error %v, want %q", c.why, err, c.want)
		case errors.Is(err, ErrFindings) != c.findings:
			t.Errorf("%s: errors.Is(%v, ErrFindings) = %v", c.why, err, !c.findings)
		}
	}
}
