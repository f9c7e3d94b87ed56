package yamlnode

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Top returns a document node's content (its top mapping or sequence); any other node, itself.
func Top(root *yaml.Node) *yaml.Node {
	if root != nil && root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		return root.Content[0]
	}
	return root
}

// Value returns the value node of key in mapping node m, or nil.
func Value(m *yaml.Node, key string) *yaml.Node {
	if i := index(m, key); i >= 0 {
		return m.Content[i+1]
	}
	return nil
}

// Key returns the key node of key in mapping node m, or nil: the line to report a key on
// whose value is the problem's whole story (a list that should not be there).
func Key(m *yaml.Node, key string) *yaml.Node {
	if i := index(m, key); i >= 0 {
		return m.Content[i]
	}
	return nil
}

// index is key's position in m's content (keys and values alternate), or -1.
func index(m *yaml.Node, key string) int {
	if m == nil || m.Kind != yaml.MappingNode {
		return -1
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return i
		}
	}
	return -1
}

// Item returns the i-th element of sequence node s, or nil.
func Item(s *yaml.Node, i int) *yaml.Node {
	if s == nil || s.Kind != yaml.SequenceNode || i < 0 || i >= len(s.Content) {
		return nil
	}
	return s.Content[i]
}

// Or returns n, or fallback when n is nil.
func Or(n, fallback *yaml.Node) *yaml.Node {
	if n != nil {
		return n
	}
	return fallback
}

// Line returns the line of n, else of fallback, else 1.
func Line(n, fallback *yaml.Node) int {
	switch {
	case n != nil && n.Line > 0:
		return n.Line
	case fallback != nil && fallback.Line > 0:
		return fallback.Line
	}
	return 1
}

// Column returns the column of n, else of fallback, else 1.
func Column(n, fallback *yaml.Node) int {
	switch {
	case n != nil && n.Column > 0:
		return n.Column
	case fallback != nil && fallback.Column > 0:
		return fallback.Column
	}
	return 1
}

// linePrefix is how yaml.v3 starts a message about a line: "yaml: line 3: " for a syntax
// error, "line 3: " for each of a TypeError's.
var linePrefix = regexp.MustCompile(`^(?:yaml: )?line (\d+): `)

// SplitLine takes yaml.v3's line prefix off a message: the line it names and the rest; 0 and
// msg unchanged when it names none.
func SplitLine(msg string) (int, string) {
	if m := linePrefix.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n, msg[len(m[0]):]
	}
	return 0, msg
}

// WithLine rewrites one of yaml.v3's messages as name:line: problem (name: problem when it
// names no line), the problem in words a file's author knows (Readable).
func WithLine(name, msg string) string {
	if line, rest := SplitLine(msg); line > 0 {
		return name + ":" + strconv.Itoa(line) + ": " + Readable(rest)
	}
	return name + ": " + Readable(msg)
}

var (
	unknownField = regexp.MustCompile(`^field (\S+) not found in type .+$`)
	badScalar    = regexp.MustCompile("^cannot unmarshal !!(\\w+) `(.*)` into (.+)$")
	badNode      = regexp.MustCompile("^cannot unmarshal !!(seq|map) into (.+)$")
)

// Readable words a yaml.v3 decoding problem without Go's types: "field x not found in type
// index.Answer" is "unknown field x", "cannot unmarshal !!str `abc` into int" is "`abc` is not
// a whole number". Other messages are returned as they are.
func Readable(msg string) string {
	if m := unknownField.FindStringSubmatch(msg); m != nil {
		return "unknown field " + m[1]
	}
	if m := badScalar.FindStringSubmatch(msg); m != nil {
		tag, value, want := m[1], m[2], goTypeWords(m[3])
		switch {
		case tag == "str" && quotedAs(value, want):
			// priority: "5", enabled: "false": "`false` is not true or false" puzzled
			return fmt.Sprintf("`%s` is in quotes, so it is text, not %s (write it without the quotes)", value, want)
		case (tag == "int" || tag == "float") && want == "a whole number" && !strings.ContainsAny(strings.TrimSuffix(value, "..."), ".eE"):
			// a whole number too large for the field (yaml.v3 reads 99999999999999999999 as a
			// float, and cuts it to 9999999...)
			return fmt.Sprintf("`%s` is out of range for a whole number here", value)
		}
		return fmt.Sprintf("`%s` is not %s", value, want)
	}
	if m := badNode.FindStringSubmatch(msg); m != nil {
		what := map[string]string{"seq": "a list", "map": "a mapping"}[m[1]]
		return fmt.Sprintf("want %s here, not %s", goTypeWords(m[2]), what)
	}
	return msg
}

// quotedAs reports whether a string value would be want ("a whole number", "a number", "true or
// false") written without its quotes.
func quotedAs(value, want string) bool {
	switch want {
	case "a whole number":
		_, err := strconv.ParseInt(value, 0, 64)
		return err == nil
	case "a number":
		_, err := strconv.ParseFloat(value, 64)
		return err == nil
	case "true or false":
		switch value {
		case "true", "True", "TRUE", "false", "False", "FALSE":
			return true
		}
	}
	return false
}

// goTypeWords names a Go type as a YAML value.
func goTypeWords(t string) string {
	switch {
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case strings.HasPrefix(t, "map["), strings.Contains(t, "."):
		return "a mapping"
	case strings.HasPrefix(t, "int"), strings.HasPrefix(t, "uint"):
		return "a whole number"
	case strings.HasPrefix(t, "float"):
		return "a number"
	case t == "bool":
		return "true or false"
	case t == "string":
		return "text"
	}
	return "a " + t
}

// Error rewrites a yaml.v3 decoding error of the file data (name) as name:line: problem: a
// TypeError becomes one error per problem (errors.Join), any other error is wrapped with the
// line its message names. For a construct left open (an unclosed bracket) yaml.v3 names the
// line where it began. A tab in indentation, an editor's doing, is named at its line with what
// to do (SyntaxIn); data may be nil when the bytes are not at hand.
func Error(name string, data []byte, err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		errs := make([]error, 0, len(te.Errors))
		for _, msg := range te.Errors {
			errs = append(errs, errors.New(WithLine(name, msg)))
		}
		return errors.Join(errs...)
	}
	if line, rest := SyntaxIn(data, err); line > 0 {
		return &syntaxError{where: fmt.Sprintf("%s:%d", name, line), msg: rest, err: err}
	}
	return fmt.Errorf("%s: %w", name, err)
}

// SyntaxIn is SyntaxLine for a syntax error of the file data: one a tab in indentation made is
// named at that tab's line (the first tab-indented line from the one yaml.v3 names, which is at
// or before it: a tab earlier in the file is a block scalar's text, which YAML allows), with
// what to do.
func SyntaxIn(data []byte, err error) (int, string) {
	line, rest := SyntaxLine(err)
	if tab := tabIndentFrom(data, max(line, 1)); tab > 0 && aboutTabs(rest) {
		return tab, "a tab in the indentation: YAML indents with spaces only (" + strings.TrimPrefix(rest, "yaml: ") + ")"
	}
	return line, rest
}

// aboutTabs reports whether a yaml.v3 syntax problem is one a tab makes: its scanner says so,
// or, for a tab before the first key, that a character cannot start a token.
func aboutTabs(problem string) bool {
	return strings.Contains(problem, "tab character") || strings.Contains(problem, "cannot start any token")
}

// TabIndent returns the first line (from 1) whose indentation holds a tab, 0 when none does.
// yaml.v3 names such a line inexactly (the line before it, or none).
func TabIndent(data []byte) int { return tabIndentFrom(data, 1) }

// tabIndentFrom is TabIndent counting only the lines from the given one on.
func tabIndentFrom(data []byte, from int) int {
	for line := 1; len(data) > 0; line++ {
		for _, c := range data {
			if line < from || c != ' ' && c != '\t' {
				break
			}
			if c == '\t' {
				return line
			}
		}
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			break
		}
		data = data[i+1:]
	}
	return 0
}

// parserProblems are yaml.v3's parser's messages (its scanner's are others): the parser counts
// lines from 0 where the scanner counts from 1.
var parserProblems = []string{
	"did not find expected key", "did not find expected node content", "did not find expected '-' indicator",
	"did not find expected ',' or ']'", "did not find expected ',' or '}'", "did not find expected <document start>",
	"did not find expected <stream-start>", "found undefined tag handle", "found duplicate %YAML directive",
	"found duplicate %TAG directive", "found incompatible YAML document",
}

// SyntaxLine is the line a yaml.v3 syntax error names, counted from 1 (for a construct left open,
// the line where it begins; for a broken block, the block's first line), and the problem
// without yaml.v3's prefix; 0 and the whole message when it names none.
func SyntaxLine(err error) (int, string) {
	line, rest := SplitLine(err.Error())
	if line > 0 {
		for _, p := range parserProblems {
			if strings.HasPrefix(rest, p) {
				line++
				break
			}
		}
	}
	return line, rest
}

// syntaxError is a yaml.v3 syntax error as name:line: problem, without yaml.v3's own "yaml:
// line N:" prefix; it unwraps to yaml.v3's error.
type syntaxError struct {
	where, msg string
	err        error
}

func (e *syntaxError) Error() string { return e.where + ": " + e.msg }
func (e *syntaxError) Unwrap() error { return e.err }

// OneDocument returns an error naming name:line when dec, having read its first document, holds
// a second with content (NextDocument): yaml.v3 reads one document, so a section pasted after ---
// would be silently ignored. what names the kind of file ("a rules file").
func OneDocument(dec *yaml.Decoder, name, what string) error {
	line, err := NextDocument(dec)
	if err != nil {
		return Error(name, nil, err)
	}
	if line > 0 {
		return fmt.Errorf("%s:%d: a second YAML document; %s is one document", name, line, what)
	}
	return nil
}
