package yamlnode_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/zhiyi-ai/zhiyi/internal/yamlnode"
)

const file = `version: 1
rules:
  - id: a
    enabled: true
  - id: b
`

func parse(t *testing.T, s string) *yaml.Node {
	t.Helper()
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(s), &root); err != nil {
		t.Fatal(err)
	}
	return &root
}

func TestWalk(t *testing.T) {
	top := yamlnode.Top(parse(t, file))
	if top.Kind != yaml.MappingNode || yamlnode.Top(top) != top || yamlnode.Top(nil) != nil {
		t.Fatalf("Top: kind %v", top.Kind)
	}
	rules := yamlnode.Value(top, "rules")
	if rules == nil || rules.Kind != yaml.SequenceNode || rules.Line != 3 {
		t.Fatalf("Value(rules) = %+v", rules)
	}
	if k := yamlnode.Key(top, "rules"); k == nil || k.Value != "rules" || k.Line != 2 {
		t.Errorf("Key(rules) = %+v", k)
	}
	b := yamlnode.Item(rules, 1)
	if got := yamlnode.Value(b, "id"); got == nil || got.Value != "b" || got.Line != 5 {
		t.Errorf("rules[1].id = %+v", got)
	}
	// absent things are nil, never a panic: a key of a sequence, an item of a mapping, past the end
	for name, n := range map[string]*yaml.Node{
		"missing key":       yamlnode.Value(top, "nope"),
		"key of a sequence": yamlnode.Value(rules, "id"),
		"key of nil":        yamlnode.Key(nil, "id"),
		"item of a mapping": yamlnode.Item(top, 0),
		"past the end":      yamlnode.Item(rules, 2),
		"negative":          yamlnode.Item(rules, -1),
		"item of nil":       yamlnode.Item(nil, 0),
	} {
		if n != nil {
			t.Errorf("%s: %+v, want nil", name, n)
		}
	}
	// the line of the field, else of what holds it, else 1
	enabled := yamlnode.Value(yamlnode.Item(rules, 0), "enabled")
	if l := yamlnode.Line(enabled, b); l != 4 {
		t.Errorf("Line(enabled) = %d", l)
	}
	if l := yamlnode.Line(yamlnode.Value(b, "enabled"), b); l != 5 {
		t.Errorf("Line(missing, b) = %d", l)
	}
	if l := yamlnode.Line(nil, nil); l != 1 {
		t.Errorf("Line(nil, nil) = %d", l)
	}
	if yamlnode.Or(nil, b) != b || yamlnode.Or(enabled, b) != enabled {
		t.Error("Or")
	}
}

func TestError(t *testing.T) {
	var doc struct {
		Version int `yaml:"version"`
	}
	dec := yaml.NewDecoder(strings.NewReader("version: x\nextra: 1\n"))
	dec.KnownFields(true)
	err := yamlnode.Error("f.yaml", nil, dec.Decode(&doc))
	want := "f.yaml:1: `x` is not a whole number\nf.yaml:2: unknown field extra"
	if err == nil || err.Error() != want {
		t.Errorf("type errors:\n%v\nwant\n%s", err, want)
	}

	syntax := yaml.Unmarshal([]byte("a: 1\n\tb: 2\n"), &yaml.Node{})
	err = yamlnode.Error("f.yaml", nil, syntax)
	if err == nil || err.Error() != "f.yaml:2: found a tab character that violates indentation" || !errors.Is(err, syntax) {
		t.Errorf("syntax error: %v", err)
	}
	// yaml.v3 counts its parser's lines from 0: the error names the line of the construct
	for _, tt := range []struct {
		src  string
		want string
	}{
		{"version: 1\nrules: [a, b\n", "f.yaml:2: did not find expected ',' or ']'"},
		{"version: 1\nrules:\n  - id: a\n    match: {any: true}\n   action: {answer: hi}\n", "f.yaml:3: did not find expected '-' indicator"},
		// the scanner counts from 1 already, whatever its message begins with
		{"a: 1\nb: \"x\\uzz\"\n", "f.yaml:2: did not find expected hexdecimal number"},
		{"a: 1\nb: !x!foo c\n", "f.yaml:2: found undefined tag handle"},
	} {
		err := yamlnode.Error("f.yaml", nil, yaml.Unmarshal([]byte(tt.src), &yaml.Node{}))
		if err == nil || err.Error() != tt.want {
			t.Errorf("%q: %v, want %s", tt.src, err, tt.want)
		}
	}
	// A tab in indentation is named at its own line, which yaml.v3 names inexactly or not at all.
	for _, src := range []string{"a: 1\n\tb: 2\n", "\ta: 1\n", "version: 1\nrules:\n  - id: a\n\tmatch: {any: true}\n", "a: 1\nb:\n  c: 2\n \t d: 3\n"} {
		data := []byte(src)
		want := strings.Count(src[:strings.Index(src, "\t")], "\n") + 1
		err := yamlnode.Error("f.yaml", data, yaml.Unmarshal(data, &yaml.Node{}))
		if prefix := fmt.Sprintf("f.yaml:%d: a tab in the indentation: YAML indents with spaces only (", want); err == nil || !strings.HasPrefix(err.Error(), prefix) || strings.Contains(err.Error(), "(yaml:") {
			t.Errorf("%q: %v, want it to start %q", src, err, prefix)
		}
	}
	// A tab a block scalar's text holds after its indentation is YAML's to allow: the tab is
	// named at its line only from the one yaml.v3 names on, and another error keeps its own.
	for src, want := range map[string]string{
		"a: |\n  x\n  \ty\nb: @x\n":      "f.yaml:4: found character that cannot start any token",
		"a: |\n  x\n  \ty\nb:\n\tc: 1\n": "f.yaml:5: a tab in the indentation",
		"a: |\n  x\n  \ty\n\tb: 1\n":     "f.yaml:4: a tab in the indentation",
	} {
		data := []byte(src)
		if err := yamlnode.Error("f.yaml", data, yaml.Unmarshal(data, &yaml.Node{})); err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%q: %v, want it to start %q", src, err, want)
		}
	}
	// A tab elsewhere (inside a value) is no indentation; another error keeps its own line.
	if data := []byte("a: \"x\ty\"\nb: [1\n"); yamlnode.TabIndent(data) != 0 {
		t.Error("a tab inside a value read as indentation")
	}
	if err := yamlnode.Error("f.yaml", nil, errors.New("no line")); err.Error() != "f.yaml: no line" {
		t.Errorf("no line: %v", err)
	}

	for _, tt := range []struct {
		msg  string
		line int
		rest string
	}{
		{"yaml: line 12: did not find expected key", 12, "did not find expected key"},
		{"line 3: field x not found", 3, "field x not found"},
		{"yaml: control characters are not allowed", 0, "yaml: control characters are not allowed"},
	} {
		if line, rest := yamlnode.SplitLine(tt.msg); line != tt.line || rest != tt.rest {
			t.Errorf("SplitLine(%q) = %d, %q", tt.msg, line, rest)
		}
	}
	if got := yamlnode.WithLine("f", "line 3: bad"); got != "f:3: bad" {
		t.Errorf("WithLine = %q", got)
	}
	if got := yamlnode.WithLine("f", "bad"); got != "f: bad" {
		t.Errorf("WithLine = %q", got)
	}
}

func TestReadable(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"field bogus not found in type index.Answer", "unknown field bogus"},
		{"cannot unmarshal !!str `abc` into int", "`abc` is not a whole number"},
		{"cannot unmarshal !!str `half` into float64", "`half` is not a number"},
		{"cannot unmarshal !!str `yes please` into bool", "`yes please` is not true or false"},
		{"cannot unmarshal !!str `a.b` into []string", "`a.b` is not a list"},
		// a value in quotes is text: "`false` is not true or false" left the operator puzzled
		{"cannot unmarshal !!str `5` into int", "`5` is in quotes, so it is text, not a whole number (write it without the quotes)"},
		{"cannot unmarshal !!str `false` into bool", "`false` is in quotes, so it is text, not true or false (write it without the quotes)"},
		{"cannot unmarshal !!str `0.3` into float64", "`0.3` is in quotes, so it is text, not a number (write it without the quotes)"},
		// a whole number too large: it is not "not a whole number"
		{"cannot unmarshal !!float `9999999...` into int", "`9999999...` is out of range for a whole number here"},
		{"cannot unmarshal !!int `300` into uint8", "`300` is out of range for a whole number here"},
		{"cannot unmarshal !!float `2.5` into int", "`2.5` is not a whole number"},
		{"cannot unmarshal !!seq into string", "want text here, not a list"},
		{"cannot unmarshal !!map into []string", "want a list here, not a mapping"},
		{"did not find expected key", "did not find expected key"},
	} {
		if got := yamlnode.Readable(c.in); got != c.want {
			t.Errorf("Readable(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestItems: a null item, which yaml.v3 leaves out of the decoded list, is reported with its
// index and not paired, so the values after it get their own nodes; an alias is followed.
func TestItems(t *testing.T) {
	const src = "nothing: &n ~\nlist:\n  - {id: a}\n  -\n  - *n\n  - {id: b}\n"
	root := parse(t, src)
	var doc struct {
		List []struct {
			ID string `yaml:"id"`
		} `yaml:"list"`
	}
	if err := root.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.List) != 2 {
		t.Fatalf("yaml.v3 decoded %d items, want the 2 mappings", len(doc.List))
	}
	var nulls []string
	ns := yamlnode.Items(yamlnode.Value(yamlnode.Top(root), "list"), len(doc.List), yaml.MappingNode, func(i int, item *yaml.Node) {
		nulls = append(nulls, fmt.Sprintf("#%d:%d", i+1, item.Line))
	})
	if got := strings.Join(nulls, " "); got != "#2:4 #3:5" {
		t.Errorf("null items %q, want #2:4 #3:5", got)
	}
	if len(ns) != 2 || ns[0].Line != 3 || ns[1].Line != 6 {
		t.Errorf("nodes %v, want the lines 3 and 6", ns)
	}
	if ns := yamlnode.Items(nil, 2, yaml.MappingNode, nil); len(ns) != 2 || ns[0] != nil || ns[1] != nil {
		t.Errorf("Items(nil, 2) = %v, want two nils", ns)
	}
}
