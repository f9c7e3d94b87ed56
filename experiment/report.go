package experiment

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/period"
)

// Report is one experiment's results: per variant, the served answers, the ratings' mean with
// its 95 % t interval, the resolved share and the repeat rate with Wilson intervals; and each
// variant against the control:
//
//   - mean rating: Welch's t-test (unequal variances; ratings are 1–5 scores whose spread
//     differs between answers) — the primary metric, on which Verdict rests;
//   - resolved share (of the answers with a resolved yes or no) and repeat rate (of the served
//     answers): pooled two-proportion z-tests — secondary metrics.
//
// With several variants, each comparison is held against Alpha divided by the number of
// variants compared with the control (Bonferroni), so the chance of calling any equal variant
// different on the rating stays at most Alpha. The three metrics are not corrected against
// each other: the rating decides, resolved and repeats are read beside it (an A/A simulation
// shows each at about Alpha on its own). With an expected cell below 5, a proportion is
// compared by Fisher's exact test instead of the z-test.
//
// Needed is the planned per-variant sample size: the size at which a true difference of the
// minimum effect (Config.MinEffect, MinShareEffect) would be found with probability Power.
// The p-values hold for one look at that size, fixed in advance: a verdict read earlier, or
// read again and again as the data come in, calls a difference significant far more often
// than Alpha (about 28 % of A/A experiments at some look, read every 20 ratings up to 600).
// So NoDifference needs the planned size, and the Verdict calls a significant result a winner
// without a caveat only when the always-valid interval of the difference (Test.Confirmed),
// which holds at every look, excludes 0 as well (with at least 30 ratings a side); otherwise it
// says the result was read before the planned size ("early") or is not confirmed after it.
// Allocation reports a change in how traffic was split between the variants within the
// period, which makes pooled results misleading (Simpson's paradox).
type Report struct {
	Experiment string `json:"experiment"`
	Control    string `json:"control"`
	// Alpha is the family's significance level; Comparisons the number of variants compared
	// with the control (the Bonferroni divisor); each test's Alpha is the ratio.
	Alpha       float64         `json:"alpha"`
	Comparisons int             `json:"comparisons"`
	Variants    []VariantReport `json:"variants"`
	// Allocation is the last change, within the results' period, in how the experiment's
	// new senders were split between its variants (a change of weights, a variant stopped or
	// resumed); nil when none is seen or the results do not say (see AllocationChange).
	Allocation *AllocationChange `json:"allocation_change,omitempty"`
	// Verdict says in a sentence what the ratings show.
	Verdict string `json:"verdict"`
}

// VariantReport is one variant's line of a Report.
type VariantReport struct {
	ID        string     `json:"id"`
	Control   bool       `json:"control,omitempty"`
	Weight    float64    `json:"weight"`
	Share     float64    `json:"share"` // of the experiment's senders now
	Stopped   bool       `json:"stopped,omitempty"`
	Gray      bool       `json:"gray,omitempty"`
	GrayUntil *time.Time `json:"gray_until,omitempty"`
	GrayNote  string     `json:"gray_note,omitempty"`
	// GrayReason names GrayNote's verdict for a program: in_period, awaiting_ratings,
	// rated_released, may_be_worse, sent_back … (experiment.GrayReason).
	GrayReason GrayReason `json:"gray_reason,omitempty"`
	// GrayStatus is GrayNote's verdict and numbers, for a reader to word in its language.
	GrayStatus GrayStatus `json:"-"`
	Served     int64      `json:"served"`
	Rated      int64      `json:"rated"`
	Rating     Mean       `json:"rating"`
	Resolved   Share      `json:"resolved"`
	Repeat     Share      `json:"repeat"`
	// VsControl compares the variant with the control; nil for the control.
	VsControl *Comparison `json:"vs_control,omitempty"`
}

// Comparison is a variant against the control, metric by metric.
type Comparison struct {
	Rating   Test `json:"rating"`
	Resolved Test `json:"resolved"`
	Repeat   Test `json:"repeat"`
}

// Reports returns every experiment's Report for res, in knowledge-base order.
func (s *Set) Reports(res Results) []Report {
	out := make([]Report, 0, len(s.Experiments()))
	for _, e := range s.Experiments() {
		out = append(out, s.report(e, res))
	}
	return out
}

// Report returns the Report of experiment id for res; false when there is no such experiment.
func (s *Set) Report(id string, res Results) (Report, bool) {
	e := s.Experiment(id)
	if e == nil {
		return Report{}, false
	}
	return s.report(e, res), true
}

func (s *Set) report(e *Experiment, res Results) Report {
	c := res[e.Control().ID]
	r := Report{Experiment: e.ID, Control: e.Control().ID, Alpha: s.alpha}
	for j := 1; j < len(e.Variants); j++ {
		if res[e.Variants[j].ID].Served > 0 {
			r.Comparisons++
		}
	}
	alpha := s.alpha / float64(max(1, r.Comparisons))
	for j := range e.Variants {
		v := &e.Variants[j]
		n := res[v.ID]
		vr := VariantReport{ID: v.ID, Control: j == 0, Weight: v.Weight, Share: v.Share, Stopped: v.Stopped,
			Gray: v.Gray, GrayNote: v.GrayNote, GrayStatus: v.GrayStatus, GrayReason: v.GrayStatus.Reason, Served: n.Served, Rated: n.Rated,
			Rating:   meanCI(n.ratings(), s.alpha),
			Resolved: wilson(n.Resolved, n.ResolvedKnown, s.alpha),
			Repeat:   wilson(n.Repeats, n.Served, s.alpha)}
		if !v.GrayUntil.IsZero() {
			t := v.GrayUntil
			vr.GrayUntil = &t
		}
		if j > 0 {
			cmp := &Comparison{
				Rating:   welch(n.ratings(), c.ratings(), alpha),
				Resolved: twoProp(n.Resolved, n.ResolvedKnown, c.Resolved, c.ResolvedKnown, alpha),
				Repeat:   twoProp(n.Repeats, n.Served, c.Repeats, c.Served, alpha),
			}
			cmp.Rating.Needed, cmp.Rating.Effect = planMeans(n.ratings(), c.ratings(), s.minEffect, alpha), s.minEffect
			// The interval that holds at every look: the verdict's guard against reading the
			// report again and again (a p-value holds for one look at the planned size).
			cmp.Rating.SeqLow, cmp.Rating.SeqHigh = grayInterval(n.ratings(), c.ratings(), s.minEffect, alpha)
			// Below planSmallN ratings a side the sample variance says little (four 5s against
			// four 1s have none), and the interval's variance floor would confirm them.
			cmp.Rating.Confirmed = min(n.Rated, c.Rated) >= planSmallN && (cmp.Rating.SeqLow > 0 || cmp.Rating.SeqHigh < 0) // NaN compares false
			cmp.Resolved.Needed, cmp.Resolved.Effect = planShares(n.Resolved, n.ResolvedKnown, c.Resolved, c.ResolvedKnown, s.minShareEffect, alpha), s.minShareEffect
			cmp.Repeat.Needed, cmp.Repeat.Effect = planShares(n.Repeats, n.Served, c.Repeats, c.Served, s.minShareEffect, alpha), s.minShareEffect
			vr.VsControl = cmp
		}
		r.Variants = append(r.Variants, vr)
	}
	r.Allocation = allocationChange(e, res)
	r.Verdict = verdict(&r)
	return r
}

// served reports whether the variant is served now (not stopped, not weighted 0): whether its
// ratings can still grow.
func (v *VariantReport) served() bool { return !v.Stopped && v.Share > 0 }

// Standing is what an experiment's ratings show so far.
type Standing int

// Standings.
const (
	NoRatings   Standing = iota // the control or every variant has no rating yet
	Significant                 // at least one variant rates significantly higher or lower
	// NotYet: no significant difference, and some variant has fewer ratings than planned —
	// cannot tell yet.
	NotYet
	// NoDifference: no significant difference, with every variant at its planned size: a
	// difference of the minimum effect would have been found with probability Power.
	NoDifference
)

// Finding is one variant's rating against the control, where it says something: significantly
// higher or lower (Better), or short of its planned size (Needed > Have).
type Finding struct {
	Variant string
	Better  bool    // significant and higher; significant and lower when false with Significant
	Diff    float64 // variant − control (NaN without ratings)
	P       float64
	Needed  int64   // the planned ratings per variant
	Effect  float64 // the minimum effect Needed is planned for
	Have    int64   // the ratings of the smaller of the variant and the control
	// ControlShort says that the control is the smaller: Have is its ratings, not the variant's.
	ControlShort bool
	// Confirmed says that the always-valid interval of the difference, [SeqLow, SeqHigh],
	// excludes 0 as well: the finding holds however often the results were read, before the
	// planned size or after it (Test.Confirmed). A finding that is not rests on its p-value
	// alone, which holds for the one look at the planned size: read before it, or again and
	// again after it, equal variants are called different far more often than Alpha (an A/A
	// experiment read every 20 ratings a variant up to 1,500: in 36 % of runs before the
	// planned size and 17 % after it, by the always-valid interval in 1.5 %).
	Confirmed       bool
	SeqLow, SeqHigh float64
}

// Early reports whether a significant finding was read before its planned size, where a
// p-value read once of many looks overstates the evidence.
func (f Finding) Early() bool { return f.Have < f.Needed }

// Conclusion is Report.Verdict in parts, for a page to word in its own language: what the
// ratings show and the findings behind it (the significant ones for Significant, the short ones
// for NotYet; for NoDifference, the variants stopped short of their planned size, which were
// left out of it).
//
// A variant stopped (or weighted 0) before its planned size never gets more ratings: counted
// among the short ones it held the verdict at "cannot tell yet" for good, however many ratings
// the variants still served gathered. So while the control and another variant are served it
// is left out of NoDifference, and named beside it.
func (r *Report) Conclusion() (Standing, []Finding) {
	var sig, short, stoppedShort []Finding
	running := false // a variant still served is compared
	rated := false
	for _, v := range r.Variants[1:] {
		if v.Served == 0 && v.Rated == 0 {
			continue // never served (weighted 0, stopped from the start): nothing to tell
		}
		t := v.VsControl.Rating
		if v.Rated > 0 {
			rated = true
		}
		f := Finding{Variant: v.ID, Diff: t.Diff, P: t.P, Needed: t.Needed, Effect: t.Effect, Have: t.Have,
			ControlShort: r.Variants[0].Rated < v.Rated, Confirmed: t.Confirmed, SeqLow: t.SeqLow, SeqHigh: t.SeqHigh}
		if v.served() {
			running = true
		}
		switch {
		case t.Significant:
			f.Better = t.Diff > 0
			sig = append(sig, f)
		case t.Needed > t.Have && !v.served() && r.Variants[0].served():
			stoppedShort = append(stoppedShort, f)
		case t.Needed > t.Have:
			short = append(short, f)
		}
	}
	if !running {
		// every variant stopped: nothing else to conclude from; what they lack is the verdict
		short, stoppedShort = append(short, stoppedShort...), nil
	}
	switch {
	case len(sig) > 0:
		// higher ones first, as the sentence reads
		slices.SortStableFunc(sig, func(a, b Finding) int {
			switch {
			case a.Better == b.Better:
				return 0
			case a.Better:
				return -1
			}
			return 1
		})
		return Significant, sig
	case !rated || r.Variants[0].Rated == 0:
		return NoRatings, nil
	case len(short) > 0:
		return NotYet, short
	}
	return NoDifference, stoppedShort
}

// verdict says in English what the ratings show.
func verdict(r *Report) string {
	v, fs := r.Conclusion()
	parts := make([]string, len(fs))
	early, late := false, false
	for i, f := range fs {
		switch {
		case v == Significant && f.Better:
			parts[i] = fmt.Sprintf("%s rates higher than the control (%+.2f, p = %s)", f.Variant, f.Diff, PString(f.P))
		case v == Significant:
			parts[i] = fmt.Sprintf("%s rates lower than the control (%+.2f, p = %s)", f.Variant, f.Diff, PString(f.P))
		default:
			// Have is the smaller arm's: named as the variant's, a control with fewer ratings made
			// the sentence give the variant the control's count (b has 14, its line saying 16)
			who := f.Variant + " has"
			if f.ControlShort {
				who = f.Variant + " against the control, which has"
			}
			parts[i] = fmt.Sprintf("%s %d of the %d ratings per variant planned to find a difference of %.2f", who, f.Have, f.Needed, f.Effect)
			if !math.IsNaN(f.Diff) {
				parts[i] += fmt.Sprintf(" (now %+.2f)", f.Diff)
			}
		}
		switch {
		case v != Significant:
		case f.Confirmed:
			// the always-valid interval holds at every look: no caveat, early or late
			parts[i] += fmt.Sprintf(", confirmed at any look (always-valid interval %+.2f to %+.2f)", f.SeqLow, f.SeqHigh)
		case f.Early():
			early = true
			parts[i] += fmt.Sprintf(", read at %d of the planned %d ratings", f.Have, f.Needed)
		default:
			late = true
			parts[i] += fmt.Sprintf(", read at %d ratings, past the planned %d", f.Have, f.Needed)
		}
	}
	var out string
	switch v {
	case Significant:
		out = strings.Join(parts, "; ")
		switch {
		case early:
			out += " — early: a p-value holds for one look at a size fixed in advance; read before it, or again and again, it overstates the evidence"
		case late:
			out += " — not confirmed: the p-value holds for the one look at the planned size; read again and again after it, it overstates the evidence"
		}
		if early || late {
			out += " (the always-valid interval, which holds at every look, still includes 0)"
		}
	case NoRatings:
		out = "no ratings to compare yet"
	case NotYet:
		out = "no significant difference in ratings yet, cannot tell: " + strings.Join(parts, "; ")
	default:
		out = fmt.Sprintf("no significant difference in ratings at the planned size (a difference of %.2f would have been found with %g %% power)",
			r.minEffect(), 100*Power)
		if len(fs) > 0 {
			out += "; stopped before its planned size, not judged: " + strings.Join(parts, "; ")
		}
	}
	if a := r.Allocation; a != nil {
		day := a.Since.In(period.CST).Format(time.DateOnly)
		out += fmt.Sprintf("; caution: the variants' shares of new senders changed on %s (%s %.0f %% → %.0f %%), and results pooled over different weights can mislead: read them with --since %s",
			day, a.Variant, 100*a.Before, 100*a.After, day)
	}
	return out
}

// minEffect is the minimum effect the rating tests were planned for.
func (r *Report) minEffect() float64 {
	for _, v := range r.Variants {
		if v.VsControl != nil && v.VsControl.Rating.Effect > 0 {
			return v.VsControl.Rating.Effect
		}
	}
	return DefaultMinEffect
}

// PString formats a p-value for people: 0.0123, or 3.2e-07 when small.
func PString(p float64) string {
	switch {
	case math.IsNaN(p):
		return "n/a"
	case p < 0.0001:
		return fmt.Sprintf("%.1e", p)
	}
	return fmt.Sprintf("%.4f", p)
}
