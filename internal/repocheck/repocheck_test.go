package repocheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// root is the repository root: go test runs in this package's directory.
const root = "../.."

// goPackages returns the repository's directories holding Go files, each with its file names.
func goPackages(t *testing.T) map[string][]string {
	t.Helper()
	pkgs := map[string][]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "models" || name == "bin" || name == "data") {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(path, ".go") {
			pkgs[filepath.Dir(path)] = append(pkgs[filepath.Dir(path)], d.Name())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) < 20 {
		t.Fatalf("found %d Go directories under %s: not the repository root", len(pkgs), root)
	}
	return pkgs
}

func rel(path string) string {
	r, err := filepath.Rel(root, path)
	if err != nil {
		return path
	}
	return r
}

func TestEveryPackageHasDocGo(t *testing.T) {
	for dir, files := range goPackages(t) {
		var code bool
		for _, f := range files {
			code = code || !strings.HasSuffix(f, "_test.go")
		}
		if _, err := os.Stat(filepath.Join(dir, "doc.go")); code && err != nil {
			t.Errorf("%s: no doc.go (every package documents itself in doc.go)", rel(dir))
		}
	}
}

func TestExportedNamesHaveDocComments(t *testing.T) {
	fset := token.NewFileSet()
	var missing []string
	for dir, files := range goPackages(t) {
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			if f.Name.Name == "main" {
				continue
			}
			for _, n := range undocumented(f) {
				p := fset.Position(n.Pos())
				missing = append(missing, rel(p.Filename)+":"+strconv.Itoa(p.Line)+": "+n.Name)
			}
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("%s has no doc comment (go doc shows none)", m)
	}
}

// undocumented returns f's exported top-level names without a doc comment: functions, methods of
// exported types, types, and constants and variables not inside a documented group.
func undocumented(f *ast.File) []*ast.Ident {
	var out []*ast.Ident
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Name.IsExported() && d.Doc == nil && (d.Recv == nil || receiverExported(d.Recv)) {
				out = append(out, d.Name)
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					if s.Name.IsExported() && d.Doc == nil && s.Doc == nil {
						out = append(out, s.Name)
					}
				case *ast.ValueSpec:
					for _, n := range s.Names {
						if n.IsExported() && d.Doc == nil && s.Doc == nil && s.Comment == nil {
							out = append(out, n)
						}
					}
				}
			}
		}
	}
	return out
}

func receiverExported(recv *ast.FieldList) bool {
	t := recv.List[0].Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	switch x := t.(type) {
	case *ast.IndexExpr:
		t = x.X
	case *ast.IndexListExpr:
		t = x.X
	}
	id, ok := t.(*ast.Ident)
	return ok && id.IsExported()
}

// A shared resource of a test binary (the sample shop's bundle, the shared PostgreSQL server)
// outlives every test, so only TestMain can remove it.
func TestSharedTestResourcesAreRemovedInTestMain(t *testing.T) {
	for _, c := range []struct{ use, cleanup string }{
		{"shoptest.Bundle(", "shoptest.Cleanup()"},
		{"testsvc.SharedPostgres(", "testsvc.StopSharedPostgres()"},
	} {
		for dir, files := range goPackages(t) {
			var uses, cleans []string
			for _, name := range files {
				if !strings.HasSuffix(name, "_test.go") {
					continue
				}
				b, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil {
					t.Fatal(err)
				}
				if strings.Contains(string(b), c.use) {
					uses = append(uses, name)
				}
				if strings.Contains(string(b), "func TestMain(") && strings.Contains(string(b), c.cleanup) {
					cleans = append(cleans, name)
				}
			}
			if len(uses) > 0 && len(cleans) == 0 && rel(dir) != filepath.Join("internal", "repocheck") {
				t.Errorf("%s: %s calls %s but no TestMain calls %s: every run leaves it behind", rel(dir), strings.Join(uses, ", "), strings.TrimSuffix(c.use, "("), c.cleanup)
			}
		}
	}
}
