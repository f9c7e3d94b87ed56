package alert

import (
	"hash/maphash"
	"time"
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
// Tick. A comment_keywords rule fires at once for a matching comment (one alert per matching
// group); within the group's cooldown the next ones are held back and fire as one alert, which
// counts and quotes them, when the cooldown ends (or with the next comment after it, or at
// Release). It never resolves.
type Evaluator struct {
	rules []*ruleState
	now   time.Time // the latest time seen; evaluation never goes back in time
	cur   Event     // the event being observed

	// onSuppress is called when a cooldown holds back a firing (the Alerter counts and logs it);
	// onHold when it holds back a comment (counted, not logged: a flood is one line per firing).
	onSuppress func(r *Rule)
	onHold     func(r *Rule)
	// rated remembers each message's last rating and comment, so that feedback posted again
	// is not counted again (bounded: forgotten after a day, or all at once at maxRated).
	rated map[string]feedbackSeen
	seed  maphash.Seed // of the comments' hashes in rated
}

// feedbackSeen is a message's last rating and comment, and when they came. The comment is kept
// as its hash (commentKey): only its equality with the next one matters, and kept whole, the
// comments of maxRated messages (2 KB each, from POST /feedback, which needs no token) held
// 137 MB.
type feedbackSeen struct {
	rating  int
	comment uint64
	at      time.Time
}

// commentKey is what rated keeps of a comment: 0 for none, else its 64-bit hash (odd, so never
// 0). Two comments with one hash are told apart wrongly once in 2⁶³: a comment taken for a
// repeat is not alerted on again, as a true repeat is not.
func (ev *Evaluator) commentKey(c string) uint64 {
	if c == "" {
		return 0
	}
	return maphash.String(ev.seed, c) | 1
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
		ev.seed = maphash.MakeSeed()
	}
	prev, ok := ev.rated[e.MsgID]
	next := feedbackSeen{rating: prev.rating, comment: prev.comment, at: now}
	if e.Rating > 0 {
		next.rating = e.Rating
	}
	comment := ev.commentKey(e.Comment)
	if comment != 0 {
		next.comment = comment
	}
	ev.rated[e.MsgID] = next
	if !ok || now.Sub(prev.at) > 24*time.Hour {
		return false
	}
	if e.Rating == prev.rating {
		e.Rating = 0
	}
	e.prevRating = prev.rating
	if comment == prev.comment {
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
	ev := &Evaluator{onSuppress: func(*Rule) {}, onHold: func(*Rule) {}}
	var ce ConfigError
	seen := map[string]bool{}
	for _, r := range rules {
		r = r.withDefaults()
		for _, p := range r.problems() {
			ce.add(r.file, r.lineOf(p.field), "rule %s: %s", shownID(r.ID), p.msg)
		}
		if seen[r.ID] {
			ce.add(r.file, r.lineOf("id"), "rule %s: id used twice", shownID(r.ID))
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
// alerts of the rules that changed state, and those of the keyword groups whose cooldown has
// ended with comments held back.
func (ev *Evaluator) Tick(dst []Alert, now time.Time) []Alert {
	now = ev.advance(now)
	for _, s := range ev.rules {
		if s.m != nil {
			dst = ev.check(dst, s, now)
		} else {
			dst = s.release(dst, now, false)
		}
	}
	return dst
}

// Release appends one alert per keyword group holding comments back, cooldown or not, so that
// none is left unsaid: the Alerter calls it when it closes.
func (ev *Evaluator) Release(dst []Alert, now time.Time) []Alert {
	now = ev.advance(now)
	for _, s := range ev.rules {
		if s.kw != nil {
			dst = s.release(dst, now, true)
		}
	}
	return dst
}

// Stop appends one StateStopped alert per threshold rule still firing, and ends its firing: the
// Alerter calls it when it closes, so that a firing alert is not left without an end its
// receivers can see (no resolved message would ever come from this process). A firing rule
// whose condition is gone at now (its window slid since the last Tick) gets the StateResolved
// alert a Tick would give it instead: it did end, and "still firing" would be false.
func (ev *Evaluator) Stop(dst []Alert, now time.Time) []Alert {
	now = ev.advance(now)
	for _, s := range ev.rules {
		if s.m != nil && s.firing {
			s.firing = false
			st, rd := StateStopped, s.m.read(now)
			if rd.off {
				st = StateResolved
			}
			dst = append(dst, s.alert(st, now, rd))
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
