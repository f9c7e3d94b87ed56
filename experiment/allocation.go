package experiment

import (
	"math"
	"slices"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/period"
)

// AllocationChange is a change, within a report's period, in how an experiment's new senders
// were split between its variants: the experiments file's weights edited, a variant stopped or
// resumed, a new bundle with other weights. Results that pool periods with different splits
// can mislead: when the ratings drift for everyone (a delivery delay, a sale) while a variant's
// share grows, the variant inherits the drift — a ramp from 10 % to 90 % while ratings rose
// from 3.2 to 4.3 for everyone reads as "+0.93, p = 3e-64" with no effect in either week
// (Simpson's paradox). The decision log does not record the weights, so the change is seen in
// the data: each sender counts once, on the day they were first served a variant (Counts.
// NewSenders), which under fixed weights is an independent draw at the weights (the
// assignment is a hash of the sender).
type AllocationChange struct {
	// Since is the first day (midnight, China time) at the new split: read the results from
	// then (zhiyi ab --since).
	Since time.Time `json:"since"`
	// Variant is the variant whose share moved most; Before and After its share of the new
	// senders before Since and from Since (to the next change, if any).
	Variant string  `json:"variant"`
	Before  float64 `json:"before"`
	After   float64 `json:"after"`
}

// Thresholds of allocationChange: a split of the days counts as a change when some variant's
// share of new senders differs before and after it by at least allocationMinMove and the
// two-proportion z-test of that difference, Bonferroni-corrected over every split and
// variant tried, has p below allocationAlpha. Strict, because a false alarm tells the operator
// to throw data away; and a move of under 5 points biases little.
const (
	allocationAlpha   = 0.001
	allocationMinMove = 0.05
)

// allocationChange finds the last change in e's split of new senders between its variants, or
// nil. It looks for the best single split of the days; when there is one, it looks again in
// the days from it (a ramp changes the weights several times), and reports the last change
// found — the day from which the results are at one split.
func allocationChange(e *Experiment, res Results) *AllocationChange {
	dayIdx := map[string]bool{}
	byDay := make([]DayCounts, len(e.Variants))
	for j, v := range e.Variants {
		if ns := res[v.ID].NewSenders; ns != nil {
			byDay[j] = *ns
		}
		for d := range byDay[j] {
			dayIdx[d] = true
		}
	}
	days := make([]string, 0, len(dayIdx))
	for d := range dayIdx {
		days = append(days, d)
	}
	slices.Sort(days)
	// counts[i][j]: new senders of variant j on day i
	counts := make([][]float64, len(days))
	for i, d := range days {
		counts[i] = make([]float64, len(e.Variants))
		for j := range e.Variants {
			counts[i][j] = float64(byDay[j][d])
		}
	}
	var last *AllocationChange
	for from := 0; ; {
		k, j, before, after := bestSplit(counts[from:])
		if k < 0 {
			break
		}
		from += k
		since, err := time.ParseInLocation(time.DateOnly, days[from], period.CST)
		if err != nil {
			break // not a day as Tally writes them: say nothing rather than something wrong
		}
		last = &AllocationChange{Since: since, Variant: e.Variants[j].ID, Before: before, After: after}
	}
	return last
}

// bestSplit returns the split k (the days from k on against those before) and variant j
// whose shares differ most significantly, with j's shares before and after, when that
// difference passes the thresholds; k = -1 otherwise.
func bestSplit(counts [][]float64) (k, j int, before, after float64) {
	k = -1
	if len(counts) < 2 {
		return k, 0, 0, 0
	}
	nv := len(counts[0])
	tests := float64((len(counts) - 1) * nv)
	bestZ := 0.0
	for split := 1; split < len(counts); split++ {
		b, a := make([]float64, nv), make([]float64, nv)
		var nb, na float64
		for i, row := range counts {
			for v, c := range row {
				if i < split {
					b[v] += c
					nb += c
				} else {
					a[v] += c
					na += c
				}
			}
		}
		if nb == 0 || na == 0 {
			continue
		}
		for v := range nv {
			pb, pa := b[v]/nb, a[v]/na
			pool := (b[v] + a[v]) / (nb + na)
			se := math.Sqrt(pool * (1 - pool) * (1/nb + 1/na))
			if se == 0 || math.Abs(pa-pb) < allocationMinMove {
				continue
			}
			z := math.Abs(pa-pb) / se
			if 2*normCDF(-z)*tests < allocationAlpha && z > bestZ {
				bestZ, k, j, before, after = z, split, v, pb, pa
			}
		}
	}
	return k, j, before, after
}
