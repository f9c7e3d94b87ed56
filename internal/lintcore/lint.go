package lintcore

import (
	"bytes"
	"cmp"
	"fmt"
	"os"
	"slices"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/zhiyi-ai/zhiyi/index"
	"github.com/zhiyi-ai/zhiyi/internal/yamlnode"
	"github.com/zhiyi-ai/zhiyi/nlp"
	"github.com/zhiyi-ai/zhiyi/tmpl"
)

// MaxBytes is the longest text one chat message may carry, in UTF-8 bytes (WeCom's and 微信客服's
// limit for a text message).
const MaxBytes = 2048

// Finding is one problem in an answer.
type Finding struct {
	File         string
	Line, Column int    // 1-based; Column counts characters (runes)
	Intent       string // knowledge base: the intent's id
	Answer       string // knowledge base: the answer's id
	Rule         string // rules file: the rule's id
	Kind         Kind
	Term         string // the term as a waiver names it ("" for Length)
	Reason       string
	ReasonZH     string // Reason in Chinese, for the console's pages
}

// String renders the finding as file:line:column: where: term: reason.
func (f Finding) String() string {
	where := "rule " + f.Rule
	switch {
	case f.Rule != "":
	case f.Answer == "":
		where = "intent " + f.Intent + " example"
	default:
		where = "intent " + f.Intent + " answer " + f.Answer
	}
	if f.Term == "" {
		return fmt.Sprintf("%s:%d:%d: %s: %s", f.File, f.Line, f.Column, where, f.Reason)
	}
	return fmt.Sprintf("%s:%d:%d: %s: %s: %s", f.File, f.Line, f.Column, where, f.Term, f.Reason)
}

// KBFile lints the answers and examples of the knowledge base at path. The error is for a file that cannot
// be read or does not load (index.ParseKB's problems, each with file:line); findings are not
// errors.
func KBFile(path string) ([]Finding, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("lint: cannot read %s: %w", path, err)
	}
	return KB(data, path)
}

// KB lints a knowledge base's answers and example questions; name (its path) goes into findings
// and errors.
func KB(data []byte, name string) ([]Finding, error) {
	kb, err := index.ParseKB(data, name)
	if err != nil {
		return nil, err
	}
	doc, err := ParseNodes(data, name)
	if err != nil {
		return nil, err
	}
	src := NewSource(data, name)
	intents := yamlnode.Value(doc, "intents")
	// The file's list items and kb's values correspond by index: yaml.v3 leaves out of a decoded
	// list only null items and items of the wrong type, and ParseKB has refused both at their
	// lines (a stray "-" before an example had its finding reported at the stray's line).
	var out []Finding
	for i, in := range kb.Intents {
		examples := yamlnode.Value(yamlnode.Item(intents, i), "examples")
		for j, ex := range in.Examples {
			if _, set := nlp.MaskExcept(nlp.Normalize(ex), nlp.MaskOrder, nlp.MaskURL); set != 0 {
				n := yamlnode.Item(examples, j)
				col := 1
				if n != nil {
					col = n.Column
				}
				out = append(out, Finding{File: name, Line: yamlnode.Line(n, examples), Column: col, Intent: in.ID, Kind: Personal,
					Term: set.String(), Reason: reasonPersonal.en, ReasonZH: reasonPersonal.zh})
			}
		}
		answers := yamlnode.Value(yamlnode.Item(intents, i), "answers")
		for j := range in.Answers {
			a := &in.Answers[j]
			an := yamlnode.Item(answers, j)
			var ws []Waiver
			for k, w := range a.Waive {
				wn := yamlnode.Item(yamlnode.Value(an, "waive"), k)
				tn := yamlnode.Value(wn, "term")
				ws = append(ws, Waiver{Term: strings.TrimSpace(w.Term), Line: yamlnode.Line(tn, yamlnode.Or(wn, an)), Column: yamlnode.Column(tn, wn)})
			}
			fs := src.Answer(a.Template(), yamlnode.Value(an, "text"), ws)
			for k := range fs {
				fs[k].Intent, fs[k].Answer = in.ID, a.ID
			}
			out = append(out, fs...)
		}
	}
	SortFindings(out)
	return out, nil
}

// Waiver is a waiver of an answer as package lint checks it: the term it names and where that term
// stands.
type Waiver struct {
	Term         string
	Line, Column int // of its term, where an unused waiver's finding points
}

// Source is a file's raw lines, for turning offsets in a scalar into line:column.
type Source struct {
	name  string
	lines []string
}

// NewSource returns the source of the file name holding data.
func NewSource(data []byte, name string) *Source {
	return &Source{name: name, lines: strings.Split(string(data), "\n")}
}

// Answer lints one answer's template (nil: no answer), whose text is the scalar node n, with
// its waivers.
func (s *Source) Answer(t *tmpl.Template, n *yaml.Node, ws []Waiver) []Finding {
	var out []Finding
	used := make([]bool, len(ws))
	if t != nil {
		text := t.String()
		for _, h := range Text(text) {
			if k := slices.IndexFunc(ws, func(w Waiver) bool { return sameTerm(w.Term, h.Term) }); k >= 0 {
				used[k] = true
				continue
			}
			line, col := s.position(n, text, h.Offset, h.Term)
			out = append(out, Finding{File: s.name, Line: line, Column: col, Kind: h.Kind, Term: h.Term, Reason: h.Reason, ReasonZH: h.ReasonZH})
		}
		if m := t.MaxLen(); m > MaxBytes {
			line, col := s.position(n, text, 0, "")
			r := reason{fmt.Sprintf("%d bytes, more than a chat message's %d", m, MaxBytes),
				fmt.Sprintf("%d 字节，超过一条聊天消息的 %d 字节", m, MaxBytes)}
			if !t.Static() {
				r = reason{fmt.Sprintf("up to %d bytes once its placeholders are filled (%d each at most), more than a chat message's %d",
					m, tmpl.MaxValueBytes, MaxBytes),
					fmt.Sprintf("填入占位符后最多 %d 字节（每个至多 %d），超过一条聊天消息的 %d 字节", m, tmpl.MaxValueBytes, MaxBytes)}
			}
			out = append(out, Finding{File: s.name, Line: line, Column: col, Kind: Length, Reason: r.en, ReasonZH: r.zh})
		}
	}
	found := len(out) // this answer's findings, before the unused waivers
	for k, w := range ws {
		if !used[k] {
			r := unusedReason(w.Term, out[:found])
			out = append(out, Finding{File: s.name, Line: w.Line, Column: max(w.Column, 1), Kind: Unused, Term: w.Term, Reason: r.en, ReasonZH: r.zh})
		}
	}
	return out
}

// Unwaived lints an answer's own wording — its template's source, placeholders' defaults
// included, never a value filled in (a customer's nickname such as 最棒的小王 is no claim of the
// shop's) — and returns the hits none of the waivers' terms names, as the file's lint judges them.
func Unwaived(t *tmpl.Template, waivers []string) []Hit {
	if t == nil {
		return nil
	}
	var out []Hit
	for _, h := range Text(t.String()) {
		if !slices.ContainsFunc(waivers, func(w string) bool { return sameTerm(w, h.Term) }) {
			out = append(out, h)
		}
	}
	return out
}

// sameTerm reports whether a waiver's term names a finding's: in either script and case, and
// with or without the spaces the answer has inside it (第 1, 第 一: the lint reads through them).
func sameTerm(waiver, finding string) bool {
	return strings.EqualFold(noSpaces(foldedText(waiver)), noSpaces(finding))
}

// unusedReason says why a waiver waives nothing. A waiver that names more or less than a
// finding of its answer (最低價 or 最 for the finding 最低) is for that finding: removing it, as
// a waiver of nothing is told to, would leave the finding, so the reason names the term to write.
func unusedReason(term string, findings []Finding) reason {
	w := strings.ToLower(noSpaces(foldedText(term)))
	for _, f := range findings {
		if t := strings.ToLower(noSpaces(f.Term)); f.Kind != Length && f.Kind != Unused && t != "" && w != "" &&
			(strings.Contains(w, t) || strings.Contains(t, w)) {
			return reason{fmt.Sprintf("waiver matches no finding in this answer: the finding at line %d, column %d is named %s (write term: %s)",
				f.Line, f.Column, f.Term, f.Term),
				fmt.Sprintf("这条豁免没有对应本答案的任何发现：第 %d 行第 %d 列的发现写作 %s（请写 term: %s）", f.Line, f.Column, f.Term, f.Term)}
		}
	}
	return reason{"waiver matches no finding in this answer (remove it)", "这条豁免没有对应本答案的任何发现（请删掉）"}
}

// position is the file line and column of byte off in value, the scalar of node n. Literal
// blocks (|, |-) and one-line scalars map by counting; elsewhere (folded blocks, escapes,
// scalars over several lines), and wherever the count lands off the term, the term is looked
// for in the scalar's lines: its occurrence as many times over as in value before off. term,
// when given, must be at the place returned, or it is where the scalar starts.
func (s *Source) position(n *yaml.Node, value string, off int, term string) (line, col int) {
	if n == nil {
		return 1, 1
	}
	line, col = n.Line, n.Column
	k := strings.Count(value[:off], "\n")
	lineStart := strings.LastIndexByte(value[:off], '\n') + 1
	runeCol := utf8.RuneCountInString(value[lineStart:off])
	var l, c int
	switch {
	case n.Style&yaml.LiteralStyle != 0:
		l = n.Line + 1 + k
		if l-1 >= len(s.lines) {
			return line, col
		}
		c = s.blockIndent(n.Line) + runeCol + 1
	case k == 0 && n.Style&yaml.FoldedStyle == 0:
		l, c = n.Line, n.Column+runeCol
		if n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) != 0 {
			c++
		}
	}
	if l > 0 && s.termAt(l, c, term) {
		return l, c
	}
	if term == "" {
		return line, col
	}
	// 最好 in 全网最低，最好的 is the second occurrence of 最 … counted as Text reads the text
	target := normal(term)
	skip := strings.Count(normal(value[:off]), target)
	for l := n.Line; l <= s.scalarEnd(n.Line); l++ {
		from := 1
		if l == n.Line {
			from = n.Column
		}
		for i := range utf8.RuneCountInString(s.lines[l-1]) {
			if c := i + 1; c >= from && s.termAt(l, c, term) {
				if skip == 0 {
					return l, c
				}
				skip--
			}
		}
	}
	return line, col
}

// termAt reports whether term is at line l, column c of the file (without spaces: the term
// 100%有效 is found in 100 %有效 too), starting there: a space or an emoji before a term is
// not its place, though normal leaves it out.
func (s *Source) termAt(l, c int, term string) bool {
	if l-1 >= len(s.lines) {
		return false
	}
	at := runeSuffix(s.lines[l-1], c-1)
	if r, _ := utf8.DecodeRuneInString(at); term != "" && (r == ' ' || r == '\u3000' || ignorable(r)) {
		return false
	}
	return strings.HasPrefix(normal(at), normal(term))
}

// normal is s as the lint compares it: folded, in lower case, without spaces.
func normal(s string) string { return noSpaces(strings.ToLower(foldedText(s))) }

// scalarEnd is the last line of the scalar that starts on line start (1-based): the lines
// after it indented deeper than its key (a block's, a folded or quoted scalar's continuation).
func (s *Source) scalarEnd(start int) int {
	if start-1 >= len(s.lines) {
		return len(s.lines)
	}
	key := keyIndent(s.lines[start-1])
	end := start
	for i := start; i < len(s.lines); i++ {
		raw := s.lines[i]
		rest := strings.TrimLeft(raw, " ")
		if strings.TrimSpace(rest) == "" {
			continue
		}
		if len(raw)-len(rest) <= key {
			break
		}
		end = i + 1
	}
	return end
}

// keyIndent is the column (0-based) of the key on a line: past its indentation and list dashes.
func keyIndent(raw string) int {
	n := 0
	for {
		rest := strings.TrimLeft(raw, " ")
		n += len(raw) - len(rest)
		if !strings.HasPrefix(rest, "- ") {
			return n
		}
		n += 2
		raw = rest[2:]
	}
}

// blockIndent is the indentation of the literal block whose header (|, |-) is on line header
// (1-based): that of its first non-blank line, as YAML sets it. A line's own spaces beyond it
// are text (a list inside an answer) and are counted by the caller's column within the value,
// so they must not be counted again from the raw line.
func (s *Source) blockIndent(header int) int {
	for _, raw := range s.lines[min(header, len(s.lines)):] {
		if rest := strings.TrimLeft(raw, " "); strings.TrimSpace(rest) != "" {
			return len(raw) - len(rest)
		}
	}
	return 0
}

// foldedText is s as Text reads it.
func foldedText(s string) string {
	f, _ := folded(s)
	return f
}

// noSpaces is s without its spaces.
func noSpaces(s string) string { return strings.ReplaceAll(s, " ", "") }

// runeSuffix returns s without its first n runes.
func runeSuffix(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[i:]
		}
		n--
	}
	return ""
}

// SortFindings sorts findings by line and column, keeping the order of findings at one place.
func SortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
}

// ParseNodes returns the document's top node (the loaders have validated the file already).
func ParseNodes(data []byte, name string) (*yaml.Node, error) {
	var root yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&root); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return yamlnode.Top(&root), nil
}
