package alert

import (
	"time"

	"github.com/zhiyi-ai/zhiyi/nlp"
)

// Grouping of comment alerts. The first matching comment of a keyword group fires at once (a
// bad rating must reach the operators at once); the group's next ones within its cooldown are
// held back — counted, the newest few kept — and fire as one alert when the cooldown ends: a
// flood of feedback, which needs no token, is one alert per group per cooldown, not one per
// comment, and none is lost from the count.

// MaxQuotedComments bounds how many held-back comments one alert quotes beside its own, and
// MaxQuotedRunes the length of each: with MaxCommentRunes and MaxSummaryBytes they keep one
// alert well inside a WeCom markdown message (WeComMaxContentBytes) however many it counts.
const (
	MaxQuotedComments = 3
	MaxQuotedRunes    = 60
)

// commentHold is one keyword group's state between its firings.
type commentHold struct {
	last   time.Time     // when the group last fired (zero: never)
	n      int64         // comments held back since
	since  time.Time     // when the first of them came
	recent []heldComment // the newest held back, oldest first, at most MaxQuotedComments+1
}

// heldComment is one matching comment, masked and cut to MaxCommentRunes ("" with omit_comment).
type heldComment struct {
	keyword, comment string
	rating           int
	at               time.Time
}

func (h *commentHold) hold(c heldComment) {
	if h.n == 0 {
		h.since = c.at
	}
	h.n++
	if len(h.recent) > MaxQuotedComments {
		n := copy(h.recent, h.recent[1:])
		h.recent = h.recent[:n]
	}
	h.recent = append(h.recent, c)
}

// comment fires or holds back e's comment for each keyword group it matches.
func (ev *Evaluator) comment(dst []Alert, s *ruleState, e *Event, now time.Time) []Alert {
	norm := nlp.Normalize(e.Comment)
	folded := nlp.Fold(norm) // matched folded; the comment sent is as typed
	for i := range s.kw.groups {
		w := s.kw.match(i, folded)
		if w == "" {
			continue
		}
		c := heldComment{keyword: w, rating: e.Rating, at: now}
		if !s.OmitComment {
			// The comment should arrive masked; masking again costs little on this rare path and
			// keeps a missed caller from sending a phone number to a chat group.
			masked, _ := nlp.Mask(norm)
			c.comment = truncateRunes(masked, MaxCommentRunes)
		}
		h := &s.kw.held[i]
		if s.Cooldown > 0 && !h.last.IsZero() && now.Sub(h.last) < s.Cooldown {
			h.hold(c)
			ev.onHold(&s.Rule)
			continue
		}
		dst = append(dst, s.commentAlert(i, c, now))
	}
	return dst
}

// release fires the comments each group holds back once its cooldown has ended (all: at once).
func (s *ruleState) release(dst []Alert, now time.Time, all bool) []Alert {
	for i := range s.kw.held {
		h := &s.kw.held[i]
		if h.n == 0 || !all && now.Sub(h.last) < s.Cooldown {
			continue
		}
		// the newest held comment leads; the others are its earlier ones
		c := h.recent[len(h.recent)-1]
		h.recent = h.recent[:len(h.recent)-1]
		h.n--
		dst = append(dst, s.commentAlert(i, c, now))
	}
	return dst
}

// commentAlert is group i's alert for comment c and the comments held back before it, which it
// counts and quotes; the group's cooldown starts again.
func (s *ruleState) commentAlert(i int, c heldComment, now time.Time) Alert {
	h := &s.kw.held[i]
	g := &s.kw.groups[i]
	n, since := h.n+1, c.at
	if h.n > 0 {
		since = h.since
	}
	var earlier []string
	for j := len(h.recent) - 1; j >= 0 && len(earlier) < MaxQuotedComments; j-- {
		if q := h.recent[j].comment; q != "" {
			earlier = append(earlier, truncateRunes(q, MaxQuotedRunes))
		}
	}
	a := Alert{Rule: s.ID, Name: s.Name, Measure: s.Measure, Severity: s.Severity, State: StateFiring,
		Value: float64(n), Num: n, Count: n, Category: g.Category, CategoryLabel: g.Label, Keyword: c.keyword,
		Comment: c.comment, Earlier: earlier, Rating: c.rating, Since: since, At: now, targets: s.Targets}
	a.Summary = a.summary()
	clear(h.recent)
	*h = commentHold{last: now, recent: h.recent[:0]}
	return a
}
