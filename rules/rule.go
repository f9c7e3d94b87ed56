package rules

import (
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/zhiyi-ai/zhiyi/tmpl"
)

// Rule is one compiled rule. Rules are immutable once loaded; a Set hands out pointers to them.
type Rule struct {
	ID       string
	Priority int    // higher runs first; ties in file order
	Enabled  bool   // a disabled rule is validated but never matches
	Comment  string // the operator's note
	Line     int    // line of the rule in its file
	Action   Action
	Waive    []Waiver // compliance-lint waivers for the rule's answer

	match matcher
	scope scope
	hours *window // nil: always
	file  int     // position in the file
}

// ActionKind says what a matching rule does.
type ActionKind uint8

// The actions. A rule has exactly one.
const (
	// ActAnswer answers with Action.Answer; the classifier's intent is reported with it, its
	// answer and route are not used.
	ActAnswer ActionKind = iota + 1
	// ActIntent forces Action.Intent: the message is treated as that intent.
	ActIntent
	// ActHandoff hands the message to a person with Action.Handoff's priority; Action.Answer,
	// when set, is what the customer is told meanwhile.
	ActHandoff
	// ActSilent sends nothing and hands nothing off (internal and test senders, bots).
	ActSilent
)

var actionNames = [...]string{ActAnswer: "answer", ActIntent: "intent", ActHandoff: "handoff", ActSilent: "silent"}

// String returns the action's name as the file writes it: answer, intent, handoff or silent.
func (k ActionKind) String() string {
	if int(k) < len(actionNames) && actionNames[k] != "" {
		return actionNames[k]
	}
	return "unknown"
}

// Handoff priorities, on kb.yaml's intent priority scale (1 is the most urgent).
const (
	HandoffUrgent = 1 // handoff: urgent
	HandoffHigh   = 2 // handoff: high
	HandoffNormal = 3 // handoff: normal
)

var handoffLevels = map[string]int{"urgent": HandoffUrgent, "high": HandoffHigh, "normal": HandoffNormal}

// handoffNever is the action's handoff that answers and never hands off (Action.NoHandoff).
const handoffNever = "never"

// Action is what a rule does when it matches.
type Action struct {
	Kind    ActionKind
	Answer  *tmpl.Template // ActAnswer; ActHandoff when the customer is told something; else nil
	Intent  string         // ActIntent
	Handoff int            // ActHandoff: HandoffUrgent, HandoffHigh or HandoffNormal
	// NoHandoff (ActAnswer, written {answer: …, handoff: never}) keeps the message from a
	// person even when it reads urgent or strongly negative, which otherwise hands a rule's
	// answer off: a channel nobody watches at night, whose queue would only promise a reply.
	NoHandoff bool
}

// Waiver exempts a rule's answer from the compliance lint's findings for one term; the reason is
// required.
type Waiver struct {
	Term, Reason string
	Line, Column int // of its term in the rules file
}

// matcher is a rule's compiled conditions on the message. Keywords are stored as they are
// compared: text keywords normalised (exact ones with their edges trimmed), terms keywords
// padded with spaces (" t1 t2 ", so that a substring test respects term boundaries); a terms
// contains keyword is the list of its terms, each padded, all of which must appear.
type matcher struct {
	any                     bool
	textExact, textContains []string
	termsExact              []string
	termsContains           [][]string
	textRegex, termsRegex   []*regexp.Regexp
}

// matches reports whether the message meets the rule's conditions. joined is the text without
// the spaces joinSpaces removes (text exact and contains keywords are compared with it; regexes
// see text); terms is the message's terms joined and padded as the keywords are (" t1 t2 "; ""
// when it has none).
func (m *matcher) matches(text, joined, terms string) bool {
	if m.any {
		return true
	}
	if len(m.textExact) > 0 {
		edge := trimEdges(joined)
		for _, k := range m.textExact {
			if edge == k {
				return true
			}
		}
	}
	for _, k := range m.textContains {
		if strings.Contains(joined, k) {
			return true
		}
	}
	if terms != "" {
		for _, k := range m.termsExact {
			if terms == k {
				return true
			}
		}
		for _, all := range m.termsContains {
			if containsAll(terms, all) {
				return true
			}
		}
	}
	for _, re := range m.textRegex {
		if re.MatchString(text) {
			return true
		}
	}
	if terms != "" {
		bare := terms[1 : len(terms)-1]
		for _, re := range m.termsRegex {
			if re.MatchString(bare) {
				return true
			}
		}
	}
	return false
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// trimEdges trims spaces, punctuation and symbols (emoji, ～) from both ends: an exact keyword
// 人工 matches 人工！！ and 人工🙏.
func trimEdges(s string) string {
	for s != "" {
		r, n := utf8.DecodeRuneInString(s)
		if !edgeRune(r) {
			break
		}
		s = s[n:]
	}
	for s != "" {
		r, n := utf8.DecodeLastRuneInString(s)
		if !edgeRune(r) {
			break
		}
		s = s[:len(s)-n]
	}
	return s
}

func edgeRune(r rune) bool {
	if r < utf8.RuneSelf {
		c := byte(r)
		return !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '<' || c == '>')
	}
	return unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r)
}

// scope is where a rule applies; each nil set means any value.
type scope struct {
	channels, openKfIDs, agents, depts, tags, senders, excluded *stringSet
}

// in reports whether the message is in the scope.
func (s *scope) in(in *Input) bool {
	switch {
	case s.channels != nil && !s.channels.has(in.Channel),
		s.openKfIDs != nil && !s.openKfIDs.has(in.OpenKfID),
		s.agents != nil && !s.agents.has(in.AgentID),
		s.depts != nil && !s.depts.hasAny(in.DeptIDs),
		s.tags != nil && !s.tags.hasAny(in.Tags),
		s.senders != nil && !s.senders.has(in.SenderID),
		s.excluded != nil && in.SenderID != "" && s.excluded.has(in.SenderID):
		return false
	}
	return true
}

// stringSet is a small set of strings: a slice while short, a map beyond.
type stringSet struct {
	list []string
	m    map[string]struct{}
}

// newStringSet returns nil for an empty list (any value).
func newStringSet(list []string) *stringSet {
	if len(list) == 0 {
		return nil
	}
	if len(list) <= 8 {
		return &stringSet{list: list}
	}
	m := make(map[string]struct{}, len(list))
	for _, v := range list {
		m[v] = struct{}{}
	}
	return &stringSet{m: m}
}

func (s *stringSet) has(v string) bool {
	if v == "" {
		return false
	}
	if s.m != nil {
		_, ok := s.m[v]
		return ok
	}
	for _, x := range s.list {
		if x == v {
			return true
		}
	}
	return false
}

func (s *stringSet) hasAny(vs []string) bool {
	for _, v := range vs {
		if s.has(v) {
			return true
		}
	}
	return false
}

// applies reports whether the rule applies to a message (its scope and hours; the conditions on
// the text are checked by the caller).
func (r *Rule) applies(in *Input, c *clock) bool {
	if !r.scope.in(in) {
		return false
	}
	return r.hours == nil || r.hours.applies(c.time())
}

// clock is a message's time, read once and only when a rule with hours needs it.
type clock struct {
	sentAt int64 // unix ms; 0: now
	now    func() time.Time
	t      time.Time
	done   bool
}

func (c *clock) time() time.Time {
	if !c.done {
		if c.sentAt > 0 {
			c.t = time.UnixMilli(c.sentAt)
		} else {
			c.t = c.now()
		}
		c.done = true
	}
	return c.t
}
