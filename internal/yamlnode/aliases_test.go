package yamlnode

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestCheckAliases(t *testing.T) {
	f := func(doc, want string) {
		t.Helper()
		var root yaml.Node
		if err := yaml.Unmarshal([]byte(doc), &root); err != nil {
			t.Fatal(err)
		}
		err := CheckAliases("f.yaml", &root)
		switch {
		case want == "" && err != nil:
			t.Errorf("%q: %v, want nil", doc, err)
		case want != "" && (err == nil || !strings.HasPrefix(err.Error(), want)):
			t.Errorf("%q: %v, want %s…", doc, err, want)
		}
	}
	f("a: 1\n", "")
	f("a: &x [1, 2]\nb: *x\nc: [*x, *x]\n", "")
	// A billion laughs: nine lists of nine aliases to the list before, 9^9 nodes from 400 bytes.
	var b strings.Builder
	b.WriteString("l0: &l0 [x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 9; i++ {
		p := "*l" + string(rune('0'+i-1))
		b.WriteString("l" + string(rune('0'+i)) + ": &l" + string(rune('0'+i)) + " [" + strings.Repeat(p+", ", 8) + p + "]\n")
	}
	f(b.String(), "f.yaml:6: the aliases up to *l4 add more than")
	f("a: &x [1, *x]\n", "f.yaml:1: alias *x is inside the anchor it names")
}
