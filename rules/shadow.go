package rules

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Warnings are what loads but the operator should see, each as file:line: rule …: first what
// a rule's own lines show, in line order (an id that reads as an order or tracking number,
// idReadsAsOrder; hours whose dates have all passed at Options.Now; outside: true beside dates
// and times, which applies all day on every other day), then the rules that can never fire
// (rule "id": never applies: …), in line order (see Match). They are warnings,
// not errors: an any: true rule put on top to pause the bot for a holiday leaves the rules below
// it dead on purpose, and a file refused for that would make the pause cost the rules; a
// campaign's id of digits served before. zhiyi serve logs them at every load, zhiyi lint prints
// them and the console shows them.
// A nil Set has none.
func (s *Set) Warnings() []string {
	if s == nil {
		return nil
	}
	return s.warnings
}

// shadowed words every enabled rule of file name that can never fire because an enabled rule
// ranked above it (Match's order: priority, then file order) matches every message it could:
// the rule above has any: true, or text keywords that every keyword of the rule holds
// (coveringKeywords), a scope that takes in the rule's, and no hours or the very same hours. Match would return the rule above first for every such message, so the one below is
// dead, and before this check nobody was told (an after-hours any: true placed above the rest
// silenced them all).
//
// Only certain cases are reported, never a guess: a rule above with terms keywords or regexes
// alone, or with hours that differ from the rule's in any way (even a wider window), is taken
// not to cover it, nor a rule below with terms keywords or regexes. Disabled
// rules are skipped on both sides: they never match, so they neither shadow nor need a word.
func shadowed(name string, rules []*Rule) []string {
	var dead []*Rule
	var by []*Rule   // for each of dead, the rule above it that takes its messages
	var wide []*Rule // the rules ranked so far that can cover another (any: true or text keywords), highest first
	for _, r := range ranked(rules) {
		for _, h := range wide {
			if h.covers(r) {
				dead, by = append(dead, r), append(by, h)
				break
			}
		}
		if r.match.any || len(r.match.textContains)+len(r.match.textExact) > 0 {
			wide = append(wide, r)
		}
	}
	idx := make([]int, len(dead))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(dead[a].Line, dead[b].Line) })
	var out []string
	for _, i := range idx {
		r, h := dead[i], by[i]
		out = append(out, fmt.Sprintf("%s:%d: rule %q: never applies: rule %q (line %d, priority %d) comes first and matches every message this rule could: %s, %s, %s; give this rule a priority above %d, or narrow or disable that rule",
			name, r.Line, r.ID, h.ID, h.Line, h.Priority, h.matchWord(r), h.hoursWord(), h.scopeWord(), h.Priority))
	}
	return out
}

// covers reports whether r, ranked above lo, is certain to match every message lo matches:
// r matches every text lo's keywords do (any: true, or matchCovers), applies whenever lo does
// (no hours, or lo's very hours) and in all of lo's scope.
func (r *Rule) covers(lo *Rule) bool {
	if !r.match.any && r.match.coveringKeywords(&lo.match) == nil {
		return false
	}
	if r.hours != nil && (lo.hours == nil || !r.hours.same(lo.hours)) {
		return false
	}
	return r.scope.covers(&lo.scope)
}

// coveringKeywords returns the text keywords of m that take in every message lo matches, or
// nil. Only the sure case: lo has text exact and contains keywords alone (terms and regexes are
// not compared), and each holds one of m's text contains keywords (人工 in 转人工: a message
// that holds 转人工 holds 人工) or is one of m's exact keywords. Both sides are stored in the
// form the message's joined text is compared in, so what holds a keyword holds its substrings.
func (m *matcher) coveringKeywords(lo *matcher) []string {
	if lo.any || len(lo.termsExact)+len(lo.termsContains)+len(lo.textRegex)+len(lo.termsRegex) > 0 ||
		len(lo.textExact)+len(lo.textContains) == 0 {
		return nil
	}
	var by []string
	held := func(k string, exact bool) bool {
		for _, c := range m.textContains {
			if strings.Contains(k, c) {
				if !slices.Contains(by, c) {
					by = append(by, c)
				}
				return true
			}
		}
		if exact && slices.Contains(m.textExact, k) {
			if !slices.Contains(by, k) {
				by = append(by, k)
			}
			return true
		}
		return false
	}
	for _, k := range lo.textExact {
		if !held(k, true) {
			return nil
		}
	}
	for _, k := range lo.textContains {
		if !held(k, false) {
			return nil
		}
	}
	return by
}

// matchWord says how r's conditions take in lo's messages.
func (r *Rule) matchWord(lo *Rule) string {
	if r.match.any {
		return "any: true"
	}
	return "each of this rule's keywords holds one of its text keywords, " + strings.Join(r.match.coveringKeywords(&lo.match), ", ")
}

func (r *Rule) hoursWord() string {
	if r.hours == nil {
		return "at all hours"
	}
	return "in the same hours"
}

func (r *Rule) scopeWord() string {
	if r.scope == (scope{}) {
		return "with no scope"
	}
	return "in a scope that takes in this rule's"
}

// covers reports whether every message in lo is in s. Each field is a separate condition on the
// message (senders and exclude_senders both on its sender), so s covers lo when each of s's
// conditions holds wherever lo's do.
func (s *scope) covers(lo *scope) bool {
	// Channel, account and agent are one value each, so lo's list must lie within s's. Departments
	// and tags hold when any of the message's values is listed; a message in lo has one of lo's,
	// so again lo's list within s's puts it in s. A nil list on s takes any value; a nil one on lo
	// (any value, the missing one too) fits only a nil one on s.
	for _, f := range [...][2]*stringSet{{s.channels, lo.channels}, {s.openKfIDs, lo.openKfIDs},
		{s.agents, lo.agents}, {s.depts, lo.depts}, {s.tags, lo.tags}} {
		if f[0] != nil && (f[1] == nil || !f[1].within(f[0], nil)) {
			return false
		}
	}
	// The sender: lo takes its senders less its exclusions (every sender less them when it
	// lists none, the missing one included); s must take all of those.
	if s.senders != nil && (lo.senders == nil || !lo.senders.within(s.senders, lo.excluded)) {
		return false
	}
	// Each sender s excludes must be one lo never takes: excluded by lo too, or, when lo lists
	// senders, not among them. (A missing sender is excluded by neither.)
	if s.excluded != nil {
		for _, v := range s.excluded.values() {
			if lo.excluded != nil && lo.excluded.has(v) {
				continue
			}
			if lo.senders == nil || lo.senders.has(v) {
				return false
			}
		}
	}
	return true
}

// within reports whether every value of s that skip lacks is in t. A nil skip skips nothing.
func (s *stringSet) within(t, skip *stringSet) bool {
	for _, v := range s.values() {
		if (skip == nil || !skip.has(v)) && !t.has(v) {
			return false
		}
	}
	return true
}

// values returns the set's values (read-only), in no set order.
func (s *stringSet) values() []string {
	if s == nil {
		return nil
	}
	if s.m != nil {
		return slices.Collect(maps.Keys(s.m))
	}
	return s.list
}

// same reports whether w and o are the same window, so open at exactly the same times: the same
// zone (c.location hands out one *time.Location per name), weekdays, times, dates, holidays
// and outside. Times and dates are compared as written; a window that differs only in their
// order is taken to differ, which at worst leaves a dead rule unreported.
func (w *window) same(o *window) bool {
	return w.loc == o.loc && w.weekdays == o.weekdays && w.outside == o.outside &&
		slices.Equal(w.times, o.times) && slices.Equal(w.dates, o.dates) && maps.Equal(w.holidays, o.holidays)
}
