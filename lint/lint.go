package lint

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/zhiyi-ai/zhiyi/internal/lintcore"
	"github.com/zhiyi-ai/zhiyi/internal/yamlnode"
	"github.com/zhiyi-ai/zhiyi/rules"
	"github.com/zhiyi-ai/zhiyi/tmpl"
)

// The checks of texts and knowledge bases live in internal/lintcore, so that package train can
// use them without importing package rules; these names are theirs.

// MaxBytes is the longest text one chat message may carry, in UTF-8 bytes (WeCom's and 微信客服's
// limit for a text message).
const MaxBytes = lintcore.MaxBytes

// Kind is what a finding is about.
type Kind = lintcore.Kind

// The kinds of finding.
const (
	// Absolute is an absolute term (绝对化用语), which 广告法 Article 9(3) forbids in advertising.
	Absolute = lintcore.Absolute
	// Promise is a promise of returns or a guaranteed effect (广告法 Articles 16, 17, 25, 28).
	Promise = lintcore.Promise
	// Price is a reference price (原价999) or a time limit with no end (限时抢购): misleading
	// unless backed (广告法 Article 28).
	Price = lintcore.Price
	// Disparage belittles other sellers' goods (广告法 Article 13).
	Disparage = lintcore.Disparage
	// Medical is a disease or medical claim for goods that are not a medicine or medical device
	// (广告法 Article 17; health food, Article 18).
	Medical = lintcore.Medical
	// Length is an answer that can be longer than a chat message may be (MaxBytes).
	Length = lintcore.Length
	// Unused is a waiver that waives no finding (stale: remove it).
	Unused = lintcore.Unused
	// Personal is personal data in an example question (phone, ID or bank card, e-mail).
	Personal = lintcore.Personal
)

// Hit is one term found in a text: its byte Offset, the Term a waiver names (最大, 第一, 保证),
// its Kind and Reason.
type Hit = lintcore.Hit

// Finding is one problem in an answer: File, Line and Column (1-based, Column in characters),
// the knowledge base's Intent and Answer or the rules file's Rule, Kind, Term (as a waiver
// names it; "" for Length) and Reason (ReasonZH in Chinese, for pages). Its String is
// file:line:column: where: term: reason.
type Finding = lintcore.Finding

// Text returns the terms in s that advertising law objects to, in order, with the context
// exceptions described in the package doc applied.
func Text(s string) []Hit { return lintcore.Text(s) }

// Unwaived returns the hits in an answer's template (its own wording, not the values filled
// in) that none of its waivers' terms covers: what zhiyi lint would report of it.
func Unwaived(t *tmpl.Template, waivers []string) []Hit { return lintcore.Unwaived(t, waivers) }

// KBFile lints the answers and examples of the knowledge base at path. The error is for a file that cannot
// be read or does not load (index.ParseKB's problems, each with file:line); findings are not
// errors.
func KBFile(path string) ([]Finding, error) { return lintcore.KBFile(path) }

// KB lints a knowledge base's answers and example questions; name (its path) goes into findings
// and errors.
func KB(data []byte, name string) ([]Finding, error) { return lintcore.KB(data, name) }

// RulesFile lints the answers of the rules file at path; opt is passed to rules.Load (its
// Intents checks forced intents). The error is for a file that cannot be read or does not load.
func RulesFile(path string, opt rules.Options) ([]Finding, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("lint: cannot read %s: %w", path, err)
	}
	return Rules(data, path, opt)
}

// Rules lints a rules file's answers (disabled rules included); name goes into findings and
// errors.
func Rules(data []byte, name string, opt rules.Options) ([]Finding, error) {
	set, err := rules.Parse(data, name, opt)
	if err != nil {
		return nil, err
	}
	return rulesFindings(set, data, name)
}

// ErrFindings is returned (wrapped) by ParseRules and LoadRules for a rules file whose answers
// have findings.
var ErrFindings = errors.New("lint: the rules' answers have findings")

// LoadRules is ParseRules of the file at path.
func LoadRules(path string, opt rules.Options) (*rules.Set, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, err) // as rules.Load says it
	}
	return ParseRules(data, path, opt)
}

// ParseRules is rules.Parse that also refuses a file whose answers have findings no waiver
// covers (ErrFindings, each finding on a line of its own as file:line:column; a waiver that
// waives nothing is none), as zhiyi train
// refuses such a knowledge base: a rule's answer goes to customers as written. zhiyi serve
// loads its rules file through it, at start and at every reload, and the console saves
// through it.
func ParseRules(data []byte, name string, opt rules.Options) (*rules.Set, error) {
	set, err := rules.Parse(data, name, opt)
	if err != nil {
		return nil, err
	}
	all, err := rulesFindings(set, data, name)
	if err != nil {
		return nil, err
	}
	// A waiver that waives nothing puts no word before a customer: zhiyi lint names it, but it
	// refuses no file. A smaller lexicon leaves one behind (最快明天发货 was a finding once),
	// and a serve upgraded on such a file would not start.
	var fs []Finding
	for _, f := range all {
		if f.Kind != Unused {
			fs = append(fs, f)
		}
	}
	if len(fs) == 0 {
		return set, nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d finding(s) in %s: %s (zhiyi lint):", len(fs), name, Advice(fs))
	for _, f := range fs {
		b.WriteString("\n")
		b.WriteString(f.String())
	}
	return nil, fmt.Errorf("%w: %s", ErrFindings, b.String())
}

// Advice says what to do about findings, for the kinds among them: a term is reworded or
// waived, but an unused waiver is removed, a length cannot be waived and personal data in an
// example is replaced by its placeholder.
func Advice(fs []Finding) string {
	var terms, long, unused, personal bool
	for _, f := range fs {
		switch f.Kind {
		case Length:
			long = true
		case Unused:
			unused = true
		case Personal:
			personal = true
		default:
			terms = true
		}
	}
	var out []string
	if terms {
		out = append(out, "reword the answer, or waive the term next to it with a reason")
	}
	if long {
		out = append(out, "shorten the long answers (length cannot be waived)")
	}
	if unused {
		out = append(out, "remove the waivers that waive nothing")
	}
	if personal {
		out = append(out, "write the placeholder for the personal data in the examples")
	}
	return strings.Join(out, "; ")
}

// rulesFindings lints the answers of set, parsed from data.
func rulesFindings(set *rules.Set, data []byte, name string) ([]Finding, error) {
	doc, err := lintcore.ParseNodes(data, name)
	if err != nil {
		return nil, err
	}
	src := lintcore.NewSource(data, name)
	list := yamlnode.Value(doc, "rules")
	var out []Finding
	for i, r := range set.Rules() {
		if r.Action.Answer == nil && len(r.Waive) == 0 {
			continue
		}
		rn := yamlnode.Item(list, i)
		var ws []lintcore.Waiver
		for _, w := range r.Waive {
			ws = append(ws, lintcore.Waiver{Term: w.Term, Line: w.Line, Column: w.Column})
		}
		textNode := yamlnode.Value(yamlnode.Value(rn, "action"), "answer")
		if textNode == nil {
			textNode = rn
		}
		fs := src.Answer(r.Action.Answer, textNode, ws)
		for k := range fs {
			fs[k].Rule = r.ID
		}
		out = append(out, fs...)
	}
	lintcore.SortFindings(out)
	return out, nil
}
