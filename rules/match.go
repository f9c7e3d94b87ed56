package rules

import (
	"cmp"
	"slices"
	"strings"
	"sync"
	"time"
	"unsafe"
)

// Input is one message as the rules see it.
type Input struct {
	// Text is the analysed text: nlp.Analysis.Text (normalised, folded to simplified script,
	// masked, repeats collapsed).
	Text string
	// Terms are the analysis's terms after synonym and dialect rewrites: nlp.Analysis.Terms.
	Terms []string
	// Request fields; empty when the gateway does not send them.
	Channel  string   // wecom, kf or mp
	OpenKfID string   // 微信客服 account (open_kfid)
	AgentID  string   // the agent (userid) the customer talks to
	DeptIDs  []string // that agent's departments
	Tags     []string // the customer's tags
	SenderID string   // the customer (external userid)
	SentAt   int64    // unix milliseconds; 0 means now (Options.Now)
}

// Set is a compiled, immutable set of rules, safe for concurrent use. Replace a whole Set to
// reload (an atomic.Pointer[Set]); a file that fails to load leaves the old Set in place.
type Set struct {
	rules    []*Rule // file order
	warnings []string
	byRank   []*Rule // priority, then file order; enabled rules only
	now      func() time.Time

	// The index: every enabled rule is reachable from at least one of these for any message it
	// can match, so Match verifies a handful of candidates instead of scanning every rule.
	// Values are ranks (indexes into byRank).
	textExact  map[string][]int32 // trimmed text → rules with that exact keyword
	termsExact map[string][]int32 // " t1 t2 " → rules with that exact terms keyword
	textAC     finder             // contains keywords and regex literals over the text
	textPat    [][]int32          // pattern id → rules
	termsAC    finder             // the same over " t1 t2 … "
	termsPat   [][]int32
	always     []int32 // any: true, and regexes without a usable literal
	hasTerms   bool    // some rule looks at terms
	// spacedLits: a text regex's required literal holds a space. textAC runs on the text with
	// the spaces joinSpaces removes gone; a literal without a space is found there as in the
	// text itself, one with a space only in the text, which then needs a second pass.
	spacedLits bool

	scratch sync.Pool // *scratch
}

type scratch struct {
	cands []int32
	terms []byte
	text  []byte // the text without the spaces joinSpaces removes
}

// finder finds which of a fixed list of patterns occur in a text. Implementations are safe for
// concurrent use.
type finder interface {
	// appendHits appends the id (index in the pattern list) of every occurrence of a pattern in
	// s, overlapping ones included, to dst.
	appendHits(dst []int32, s string) []int32
}

// newFinder builds the finder Match uses; tests swap it to compare implementations.
var newFinder = newACFinder

// newSet indexes compiled rules.
func newSet(rules []*Rule, opt Options) (*Set, error) {
	s := &Set{rules: rules, now: opt.Now, textExact: map[string][]int32{}, termsExact: map[string][]int32{}}
	if s.now == nil {
		s.now = time.Now
	}
	s.byRank = ranked(rules)
	textPats, termsPats := patternTable{ids: map[string]int{}}, patternTable{ids: map[string]int{}}
	for i, r := range s.byRank {
		rank := int32(i)
		m := &r.match
		if m.any {
			s.always = append(s.always, rank)
			continue
		}
		for _, k := range m.textExact {
			s.textExact[k] = appendRank(s.textExact[k], rank)
		}
		for _, k := range m.termsExact {
			s.termsExact[k] = appendRank(s.termsExact[k], rank)
		}
		for _, k := range m.textContains {
			textPats.add(k, rank)
		}
		for _, all := range m.termsContains {
			// One term is enough to find the rule: the longest, likely the rarest.
			longest := all[0]
			for _, t := range all[1:] {
				if len(t) > len(longest) {
					longest = t
				}
			}
			termsPats.add(longest, rank)
		}
		alwaysAdded := false
		for _, re := range m.textRegex {
			if lits := requiredLiterals(re.String()); lits != nil {
				for _, lit := range lits {
					textPats.add(lit, rank)
					s.spacedLits = s.spacedLits || strings.Contains(lit, " ")
				}
			} else if !alwaysAdded {
				s.always, alwaysAdded = append(s.always, rank), true
			}
		}
		for _, re := range m.termsRegex {
			if lits := requiredLiterals(re.String()); lits != nil {
				for _, lit := range lits {
					termsPats.add(lit, rank)
				}
			} else if !alwaysAdded {
				s.always, alwaysAdded = append(s.always, rank), true
			}
		}
		s.hasTerms = s.hasTerms || len(m.termsExact)+len(m.termsContains)+len(m.termsRegex) > 0
	}
	var err error
	if s.textAC, err = textPats.build(); err != nil {
		return nil, err
	}
	if s.termsAC, err = termsPats.build(); err != nil {
		return nil, err
	}
	s.textPat, s.termsPat = textPats.rules, termsPats.rules
	s.scratch.New = func() any {
		return &scratch{cands: make([]int32, 0, 64), terms: make([]byte, 0, 256), text: make([]byte, 0, 256)}
	}
	return s, nil
}

// ranked returns the enabled rules in the order Match tries them: priority, highest first, then
// file order. Parse's check for shadowed rules ranks with it too, so both agree on who comes first.
func ranked(rules []*Rule) []*Rule {
	var out []*Rule
	for _, r := range rules {
		if r.Enabled {
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(a, b *Rule) int { return cmp.Compare(b.Priority, a.Priority) })
	return out
}

func appendRank(list []int32, rank int32) []int32 {
	if n := len(list); n > 0 && list[n-1] == rank {
		return list
	}
	return append(list, rank)
}

// patternTable collects distinct patterns and the rules each one triggers.
type patternTable struct {
	ids   map[string]int
	pats  []string
	rules [][]int32
}

func (p *patternTable) add(pat string, rank int32) {
	id, ok := p.ids[pat]
	if !ok {
		id = len(p.pats)
		p.ids[pat] = id
		p.pats = append(p.pats, pat)
		p.rules = append(p.rules, nil)
	}
	p.rules[id] = appendRank(p.rules[id], rank)
}

func (p *patternTable) build() (finder, error) {
	if len(p.pats) == 0 {
		return nil, nil
	}
	return newFinder(p.pats)
}

// Match returns the rule that decides the message: of the enabled rules whose conditions,
// scope and hours all hold, the one with the highest priority, the first in the file among
// equals. It returns nil when no rule matches, and on a nil Set.
func (s *Set) Match(in *Input) *Rule {
	if s == nil {
		return nil
	}
	sc := s.scratch.Get().(*scratch)
	defer s.scratch.Put(sc)
	cands := append(sc.cands[:0], s.always...)
	// Text keywords are compared without the spaces input methods insert (双 11, 转 人工); like
	// terms below, joined lives in the scratch buffer and never outlives this call.
	joined := in.Text
	if strings.IndexByte(in.Text, ' ') >= 0 {
		if sc.text = joinSpaces(sc.text[:0], in.Text); len(sc.text) != len(in.Text) {
			joined = unsafe.String(unsafe.SliceData(sc.text), len(sc.text))
		}
	}
	if list, ok := s.textExact[trimEdges(joined)]; ok {
		cands = append(cands, list...)
	}
	if s.textAC != nil && in.Text != "" {
		n := len(cands)
		cands = s.textAC.appendHits(cands, joined)
		if s.spacedLits && joined != in.Text {
			cands = s.textAC.appendHits(cands, in.Text)
		}
		cands = expand(cands, n, s.textPat)
	}
	var terms string
	if s.hasTerms && len(in.Terms) > 0 {
		sc.terms = joinTerms(sc.terms[:0], in.Terms)
		// terms never outlives this call (map lookups, substring tests and regexes keep
		// nothing), so it may share the scratch buffer.
		terms = unsafe.String(unsafe.SliceData(sc.terms), len(sc.terms))
		if list, ok := s.termsExact[terms]; ok {
			cands = append(cands, list...)
		}
		if s.termsAC != nil {
			n := len(cands)
			cands = s.termsAC.appendHits(cands, terms)
			cands = expand(cands, n, s.termsPat)
		}
	}
	sc.cands = cands
	if len(cands) == 0 {
		return nil
	}
	slices.Sort(cands)
	c := clock{sentAt: in.SentAt, now: s.now}
	prev := int32(-1)
	for _, rank := range cands {
		if rank == prev {
			continue
		}
		prev = rank
		r := s.byRank[rank]
		if r.applies(in, &c) && r.match.matches(in.Text, joined, terms) {
			return r
		}
	}
	return nil
}

// expand replaces the pattern ids in cands[from:] by the ranks of the rules they trigger, each
// pattern's once: the automaton reports every occurrence, and a keyword of 400 rules said 300
// times in a 2 KB message put 120,000 ranks to sort (10.7 ms a message) for 400 rules.
func expand(cands []int32, from int, pat [][]int32) []int32 {
	slices.Sort(cands[from:])
	end := from + len(slices.Compact(cands[from:]))
	cands = cands[:end]
	for i := from; i < end; i++ {
		cands = append(cands, pat[cands[i]]...)
	}
	return append(cands[:from], cands[end:]...)
}

// joinTerms appends " t1 t2 … tn " to dst.
func joinTerms(dst []byte, terms []string) []byte {
	dst = append(dst, ' ')
	for _, t := range terms {
		dst = append(dst, t...)
		dst = append(dst, ' ')
	}
	return dst
}

// Rules returns every rule in file order, disabled ones included (read-only).
func (s *Set) Rules() []*Rule { return s.rules }

// Rule returns the rule with the given id.
func (s *Set) Rule(id string) (*Rule, bool) {
	for _, r := range s.rules {
		if r.ID == id {
			return r, true
		}
	}
	return nil, false
}

// Stats describes a Set's index.
type Stats struct {
	Rules, Enabled int
	// Always is how many enabled rules are checked on every message: any: true, and regexes
	// without a literal the index can require. Keep it small.
	Always int
}

// Stats returns the Set's counts.
func (s *Set) Stats() Stats {
	return Stats{Rules: len(s.rules), Enabled: len(s.byRank), Always: len(s.always)}
}
