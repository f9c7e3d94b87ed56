package rules

import (
	"fmt"
	"strings"
	"testing"
)

// TestParseAliasBomb: a rules file whose rules all name one long list of keywords (an alias,
// *kw) is refused at the alias where the expansion passes yamlnode.MaxAliasNodes. yaml.v3's
// own "excessive aliasing" check does not see the lists (yamlnode.Strings decodes each with a
// fresh decoder), so a 38 KB file of 3,000 such rules took 40 s and 330 MB before it was refused
// for other reasons, and a megabyte would exhaust the memory of the server whose console saves it.
func TestParseAliasBomb(t *testing.T) {
	const n = 400 // 400 rules × 400 keywords: 160,000 nodes from a 10 KB file
	var b strings.Builder
	b.WriteString("version: 1\nrules:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - id: r%d\n    match:\n      text:\n        contains: ", i)
		if i == 0 {
			b.WriteString("&kw [")
			for j := range n {
				fmt.Fprintf(&b, "k%d,", j)
			}
			b.WriteString("]\n")
		} else {
			b.WriteString("*kw\n")
		}
		b.WriteString("    action: {handoff: normal}\n")
	}
	_, err := Parse([]byte(b.String()), "rules.yaml", Options{})
	if err == nil || !strings.Contains(err.Error(), "MaxAliasNodes") || !strings.HasPrefix(err.Error(), "rules.yaml:") {
		t.Fatalf("a file whose aliases expand to %d nodes: error %v, want it refused at the alias", n*n, err)
	}
}

// TestParseAliasesAsWritten: anchors and aliases at a real file's scale (one list of senders
// named by several rules) load as before, the aliased list in each rule.
func TestParseAliasesAsWritten(t *testing.T) {
	y := `version: 1
rules:
  - id: a
    match: {any: true}
    scope: {senders: &team [wmA, wmB]}
    action: {silent: true}
  - id: b
    match:
      text: {contains: [投诉]}
    scope: {exclude_senders: *team}
    action: {handoff: urgent}
`
	s, err := Parse([]byte(y), "rules.yaml", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(s.Rules()); got != 2 {
		t.Fatalf("%d rules, want 2", got)
	}
}
