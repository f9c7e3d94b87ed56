package rules

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"gopkg.in/yaml.v3"

	"github.com/zhiyi-ai/zhiyi/internal/yamlnode"
	"github.com/zhiyi-ai/zhiyi/nlp"
	"github.com/zhiyi-ai/zhiyi/tmpl"
)

// noneIntent is intent.NoneIntent (out of scope), which a rule's action may name whatever
// Options.Intents knows: no knowledge base lists it.
const noneIntent = "none"

// Channels are the channel names a rule's scope may list: the request's "channel" values.
var Channels = []string{"wecom", "kf", "mp"}

// Options configure Load and Parse. The zero value checks no intent ids, takes terms keywords as
// written and reads the wall clock.
type Options struct {
	// Intents reports whether an intent id exists (for example kb.Intent from index.LoadKB); a
	// rule that forces an unknown intent is refused. It is not asked about none (out of scope,
	// intent.NoneIntent), which every model decides and no knowledge base lists. nil: intent
	// ids are not checked.
	Intents func(id string) bool
	// Analyzer, when set, analyses each terms keyword as messages are analysed (synonym and
	// dialect rewrites, stop words), so a keyword 东西不要了 becomes 退货 as the message's terms
	// do. nil: terms keywords are normalised and split at spaces.
	Analyzer Analyzer
	// Now is the time of a message without sent_at; nil means time.Now.
	Now func() time.Time
}

// Analyzer is the part of *nlp.Analyzer that Options uses.
type Analyzer interface {
	Analyze(text string) nlp.Analysis
}

// The file's YAML shape; see the package doc.
type (
	fileDoc struct {
		Version  int          `yaml:"version"`
		TZ       string       `yaml:"tz"`
		Holidays []holidayDoc `yaml:"holidays"`
		Rules    []ruleDoc    `yaml:"rules"`
	}
	ruleDoc struct {
		ID       string      `yaml:"id"`
		Priority int         `yaml:"priority"`
		Enabled  *bool       `yaml:"enabled"`
		Comment  string      `yaml:"comment"`
		Match    matchDoc    `yaml:"match"`
		Scope    scopeDoc    `yaml:"scope"`
		Hours    *hoursDoc   `yaml:"hours"`
		Action   actionDoc   `yaml:"action"`
		Waive    []waiverDoc `yaml:"waive"`
	}
	matchDoc struct {
		Any   bool     `yaml:"any"`
		Text  *keysDoc `yaml:"text"`
		Terms *keysDoc `yaml:"terms"`
	}
	keysDoc struct {
		Exact    yamlnode.Strings `yaml:"exact"`
		Contains yamlnode.Strings `yaml:"contains"`
		Regex    yamlnode.Strings `yaml:"regex"`
	}
	scopeDoc struct {
		Channels       yamlnode.Strings `yaml:"channels"`
		OpenKfIDs      yamlnode.Strings `yaml:"open_kfids"`
		Agents         yamlnode.Strings `yaml:"agents"`
		Departments    yamlnode.Strings `yaml:"departments"`
		Tags           yamlnode.Strings `yaml:"tags"`
		Senders        yamlnode.Strings `yaml:"senders"`
		ExcludeSenders yamlnode.Strings `yaml:"exclude_senders"`
	}
	hoursDoc struct {
		TZ       string           `yaml:"tz"`
		Weekdays yamlnode.Strings `yaml:"weekdays"`
		Times    yamlnode.Strings `yaml:"times"`
		Dates    yamlnode.Strings `yaml:"dates"`
		Holidays []holidayDoc     `yaml:"holidays"`
		Outside  bool             `yaml:"outside"`
	}
	holidayDoc struct {
		Date string `yaml:"date"`
		Off  *bool  `yaml:"off"`
		Name string `yaml:"name"`
	}
	actionDoc struct {
		Answer  string `yaml:"answer"`
		Intent  string `yaml:"intent"`
		Handoff string `yaml:"handoff"`
		Silent  bool   `yaml:"silent"`
	}
	waiverDoc struct {
		Term   string `yaml:"term"`
		Reason string `yaml:"reason"`
	}
)

// Load reads, validates and compiles the rules file at path.
func Load(path string, opt Options) (*Set, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, err) // the flag or the page names what it is
	}
	return Parse(data, path, opt)
}

// Parse validates and compiles a rules file. name (usually its path) prefixes error messages,
// which have the form name:line: problem; every problem found is reported (errors.Join), in
// line order.
func Parse(data []byte, name string, opt Options) (*Set, error) {
	if err := nlp.CheckUTF8Lines(name, data); err != nil {
		return nil, err
	}
	// The node tree first: its aliases are counted before decoding expands them.
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlnode.Error(name, data, err)
	}
	if err := yamlnode.CheckAliases(name, &root); err != nil {
		return nil, err
	}
	var doc fileDoc
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	c := &compiler{name: name, opt: opt, ids: map[string]int{}, locs: map[string]*time.Location{}}
	if err := dec.Decode(&doc); err != nil {
		var te *yaml.TypeError
		switch {
		case errors.Is(err, io.EOF):
			return nil, fmt.Errorf("%s: empty rules file", name)
		case errors.As(err, &te):
			// Unknown fields and wrong types; the rest of the file decoded and is checked too.
			for _, msg := range te.Errors {
				line, _ := yamlnode.SplitLine(msg)
				c.errs = append(c.errs, lineError{line, yamlnode.WithLine(name, readableTypeError(msg))})
			}
		default:
			return nil, yamlnode.Error(name, data, err)
		}
	}
	if err := yamlnode.OneDocument(dec, name, "a rules file"); err != nil {
		return nil, err
	}
	top := yamlnode.Top(&root)
	rules := c.file(&doc, top)
	if len(c.errs) > 0 {
		slices.SortStableFunc(c.errs, func(a, b lineError) int { return cmp.Compare(a.line, b.line) })
		errs := make([]error, len(c.errs))
		for i, e := range c.errs {
			errs[i] = errors.New(e.msg)
		}
		return nil, errors.Join(errs...)
	}
	s, err := newSet(rules, opt)
	if err != nil {
		return nil, err
	}
	for _, w := range c.warns {
		s.warnings = append(s.warnings, w.msg)
	}
	s.warnings = append(s.warnings, shadowed(name, rules)...)
	return s, nil
}

// docSections names the file's sections for yaml.v3's "field x not found in type rules.ruleDoc".
var docSections = strings.NewReplacer(
	"not found in type rules.fileDoc", "unknown at the top level (want version, tz, holidays, rules)",
	"not found in type rules.ruleDoc", "unknown in a rule (want id, priority, enabled, comment, match, scope, hours, action, waive)",
	"not found in type rules.matchDoc", "unknown in match (want any, text, terms)",
	"not found in type rules.keysDoc", "unknown in match.text or match.terms (want exact, contains, regex)",
	"not found in type rules.scopeDoc", "unknown in scope (want channels, open_kfids, agents, departments, tags, senders, exclude_senders)",
	"not found in type rules.hoursDoc", "unknown in hours (want tz, weekdays, times, dates, holidays, outside)",
	"not found in type rules.holidayDoc", "unknown in a holiday (want date, off, name)",
	"not found in type rules.actionDoc", "unknown in action (want answer, intent, handoff, silent)",
	"not found in type rules.waiverDoc", "unknown in a waiver (want term, reason)",
)

func readableTypeError(msg string) string { return docSections.Replace(msg) }

// lineError is one problem, kept with its line so that all of them come out in file order.
type lineError struct {
	line int
	msg  string
}

// compiler turns the decoded file into rules, collecting every problem.
type compiler struct {
	name     string
	opt      Options
	errs     []lineError
	warns    []lineError    // what loads but the operator should see (Set.Warnings)
	ids      map[string]int // rule id → line
	locs     map[string]*time.Location
	tz       string
	holidays map[int32]bool
}

func (c *compiler) fail(line int, format string, args ...any) {
	c.errs = append(c.errs, lineError{line, fmt.Sprintf("%s:%d: %s", c.name, line, fmt.Sprintf(format, args...))})
}

func (c *compiler) file(doc *fileDoc, top *yaml.Node) []*Rule {
	if doc.Version != 1 {
		c.fail(yamlnode.Line(yamlnode.Value(top, "version"), top), "version %d: want version: 1", doc.Version)
	}
	c.tz = DefaultTZ
	if doc.TZ != "" {
		c.tz = doc.TZ
		if c.location(doc.TZ) == nil {
			c.fail(yamlnode.Line(yamlnode.Value(top, "tz"), top), "%s", unknownTZ(doc.TZ))
		}
	}
	c.holidays = c.holidayMap(doc.Holidays, yamlnode.Value(top, "holidays"), top, nil)
	rulesNode := yamlnode.Value(top, "rules")
	// (Rules the decoder already refused, a duplicate key say, are not "no rules".)
	if len(doc.Rules) == 0 && (rulesNode == nil || len(rulesNode.Content) == 0) {
		c.fail(yamlnode.Line(rulesNode, top), "no rules")
	}
	out := make([]*Rule, 0, len(doc.Rules))
	for i, n := range mappings(rulesNode, len(doc.Rules), "rule", c.fail) {
		if r := c.rule(i, &doc.Rules[i], n, top); r != nil {
			out = append(out, r)
		}
	}
	return out
}

// mappings returns the mapping node of each of the n values yaml.v3 decoded from the sequence
// list (rules, holidays, waivers), paired by yamlnode.Items rather than by index, and refuses a
// null item: it was begun and never written, and `rules: [~]` would load no rule at all.
func mappings(list *yaml.Node, n int, what string, fail func(int, string, ...any)) []*yaml.Node {
	return yamlnode.Items(list, n, yaml.MappingNode, func(i int, item *yaml.Node) {
		fail(item.Line, "%s #%d: empty (a \"-\" without a %s under it)", what, i+1, what)
	})
}

// location looks a time zone up once per file; an unknown one is nil, and reported by the caller
// at each place that names it (a typo repeated in two rules is two errors, each with its line).
func (c *compiler) location(tz string) *time.Location {
	if loc, ok := c.locs[tz]; ok {
		return loc
	}
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "" || strings.EqualFold(tz, "local") {
		loc = nil
	}
	c.locs[tz] = loc
	return loc
}

func unknownTZ(tz string) string {
	return fmt.Sprintf("unknown time zone %q (want an IANA name such as Asia/Shanghai)", tz)
}

// rule compiles one rule; n is its mapping node (for lines), top the document's.
func (c *compiler) rule(i int, d *ruleDoc, n, top *yaml.Node) *Rule {
	line := yamlnode.Line(n, top)
	what := fmt.Sprintf("rule #%d", i+1)
	before := len(c.errs)
	switch {
	case d.ID == "":
		c.fail(line, "%s: missing id", what)
	case !ruleIDPattern.MatchString(d.ID):
		what = "rule " + strconv.Quote(d.ID)
		hint := ""
		if strings.ContainsFunc(d.ID, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
			// a keyword bot's rules are named in Chinese (退货地址): the name has a field of its own
			hint = ": ids are ASCII (return_address); write the Chinese name under comment:"
		}
		c.fail(yamlnode.Line(yamlnode.Value(n, "id"), n), "%s: id must match %s%s", what, ruleIDPattern, hint)
	case idPersonalData(d.ID) != 0:
		// said without the id, which the error would otherwise repeat into logs and the console
		c.fail(yamlnode.Line(yamlnode.Value(n, "id"), n), "%s: the id holds %s: ids are shown unmasked in responses, logs and /metrics (zhiyi_rule_hits_total{rule}), and a shop's own or a product's number reads the same: name the rule for what it does (store_hangzhou, jacket_restock)",
			what, idDataRead(idPersonalData(d.ID)))
	default:
		idLine := yamlnode.Line(yamlnode.Value(n, "id"), n)
		if idReadsAsOrder(d.ID) {
			// said without the id, as the error above: warnings are logged
			c.warns = append(c.warns, lineError{idLine, fmt.Sprintf("%s:%d: %s: the id reads as an order or tracking number (10 or more digits in a row, or in dashed groups) and is shown unmasked in responses, logs and /metrics (zhiyi_rule_hits_total{rule}): if it is a customer's, name the rule for what it does", c.name, idLine, what)})
		}
		what = "rule " + strconv.Quote(d.ID)
		if first, dup := c.ids[d.ID]; dup {
			c.fail(idLine, "%s: duplicate rule id (first at line %d)", what, first)
		} else {
			c.ids[d.ID] = idLine
		}
	}
	fail := func(line int, format string, args ...any) {
		c.fail(line, "%s: %s", what, fmt.Sprintf(format, args...))
	}
	if pn := yamlnode.Value(n, "priority"); yamlnode.Fractional(pn) {
		// yaml.v3 truncates a fraction into an int: 2.5 would rank as 2, tied with the 2s.
		c.fail(pn.Line, "`%s` is not a whole number", pn.Value)
	}
	r := &Rule{ID: d.ID, Priority: d.Priority, Enabled: d.Enabled == nil || *d.Enabled,
		Comment: d.Comment, Line: line, file: i}
	warn := func(line int, format string, args ...any) {
		if r.Enabled { // a disabled rule is kept for later on purpose
			c.warns = append(c.warns, lineError{line, fmt.Sprintf("%s:%d: %s: %s", c.name, line, what, fmt.Sprintf(format, args...))})
		}
	}
	r.match = c.matcher(&d.Match, yamlnode.Value(n, "match"), n, fail)
	r.scope = c.scope(&d.Scope, yamlnode.Value(n, "scope"), n, fail, warn)
	if d.Hours != nil {
		r.hours = c.hours(d.Hours, yamlnode.Value(n, "hours"), n, fail, warn)
	}
	r.Action = c.action(&d.Action, yamlnode.Value(n, "action"), n, fail)
	wn := yamlnode.Value(n, "waive")
	wns := mappings(wn, len(d.Waive), "waiver", fail)
	seen := map[string]int{}
	for k, w := range d.Waive {
		in := wns[k]
		wl := yamlnode.Line(in, yamlnode.Or(wn, n))
		term := strings.TrimSpace(w.Term)
		switch {
		case term == "":
			fail(wl, "waiver #%d: missing term", k+1)
		case strings.TrimSpace(w.Reason) == "":
			fail(yamlnode.Line(yamlnode.Value(in, "reason"), yamlnode.Or(in, n)), "waiver for %q has no reason (say why the term is acceptable here)", term)
		case seen[term] > 0:
			fail(wl, "waiver for %q given twice (first at line %d)", term, seen[term])
		default:
			seen[term] = wl
			tn := yamlnode.Value(in, "term")
			r.Waive = append(r.Waive, Waiver{Term: term, Reason: strings.TrimSpace(w.Reason), Line: yamlnode.Line(tn, yamlnode.Or(in, n)), Column: yamlnode.Column(tn, in)})
		}
	}
	if len(c.errs) > before {
		return nil
	}
	return r
}

func (c *compiler) matcher(d *matchDoc, n, parent *yaml.Node, fail func(int, string, ...any)) matcher {
	var m matcher
	line := yamlnode.Line(n, parent)
	if d.Any {
		m.any = true
		if d.Text != nil || d.Terms != nil {
			fail(line, "match: any: true matches every message; leave out text and terms, or any")
		}
		return m
	}
	if d.Text != nil {
		tn := yamlnode.Value(n, "text")
		m.textExact = c.keywords(d.Text.Exact, yamlnode.Value(tn, "exact"), tn, "text.exact", fail, exactKey)
		m.textContains = c.keywords(d.Text.Contains, yamlnode.Value(tn, "contains"), tn, "text.contains", fail, textKey)
		m.textRegex = c.regexes(d.Text.Regex, yamlnode.Value(tn, "regex"), tn, "text.regex", fail)
	}
	if d.Terms != nil {
		tn := yamlnode.Value(n, "terms")
		m.termsExact = c.keywords(d.Terms.Exact, yamlnode.Value(tn, "exact"), tn, "terms.exact", fail, c.termsKey)
		for _, k := range c.keywords(d.Terms.Contains, yamlnode.Value(tn, "contains"), tn, "terms.contains", fail, c.termsKey) {
			// " a b " → [" a ", " b "]: each term must appear, whole, in any order.
			var all []string
			for _, t := range strings.Fields(k) {
				if p := " " + t + " "; !slices.Contains(all, p) {
					all = append(all, p)
				}
			}
			m.termsContains = append(m.termsContains, all)
		}
		m.termsRegex = c.regexes(d.Terms.Regex, yamlnode.Value(tn, "regex"), tn, "terms.regex", fail)
	}
	given := 0
	for _, k := range []*keysDoc{d.Text, d.Terms} {
		if k != nil {
			given += len(k.Exact) + len(k.Contains) + len(k.Regex)
		}
	}
	if given == 0 {
		fail(line, "match: no keywords (give text or terms keywords, or any: true to match every message)")
	}
	return m
}

// keywords compiles one keyword list; conv returns the stored form or why the keyword is unusable.
func (c *compiler) keywords(list []string, n, parent *yaml.Node, field string, fail func(int, string, ...any), conv func(string) (string, error)) []string {
	var out []string
	for j, k := range list {
		line := yamlnode.Line(yamlnode.Item(n, j), yamlnode.Or(n, parent))
		if alts := barAlternatives(k); alts != "" {
			// Keyword auto-reply bots export a row's keywords as 发票|开票; pasted as one
			// keyword it would only match a message holding the bar itself, that is never.
			shown, _ := nlp.Mask(alts)
			fail(line, "match.%s: keyword holds |, which keywords do not split at: write each as its own item, [%s] (or put the alternation under regex)", field, shown)
			continue
		}
		key, err := conv(k)
		if err != nil {
			shown, _ := nlp.Mask(k) // a phone number written as a keyword is not repeated into logs
			fail(line, "match.%s: keyword %q %v", field, shown, err)
			continue
		}
		if !slices.Contains(out, key) {
			out = append(out, key)
		}
	}
	return out
}

func (c *compiler) regexes(list []string, n, parent *yaml.Node, field string, fail func(int, string, ...any)) []*regexp.Regexp {
	var out []*regexp.Regexp
	for j, src := range list {
		line := yamlnode.Line(yamlnode.Item(n, j), yamlnode.Or(n, parent))
		re, err := compileRegex(src)
		if err != nil {
			fail(line, "match.%s: %v", field, err)
			continue
		}
		out = append(out, re)
	}
	return out
}

func (c *compiler) scope(d *scopeDoc, n, parent *yaml.Node, fail, warn func(int, string, ...any)) scope {
	// check says what is wrong with a value, and whether that refuses the file (else a warning)
	list := func(field string, vals []string, check func(string) (string, bool)) *stringSet {
		ln := yamlnode.Value(n, field)
		var out []string
		for j, v := range vals {
			v = strings.TrimSpace(v)
			line := yamlnode.Line(yamlnode.Item(ln, j), yamlnode.Or(ln, parent))
			if v == "" {
				fail(line, "scope.%s: empty entry", field)
				continue
			}
			if check != nil {
				if msg, fatal := check(v); msg != "" && fatal {
					fail(line, "scope.%s: %s", field, msg)
					continue
				} else if msg != "" {
					warn(line, "scope.%s: %s", field, msg)
				}
			}
			out = append(out, v)
		}
		return newStringSet(out)
	}
	sc := scope{
		channels: list("channels", d.Channels, func(v string) (string, bool) {
			if !slices.Contains(Channels, v) {
				return fmt.Sprintf("unknown channel %q (want one of %s)", v, strings.Join(Channels, ", ")), true
			}
			return "", true
		}),
		openKfIDs: list("open_kfids", d.OpenKfIDs, func(v string) (string, bool) {
			if !strings.HasPrefix(v, "wk") {
				return fmt.Sprintf("%q is not a 微信客服 account id (they start with wk): not the account's name but its open_kfid, as 微信客服 exports carry it on every message and the kf/account/list API lists it", v), true
			}
			return "", true
		}),
		agents: list("agents", d.Agents, nil),
		depts: list("departments", d.Departments, func(v string) (string, bool) {
			// WeCom gives department ids as whole numbers (8): "08" loads, and never matches
			if len(v) > 1 && v[0] == '0' && strings.Trim(v, "0123456789") == "" {
				return fmt.Sprintf("%q never matches: WeCom gives a department id as a whole number (%s)", v, cmp.Or(strings.TrimLeft(v, "0"), "0")), false
			}
			return "", true
		}),
		tags:     list("tags", d.Tags, nil),
		senders:  list("senders", d.Senders, nil),
		excluded: list("exclude_senders", d.ExcludeSenders, nil),
	}
	if sc.senders != nil && sc.excluded != nil &&
		!slices.ContainsFunc(d.Senders, func(v string) bool { return !sc.excluded.has(strings.TrimSpace(v)) }) {
		fail(yamlnode.Line(yamlnode.Value(n, "senders"), parent), "scope: every one of senders is also in exclude_senders; the rule would never apply")
	}
	return sc
}

func (c *compiler) action(d *actionDoc, n, parent *yaml.Node, fail func(int, string, ...any)) Action {
	line := yamlnode.Line(n, parent)
	var a Action
	hasAnswer := yamlnode.Value(n, "answer") != nil
	if hasAnswer {
		al := yamlnode.Line(yamlnode.Value(n, "answer"), n)
		if strings.TrimSpace(d.Answer) == "" {
			fail(al, "action.answer: empty text")
		} else if t, err := tmpl.Parse(d.Answer); err != nil {
			fail(al, "action.answer: placeholder: %v", err)
		} else {
			a.Answer = t
		}
	}
	switch {
	case d.Silent:
		a.Kind = ActSilent
		if hasAnswer || d.Intent != "" || d.Handoff != "" {
			fail(line, "action: silent sends nothing; it takes no answer, intent or handoff")
		}
	case d.Intent != "":
		a.Kind, a.Intent = ActIntent, d.Intent
		if hasAnswer || d.Handoff != "" {
			fail(line, "action: intent takes that intent's answer and route; it takes no answer or handoff")
		}
		if c.opt.Intents != nil && d.Intent != noneIntent && !c.opt.Intents(d.Intent) {
			fail(yamlnode.Line(yamlnode.Value(n, "intent"), n), "action.intent: unknown intent %q (not in the knowledge base)", d.Intent)
		}
	case d.Handoff == handoffNever:
		a.Kind, a.NoHandoff = ActAnswer, true
		if !hasAnswer {
			fail(line, "action: handoff: never answers and hands nothing off, so it needs an answer (or silent: true to send nothing)")
		}
	case d.Handoff != "":
		a.Kind = ActHandoff
		level, ok := handoffLevels[d.Handoff]
		if !ok {
			fail(yamlnode.Line(yamlnode.Value(n, "handoff"), n), "action.handoff: unknown priority %q (want urgent, high or normal; never, with an answer, to hand nothing off)", d.Handoff)
		}
		a.Handoff = level
	case hasAnswer:
		a.Kind = ActAnswer
	default:
		fail(line, "action: none given (answer, intent, handoff or silent)")
	}
	return a
}
