package intent

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"testing"
)

// Every reason constant of reason.go has a Chinese label: one added without a label would show
// in English on the console.
func TestReasonLabels(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "reason.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, decl := range f.Decls {
		gen, ok := decl.(*ast.GenDecl)
		if !ok || gen.Tok != token.CONST {
			continue
		}
		for _, spec := range gen.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if !strings.HasPrefix(name.Name, "Reason") {
					continue
				}
				n++
				reason, err := strconv.Unquote(vs.Values[i].(*ast.BasicLit).Value)
				if err != nil {
					t.Fatal(err)
				}
				if l := ReasonLabel(reason); l == reason || l == "" {
					t.Errorf("%s (%q) has no Chinese label", name.Name, reason)
				}
			}
		}
	}
	if n < 20 || len(reasonLabels) != n {
		t.Errorf("%d reason constants, %d labels: want one label each", n, len(reasonLabels))
	}
	if got := ReasonLabel("something new"); got != "something new" {
		t.Errorf("an unknown reason is %q, want itself", got)
	}
}
