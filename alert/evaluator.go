package alert

import (
	"time"

	"github.com/zhiyi-ai/zhiyi/nlp"
)

// Evaluator runs rules over events, synchronously: each Observe or Tick returns the alerts
// whose rule changed state. The Alerter runs one on its own goroutine; use an Evaluator
// directly to replay events with their own times (tests, the Example, offline checks).
// It is not safe for concurrent use.
//
// A threshold rule goes ok → firing when its condition clearly holds and back to ok with a
// resolved alert when it is clearly gone (see reading: a share on its Wilson bounds; a count,
// gauge or p99 under 0.8 × its threshold). After firing it may not fire again within its
// cooldown; a condition that still holds when the cooldown ends fires at the next Observe or
// Tick. A comment_keywords rule fires for every matching comment (one alert per matching group;
// the cooldown, if set, holds back repeats of the same group) and never resolves.
type Evaluator struct {
	rules []*ruleState
	now   time.Time // the latest time seen; evaluation never goes back in time
	cur   Event     // the event being observed

	// onSuppress is called when a cooldown holds back a firing (the Alerter counts it).
	onSuppress func(r *Rule)
	// rated remembers each message's last rating and comment, so that feedback posted again
	// is not counted again (bounded: forgotten after a day, or all at once at maxRated).
	rated map[string]feedbackSeen
}

// feedbackSeen is a message's last rating and comment, and when they came.
type feedbackSeen struct {
	rating  int
	comment string
	at      time.Time
}

// maxRated bounds Evaluator.rated.
const maxRated = 1 << 16

// repeatedFeedback clears what e repeats of the feedback its message had already (a rating
// equal to the last, the same comment) and says whether anything new is left.
func (ev *Evaluator) repeatedFeedback(e *Event, now time.Time) bool {
	if e.Kind != KindFeedback || e.MsgID == "" {
		return false
	}
	if ev.rated == nil || len(ev.rated) >= maxRated {
		ev.rated = map[string]feedbackSeen{}
	}
	prev, ok := ev.rated[e.MsgID]
	next := feedbackSeen{rating: prev.rating, comment: prev.comment, at: now}
	if e.Rating > 0 {
		next.rating = e.Rating
	}
	if e.Comment != "" {
		next.comment = e.Comment
	}
	ev.rated[e.MsgID] = next
	if !ok || now.Sub(prev.at) > 24*time.Hour {
		return false
	}
	if e.Rating == prev.rating {
		e.Rating = 0
	}
	e.prevRating = prev.rating
	if e.Comment == prev.comment {
		e.Comment = ""
	}
	return e.Rating == 0 && e.Comment == ""
}

type ruleState struct {
	Rule
	m  measure         // threshold rules
	kw *keywordMatcher // comment_keywords rules

	firing    bool
	held      bool // the condition holds but the cooldown has held the firing back
	fired     bool // fired at least once (lastFired is valid)
	lastFired time.Time
	since     time.Time
}

// NewEvaluator checks rules (filling their defaults) and returns an evaluator in which every
// rule is ok. Invalid rules give a *ConfigError listing every problem.
func NewEvaluator(rules []Rule) (*Evaluator, error) {
	ev := &Evaluator{onSuppress: func(*Rule) {}}
	var ce ConfigError
	seen := map[string]bool{}
	for _, r := range rules {
		r = r.withDefaults()
		for _, p := range r.problems() {
			ce.add(r.file, r.lineOf(p.field), "rule %s: %s", r.ID, p.msg)
		}
		if seen[r.ID] {
			ce.add(r.file, r.lineOf("id"), "rule %s: id used twice", r.ID)
		}
		seen[r.ID] = true
		s := &ruleState{Rule: r}
		if r.Measure == MeasureCommentKeywords {
			s.kw = newKeywordMatcher(r.Keywords)
		} else {
			s.m = newMeasure(&s.Rule)
		}
		ev.rules = append(ev.rules, s)
	}
	if err := ce.err(); err != nil {
		return nil, err
	}
	return ev, nil
}

// Rules returns the rules in force, defaults filled. The caller must not modify them.
func (ev *Evaluator) Rules() []Rule {
	out := make([]Rule, len(ev.rules))
	for i, s := range ev.rules {
		out[i] = s.Rule
	}
	return out
}

// Observe counts e (whose Time must be set) and appends to dst the alerts of the rules it
// changed, returning the extended slice.
func (ev *Evaluator) Observe(dst []Alert, e Event) []Alert {
	now := ev.advance(e.Time)
	// The measures take a pointer; one into ev, not to e, keeps e from escaping to the heap.
	ev.cur = e
	p := &ev.cur
	if ev.repeatedFeedback(p, now) {
		ev.cur = Event{}
		return dst
	}
	for _, s := range ev.rules {
		if s.kw != nil {
			if p.Kind == KindFeedback && p.Comment != "" && p.Rating <= s.MaxRating {
				dst = ev.comment(dst, s, p, now) // unrated (0) or rated low enough to be a complaint
			}
			continue
		}
		if s.m.add(p) {
			dst = ev.check(dst, s, now)
		}
	}
	ev.cur = Event{}
	return dst
}

// Tick evaluates every threshold rule at now (windows slide, cooldowns end) and appends the
// alerts of the rules that changed state.
func (ev *Evaluator) Tick(dst []Alert, now time.Time) []Alert {
	now = ev.advance(now)
	for _, s := range ev.rules {
		if s.m != nil {
			dst = ev.check(dst, s, now)
		}
	}
	return dst
}

func (ev *Evaluator) advance(t time.Time) time.Time {
	if t.After(ev.now) {
		ev.now = t
	}
	return ev.now
}

func (ev *Evaluator) check(dst []Alert, s *ruleState, now time.Time) []Alert {
	rd := s.m.read(now)
	switch {
	case rd.on && !s.firing:
		if s.fired && now.Sub(s.lastFired) < s.Cooldown {
			if !s.held {
				s.held = true
				ev.onSuppress(&s.Rule)
			}
			return dst
		}
		s.firing, s.fired, s.held = true, true, false
		s.lastFired, s.since = now, now
		dst = append(dst, s.alert(StateFiring, now, rd))
	case rd.off && s.firing:
		s.firing = false
		dst = append(dst, s.alert(StateResolved, now, rd))
	case !rd.on && !s.firing:
		s.held = false
	}
	return dst
}

func (ev *Evaluator) comment(dst []Alert, s *ruleState, e *Event, now time.Time) []Alert {
	norm := nlp.Normalize(e.Comment)
	for i := range s.kw.groups {
		w := s.kw.match(i, norm)
		if w == "" {
			continue
		}
		if last := s.kw.last[i]; s.Cooldown > 0 && !last.IsZero() && now.Sub(last) < s.Cooldown {
			ev.onSuppress(&s.Rule)
			continue
		}
		s.kw.last[i] = now
		g := &s.kw.groups[i]
		// The comment should arrive masked; masking again costs little on this rare path and
		// keeps a missed caller from sending a phone number to a chat group.
		masked, _ := nlp.Mask(norm)
		if s.OmitComment {
			masked = ""
		}
		a := Alert{Rule: s.ID, Name: s.Name, Measure: s.Measure, Severity: s.Severity, State: StateFiring,
			Value: 1, Num: 1, Count: 1, Category: g.Category, CategoryLabel: g.Label, Keyword: w,
			Comment: truncateRunes(masked, MaxCommentRunes), Rating: e.Rating, Since: now, At: now,
			targets: s.Targets}
		a.Summary = a.summary()
		dst = append(dst, a)
	}
	return dst
}

func (s *ruleState) alert(st State, now time.Time, rd reading) Alert {
	if v, ok := s.m.(valuer); ok {
		rd.value = v.value(now, rd)
	}
	a := Alert{Rule: s.ID, Name: s.Name, Measure: s.Measure, Severity: s.Severity, State: st,
		Value: rd.value, Threshold: s.Threshold, Num: rd.num, Count: rd.count, Window: s.Window,
		Since: s.since, At: now, targets: s.Targets}
	a.Summary = a.summary()
	return a
}
