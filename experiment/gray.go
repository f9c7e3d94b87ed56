package experiment

import (
	"fmt"
	"math"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/period"
)

// judgeGray decides whether variant j of e is in its gray release at s.now.
//
// A gray answer (kb.yaml's gray: 72h) is served only as a suggestion until its period has
// passed and its ratings are shown not worse than the control's: a non-inferiority test. Both
// need at least minRated ratings, and the lower bound of the two-sided 1 − α Welch interval of
// (its mean rating − the control's) must not be below −margin. "Not significantly worse" would
// release an answer nobody has rated yet; this releases only what the ratings vouch for, and
// an answer that later proves worse goes back to gray at the next refresh of the results.
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
		v.GrayNote = "released in the experiments file"
		return
	case start.IsZero():
		v.Gray = true
		v.GrayNote = "gray: the period's start is unknown (no gray_since, no bundle time): gray until released"
		return
	case s.now.Before(v.GrayUntil):
		v.Gray = true
		v.GrayNote = "gray until " + v.GrayUntil.In(period.CST).Format("2006-01-02 15:04 MST") + ": suggested to agents only"
		return
	case j == 0 || len(e.Variants) == 1:
		v.GrayNote = "released: gray period over (nothing to compare the control with)"
		return
	}
	ok, note := s.notWorse(v, e.Control())
	v.Gray, v.GrayNote = !ok, note
}

// notWorse is the gray release's non-inferiority test of v's ratings against the control's.
func (s *Set) notWorse(v, c *Variant) (bool, string) {
	vr, cr := s.results[v.ID].ratings(), s.results[c.ID].ratings()
	if vr.n < int64(s.minRated) || cr.n < int64(s.minRated) {
		return false, fmt.Sprintf("gray: period over, waiting for ratings (%d of %d for %s, %d of %d for the control)",
			vr.n, s.minRated, v.ID, cr.n, s.minRated)
	}
	w := welch(vr, cr, s.alpha)
	level := fmt.Sprintf("%g %%", math.Round((1-s.alpha)*1000)/10)
	if math.IsNaN(w.Low) {
		return false, "gray: ratings cannot be compared"
	}
	if w.Low >= -s.margin {
		return true, fmt.Sprintf("released: rated %.2f against the control's %.2f; the difference's %s lower bound %+.2f is within -%.2f",
			vr.mean(), cr.mean(), level, w.Low, s.margin)
	}
	return false, fmt.Sprintf("gray: rated %.2f against the control's %.2f; the difference's %s lower bound %+.2f is below -%.2f, it may be worse",
		vr.mean(), cr.mean(), level, w.Low, s.margin)
}
