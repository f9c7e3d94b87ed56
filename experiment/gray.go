package experiment

import (
	"math"
	"time"
)

// judgeGray decides whether variant j of e is in its gray release at s.now.
//
// A gray answer (kb.yaml's gray: 72h) is served only as a suggestion until its period has
// passed and its ratings are shown not worse than the control's: a non-inferiority test. Both
// need at least minRated ratings, and the lower bound of the always-valid 1 − α interval of
// (its mean rating − the control's) must not be below −margin (grayInterval). "Not
// significantly worse" would release an answer nobody has rated yet; this releases only what
// the ratings vouch for.
//
// The test is repeated at every refresh of the results (every 5 minutes in zhiyi serve), so
// an ordinary interval, which holds for one look, would release an answer truly beyond the
// margin at some look far more often than α/2; the always-valid interval holds over all the
// looks. A release is sticky (Set.released, carried by Live): the answer returns to gray only
// when the ratings show it significantly worse than the control (the interval's upper bound
// below 0), not merely because a later look no longer shows it within the margin — otherwise
// an answer would flip between gray and released as the ratings wander.
//
// The control itself, and an intent's only answer, have nothing to be compared with: their
// gray ends with the period. The experiments file's release ends any gray at once.
func (s *Set) judgeGray(e *Experiment, j int, created time.Time, released bool) {
	v := &e.Variants[j]
	d := v.Answer.GrayPeriod()
	if d == 0 {
		return
	}
	start := v.Answer.GrayStart()
	if start.IsZero() {
		start = created
	}
	if !start.IsZero() {
		v.GrayUntil = start.Add(d)
	}
	switch {
	case released:
		v.setGray(GrayStatus{Reason: GrayFileReleased, Until: v.GrayUntil})
		return
	case start.IsZero():
		v.Gray = true
		v.setGray(GrayStatus{Reason: GrayStartUnknown})
		return
	}
	// grayStart holds GraySince, which zhiyi serve reads the decision log from at every refresh:
	// set it while the period runs (a refresh then rebuilds the Set when it ends) and for what
	// is judged on its ratings, not for the control or an only answer once their period is over
	// (nothing to judge, ever: the window read for them grew with the log).
	v.grayStart = start
	switch {
	case s.now.Before(v.GrayUntil):
		v.Gray = true
		v.setGray(GrayStatus{Reason: GrayInPeriod, Until: v.GrayUntil})
		return
	case j == 0 || len(e.Variants) == 1:
		v.grayStart = time.Time{}
		v.setGray(GrayStatus{Reason: GrayPeriodOver, Until: v.GrayUntil})
		return
	}
	s.judgeRatings(v, e.Control(), start)
}

// setGray sets v's gray status and its English note.
func (v *Variant) setGray(g GrayStatus) {
	v.GrayStatus, v.GrayNote = g, g.Note(v.ID)
}

// judgeRatings is the gray release's test of v's ratings against the control's since start.
func (s *Set) judgeRatings(v, c *Variant, start time.Time) {
	st, known := s.released[v.ID]
	known = known && st.start.Equal(start)
	g := GrayStatus{Until: v.GrayUntil}
	if known && st.back {
		// Judged again on its suggested answers, it would be released again at the next
		// refresh and sent back at the one after: going back is as sticky as a release.
		v.Gray, v.ratedBack = true, true
		g.Reason = GrayStaysBack
		v.setGray(g)
		return
	}
	released := known
	vr, cr := s.grayRatings(v, c, start, released, &g)
	g.Low, g.High = grayInterval(vr, cr, s.minEffect, s.alpha)
	g.Mean, g.Rated, g.ControlMean, g.ControlRated = vr.mean(), vr.n, cr.mean(), cr.n
	g.Level, g.Margin, g.MinRated = 1-s.alpha, s.margin, s.minRated
	defer func() { v.setGray(g) }()
	if released {
		if g.High < 0 { // NaN compares false: no evidence, no change
			v.Gray, v.ratedBack = true, true
			g.Reason = GraySentBack
			return
		}
		v.ratedRelease = true
		g.Reason = GrayStaysReleased
		return
	}
	v.Gray = true
	switch {
	case vr.n < int64(s.minRated) || cr.n < int64(s.minRated):
		g.Reason = GrayAwaitingRatings
	case math.IsNaN(g.Low):
		g.Reason = GrayIncomparable
	case g.Low >= -s.margin:
		v.Gray, v.ratedRelease = false, true
		g.Reason = GrayRatedReleased
	default:
		g.Reason = GrayMayBeWorse
	}
}

// grayRatings are the ratings v and the control c are judged by; g gets which they are.
//
// With Outcomes: the ratings since start only (an answer id reused by an earlier bundle, or
// ratings from before the gray period, must not count), and like for like — a gray answer's
// decisions are routed suggest (an agent checks, and may edit, the answer before it is sent)
// while the control's are mostly automatic, so the control's suggested answers are its
// comparison when it has minRated of them rated; otherwise all its answers, and the note says
// that this favours the new answer. (So may the suggested control: its answers are the unsure
// ones, which may rate lower than a gray answer's confident ones; the margin and the
// always-valid bound are the guard.) A released answer is sent automatically: its automatic
// answers against the control's are what can show it worse (its suggested ones stop at the
// release). Without Outcomes: Results, all time and every route.
func (s *Set) grayRatings(v, c *Variant, start time.Time, released bool, g *GrayStatus) (vr, cr moments) {
	if s.outcomes == nil {
		g.Basis = GrayBasisResults
		return s.results[v.ID].ratings(), s.results[c.ID].ratings()
	}
	g.Since = start
	if released {
		auto := s.window(Filter{Since: start, Route: RouteAuto})
		g.Basis = GrayBasisAutomatic
		return auto[v.ID].ratings(), auto[c.ID].ratings()
	}
	sug := s.window(Filter{Since: start, Route: RouteSuggest})
	vr, cr = sug[v.ID].ratings(), sug[c.ID].ratings()
	if cr.n >= int64(s.minRated) {
		g.Basis = GrayBasisSuggested
		return vr, cr
	}
	all := s.window(Filter{Since: start})
	g.Basis, g.ControlSuggested = GrayBasisAll, cr.n
	return all[v.ID].ratings(), all[c.ID].ratings()
}

func (s *Set) window(f Filter) Results {
	if r, ok := s.windows[f]; ok {
		return r
	}
	if s.windows == nil {
		s.windows = map[Filter]Results{}
	}
	r := s.outcomes.Select(f)
	s.windows[f] = r
	return r
}

// minGrayVariance is the smallest rating variance, per side, grayInterval assumes: that of a
// rating that is one of two neighbouring stars, half the time each. A few dozen equal ratings
// (sample variance 0) would otherwise make the interval a point.
const minGrayVariance = 0.25

// grayInterval is the always-valid 1 − alpha confidence sequence for (v's mean − c's mean):
// a bound that holds at every look at once, however often the ratings are looked at and
// whenever one stops (Robbins's normal mixture; the mixture sequential probability ratio test
// of Johari et al., "Always valid inference", 2017). For an estimate with variance V and a
// mixing scale tau its half-width is
//
//	√( V (V + τ²)/τ² · (2 ln(1/α) + ln((V + τ²)/V)) ),
//
// about 1.55 times the width of a single look's interval where it is tightest (V ≈ τ²/8), so
// a release needs about 2.4 times the ratings a single fixed look would. V uses the sample
// variances (each at least minGrayVariance), which makes the bound hold asymptotically rather
// than exactly; an A/A-style simulation over repeated looks (gray_test.go) checks its level.
// With the two-sided α, each side is crossed with probability about α/2. NaN below two
// ratings a side.
func grayInterval(v, c moments, tau, alpha float64) (low, high float64) {
	if v.n < 2 || c.n < 2 {
		return math.NaN(), math.NaN()
	}
	vv, vc := math.Max(v.variance(), minGrayVariance), math.Max(c.variance(), minGrayVariance)
	V := vv/float64(v.n) + vc/float64(c.n)
	t2 := tau * tau
	half := math.Sqrt(V * (V + t2) / t2 * (2*math.Log(1/alpha) + math.Log((V+t2)/V)))
	d := v.mean() - c.mean()
	return d - half, d + half
}

// GraySince is when the results for judging gray answers start: the earliest gray start of an
// answer with a gray period the file has not released, whose start is known, and which is
// still in its period or judged on its ratings (not a control or an only answer past its
// period). ok is false when there is none: no results need reading. (Each answer is judged on its own window from
// Outcomes; this bounds what to read.)
func (s *Set) GraySince() (since time.Time, ok bool) {
	if s == nil {
		return time.Time{}, false
	}
	for _, e := range s.byIntent {
		for _, v := range e.Variants {
			if !v.grayStart.IsZero() && (!ok || v.grayStart.Before(since)) {
				since, ok = v.grayStart, true
			}
		}
	}
	return since, ok
}

// ratedReleases are the answers this Set released from gray on their ratings, or sent back to
// gray on them, by id: what the next Set keeps so (Live).
func (s *Set) ratedReleases() map[string]grayState {
	out := map[string]grayState{}
	for _, e := range s.list {
		for _, v := range e.Variants {
			if v.ratedRelease || v.ratedBack {
				out[v.ID] = grayState{start: v.grayStart, back: v.ratedBack}
			}
		}
	}
	return out
}
