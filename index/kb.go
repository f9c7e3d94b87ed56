package index

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/zhiyi-ai/zhiyi/internal/yamlnode"
	"github.com/zhiyi-ai/zhiyi/nlp"
	"github.com/zhiyi-ai/zhiyi/tmpl"
)

// Categories are the intent categories a knowledge base may use, and the form they are served in
// (a knowledge base may write them in traditional script: 諮詢, 投訴, 建議).
var Categories = []string{"咨询", "投诉", "建议", "故障"}

// NoneIntent is the reserved intent id for out-of-scope messages; no knowledge-base intent may
// use it.
const NoneIntent = "none"

// MaxAnswerRunes is the longest answer text a knowledge base accepts, in characters (runes).
const MaxAnswerRunes = 500

// KB is a shop's knowledge base: its intents, each with example questions and answers. Load one
// with LoadKB or ParseKB; it is read-only afterwards and safe for concurrent use.
type KB struct {
	Shop    string   `yaml:"shop"`
	Version int      `yaml:"version"`
	Intents []Intent `yaml:"intents"`

	byID map[string]*Intent
}

// Intent is one thing a customer may want, with the questions that ask for it and the answers
// that serve it.
type Intent struct {
	ID       string   `yaml:"id"`       // ^[a-z][a-z0-9_]*$, unique, not "none"
	Label    string   `yaml:"label"`    // Chinese display label
	Category string   `yaml:"category"` // one of Categories
	Priority int      `yaml:"priority"` // 1 (highest) .. 3
	Handoff  bool     `yaml:"handoff"`  // a human must take over
	Examples []string `yaml:"examples"` // example questions, at least one
	Answers  []Answer `yaml:"answers"`  // answer variants, at least one
}

// Answer is one answer variant of an intent.
type Answer struct {
	ID   string `yaml:"id"`   // unique in the knowledge base
	Text string `yaml:"text"` // at most MaxAnswerRunes characters; may hold placeholders (package tmpl)
	// Waive exempts this answer from compliance findings (package lint) for the listed terms,
	// each with the reason it is acceptable here. Optional.
	Waive []Waiver `yaml:"waive,omitempty"`
	// Weight is the answer's share of its intent's traffic when the intent has several answers
	// (an A/B experiment, package experiment): nil for equal shares, 0 for not served. Give
	// every answer of an intent a weight, or none. Optional.
	Weight *float64 `yaml:"weight,omitempty"`
	// Gray, a Go duration such as 72h, marks a new answer that is only suggested to agents
	// (route suggest) for that long after GraySince, and until its ratings are shown not
	// worse than the control's (package experiment). Optional; GrayPeriod is the parsed value.
	Gray string `yaml:"gray,omitempty"`
	// GraySince starts the gray period: a date (2026-12-01, midnight China time) or an RFC 3339
	// time. Optional: by default the period starts when the bundle was created. GrayStart is
	// the parsed value.
	GraySince string `yaml:"gray_since,omitempty"`

	tmpl      *tmpl.Template
	grayFor   time.Duration
	graySince time.Time
}

// Waiver exempts an answer from the compliance lint's findings for one term. A waiver without a
// reason is refused when the knowledge base is loaded.
type Waiver struct {
	Term   string `yaml:"term"`   // the term as the lint names it, e.g. 最大 or 保证
	Reason string `yaml:"reason"` // why the term is acceptable in this answer
}

// Template returns the answer's text parsed for placeholders ({{nickname|亲}}), parsed once when
// the knowledge base was loaded. It is nil for an Answer that did not come from LoadKB or ParseKB.
func (a *Answer) Template() *tmpl.Template { return a.tmpl }

// Intent returns the intent with the given id.
func (kb *KB) Intent(id string) (*Intent, bool) {
	in, ok := kb.byID[id]
	return in, ok
}

// SampleQuestion returns a question a customer of this shop might ask: the first example of
// the first intent not handed to a person, or "" when there is none. What the ready line and
// the console's 测试模式 show, rather than another shop's question.
func (kb *KB) SampleQuestion() string {
	for _, it := range kb.Intents {
		if !it.Handoff && len(it.Examples) > 0 {
			return it.Examples[0]
		}
	}
	return ""
}

// LoadKB reads and validates the knowledge base in the YAML file at path.
func LoadKB(path string) (*KB, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load knowledge base: %w", err)
	}
	return ParseKB(data, path)
}

// ParseKB parses and validates a knowledge base in YAML. name (usually the file path) prefixes
// error messages, which have the form name:line: problem. Unknown fields are errors. Several
// problems are reported at once (joined with errors.Join).
func ParseKB(data []byte, name string) (*KB, error) {
	if err := nlp.CheckUTF8Lines(name, data); err != nil {
		return nil, err
	}
	kb := &KB{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(kb); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: empty knowledge base", name)
		}
		return nil, yamlnode.Error(name, data, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		line := extra.Line
		if err != nil {
			return nil, yamlnode.Error(name, data, err)
		}
		return nil, fmt.Errorf("%s:%d: a second YAML document; a knowledge base is one document", name, line)
	}
	// A second, lenient parse into nodes gives the line numbers for validation; the strict
	// decode above has already checked the structure.
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlnode.Error(name, data, err)
	}
	if err := kb.validate(name, &root); err != nil {
		return nil, err
	}
	return kb, nil
}

var intentIDPattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// validate checks every rule and builds the id map. root is the document node the KB was
// decoded from.
func (kb *KB) validate(name string, root *yaml.Node) error {
	doc := yamlnode.Top(root)
	var errs []error
	fail := func(line int, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s:%d: %s", name, line, fmt.Sprintf(format, args...)))
	}
	intentsNode := yamlnode.Value(doc, "intents")
	// yaml.v3 leaves a null item (a stray "-" or "~") out of a decoded list: Items pairs the
	// items with the decoded values, so the values after one keep their own lines (here and in
	// package lint, which reads a file ParseKB accepted), and the null item is refused at its
	// line, as an empty one is.
	nulls := 0
	empty := func(what string) func(int, *yaml.Node) {
		return func(i int, item *yaml.Node) {
			nulls++
			fail(item.Line, "%s #%d: empty (a \"-\" with nothing after it)", what, i+1)
		}
	}
	intentNodes := yamlnode.Items(intentsNode, len(kb.Intents), yaml.MappingNode, empty("intent"))
	if len(kb.Intents) == 0 && nulls == 0 {
		fail(yamlnode.Line(intentsNode, doc), "no intents")
	}
	kb.byID = make(map[string]*Intent, len(kb.Intents))
	idLines := make(map[string]int, len(kb.Intents))
	answerLines := map[string]int{}
	for i := range kb.Intents {
		in := &kb.Intents[i]
		n := intentNodes[i]
		line := yamlnode.Line(n, yamlnode.Or(intentsNode, doc))
		what := "intent " + strconv.Quote(in.ID)
		switch {
		case in.ID == "":
			what = fmt.Sprintf("intent #%d", i+1)
			fail(line, "%s: missing id", what)
		case in.ID == NoneIntent:
			fail(yamlnode.Line(yamlnode.Value(n, "id"), n), "%s: id %q is reserved for out-of-scope messages", what, NoneIntent)
		case !intentIDPattern.MatchString(in.ID):
			fail(yamlnode.Line(yamlnode.Value(n, "id"), n), "%s: id must match %s%s", what, intentIDPattern, chineseIDHint(in.ID))
		default:
			if first, dup := idLines[in.ID]; dup {
				fail(yamlnode.Line(yamlnode.Value(n, "id"), n), "%s: duplicate intent id (first at line %d)", what, first)
			} else {
				idLines[in.ID] = yamlnode.Line(yamlnode.Value(n, "id"), n)
				kb.byID[in.ID] = in
			}
		}
		if strings.TrimSpace(in.Label) == "" {
			fail(yamlnode.Line(yamlnode.Value(n, "label"), n), "%s: empty label", what)
		}
		switch {
		case in.Category == "":
			fail(yamlnode.Line(yamlnode.Value(n, "category"), n), "%s: no category (want one of %s)", what, strings.Join(Categories, ", "))
		case knownCategory(nlp.Fold(in.Category)):
			// a shop writing traditional script writes 諮詢, 投訴, 建議: the category is a fixed
			// set gateways route on, so it is served in the one form Categories gives
			in.Category = nlp.Fold(in.Category)
		default:
			fail(yamlnode.Line(yamlnode.Value(n, "category"), n), "%s: unknown category %q (want one of %s)",
				what, in.Category, strings.Join(Categories, ", "))
		}
		if in.Priority < 1 || in.Priority > 3 {
			fail(yamlnode.Line(yamlnode.Value(n, "priority"), n), "%s: priority %d out of range 1..3", what, in.Priority)
		}

		exNode := yamlnode.Value(n, "examples")
		nulls = 0
		exNodes := yamlnode.Items(exNode, len(in.Examples), yaml.ScalarNode, empty(what+": example"))
		if len(in.Examples) == 0 && nulls == 0 {
			fail(yamlnode.Line(exNode, n), "%s: no examples", what)
		}
		seen := make(map[string]int, len(in.Examples))
		for j, ex := range in.Examples {
			exLine := yamlnode.Line(exNodes[j], n)
			ex = strings.TrimSpace(ex)
			if ex == "" {
				fail(exLine, "%s: empty example", what)
				continue
			}
			if first, dup := seen[ex]; dup {
				fail(exLine, "%s: duplicate example %q (first at line %d)", what, ex, first)
				continue
			}
			seen[ex] = exLine
		}

		ansNode := yamlnode.Value(n, "answers")
		nulls = 0
		ansNodes := yamlnode.Items(ansNode, len(in.Answers), yaml.MappingNode, empty(what+": answer"))
		if len(in.Answers) == 0 && nulls == 0 {
			fail(yamlnode.Line(ansNode, n), "%s: no answers", what)
		}
		for j := range in.Answers {
			a := &in.Answers[j]
			an := ansNodes[j]
			idLine := yamlnode.Line(yamlnode.Value(an, "id"), yamlnode.Or(an, n))
			switch {
			case strings.TrimSpace(a.ID) == "":
				fail(idLine, "%s: answer #%d: missing id", what, j+1)
			default:
				if first, dup := answerLines[a.ID]; dup {
					fail(idLine, "%s: duplicate answer id %q (first at line %d)", what, a.ID, first)
				} else {
					answerLines[a.ID] = idLine
				}
			}
			textLine := yamlnode.Line(yamlnode.Value(an, "text"), yamlnode.Or(an, n))
			switch r := utf8.RuneCountInString(a.Text); {
			case strings.TrimSpace(a.Text) == "":
				fail(textLine, "%s: answer %q: empty text", what, a.ID)
			case r > MaxAnswerRunes:
				fail(textLine, "%s: answer %q: text has %d characters, more than %d", what, a.ID, r, MaxAnswerRunes)
			}
			if t, err := tmpl.Parse(a.Text); err != nil {
				fail(textLine, "%s: answer %q: placeholder: %v", what, a.ID, err)
			} else {
				a.tmpl = t
			}
			afail := func(line int, format string, args ...any) {
				fail(line, "%s: answer %q: %s", what, a.ID, fmt.Sprintf(format, args...))
			}
			ws := yamlnode.Value(an, "waive")
			wns := yamlnode.Items(ws, len(a.Waive), yaml.MappingNode, func(k int, item *yaml.Node) {
				afail(item.Line, "waiver #%d: empty (a \"-\" with nothing after it)", k+1)
			})
			validateWaivers(a, wns, yamlnode.Or(ws, yamlnode.Or(an, n)), afail)
		}
		validateVariants(in, ansNode, ansNodes, n, fail)
	}
	return errors.Join(errs...)
}

// validateWaivers checks an answer's waivers: each names a term and gives a reason, and no term
// is waived twice. wns are the waivers' nodes (yamlnode.Items), fallback the node to report at
// when one is nil.
func validateWaivers(a *Answer, wns []*yaml.Node, fallback *yaml.Node, fail func(line int, format string, args ...any)) {
	seen := make(map[string]int, len(a.Waive))
	for k, w := range a.Waive {
		wn := wns[k]
		line := yamlnode.Line(wn, fallback)
		term := strings.TrimSpace(w.Term)
		if term == "" {
			fail(yamlnode.Line(yamlnode.Value(wn, "term"), wn), "waiver #%d: missing term", k+1)
			continue
		}
		if strings.TrimSpace(w.Reason) == "" {
			fail(yamlnode.Line(yamlnode.Value(wn, "reason"), yamlnode.Or(wn, fallback)), "waiver for %q has no reason (say why the term is acceptable here)", term)
		}
		if first, dup := seen[term]; dup {
			fail(line, "waiver for %q given twice (first at line %d)", term, first)
			continue
		}
		seen[term] = line
	}
}

func knownCategory(c string) bool {
	for _, k := range Categories {
		if c == k {
			return true
		}
	}
	return false
}

// chineseIDHint says where a Chinese name belongs when an id holds Han characters: a shop
// moving from a keyword bot names its intents by the bot's Chinese rule names (开票), and the
// pattern alone does not tell it that the name has a field of its own, label.
func chineseIDHint(id string) string {
	for _, r := range id {
		if unicode.Is(unicode.Han, r) {
			return ": ids are lower-case ASCII (issue_invoice, or pinyin: kai_piao); write the Chinese name under label:"
		}
	}
	return ""
}
