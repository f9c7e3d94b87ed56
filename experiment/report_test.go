package experiment

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/index"
	"github.com/zhiyi-ai/zhiyi/internal/period"
)

func TestReport(t *testing.T) {
	s := testSet(t, "version: 1\nstop: [size_advice.c]\n", nil)
	b := rated(40, 4.2, 0.9)
	b.Served, b.ResolvedKnown, b.Resolved, b.Repeats = 700, 700, 600, 56
	a := rated(50, 3.9, 1.1)
	a.Served, a.ResolvedKnown, a.Resolved, a.Repeats = 700, 700, 590, 84
	c := rated(30, 3.0, 1.0)
	c.Served = 90
	res := Results{"size_advice.a": a, "size_advice.b": b, "size_advice.c": c}
	r, ok := s.Report("size_advice", res)
	if !ok {
		t.Fatal("no report")
	}
	if r.Control != "size_advice.a" || r.Comparisons != 2 || len(r.Variants) != 3 || r.Alpha != 0.05 {
		t.Fatalf("report %+v", r)
	}
	va, vb, vc := r.Variants[0], r.Variants[1], r.Variants[2]
	if !va.Control || va.VsControl != nil || va.Served != 700 || va.Rated != 50 || math.Abs(va.Share-0.625) > 1e-12 {
		t.Errorf("control line %+v", va)
	}
	if !vc.Stopped || vc.Share != 0 {
		t.Errorf("stopped line %+v", vc)
	}
	// Bonferroni over two comparisons: each at 0.025.
	rt := vb.VsControl.Rating
	if rt.Alpha != 0.025 || rt.Name != TestWelch || rt.Significant || !near(rt.P, 0.1582923565032722, 1e-9) {
		t.Errorf("b's rating test %+v", rt)
	}
	if rp := vb.VsControl.Repeat; rp.Name != TestTwoProp || !near(rp.P, 0.012615667221804612, 1e-9) || !rp.Significant || rp.Diff >= 0 {
		t.Errorf("b's repeat test %+v (p 0.0126 < 0.025: fewer repeats)", rp)
	}
	if !near(vb.Rating.Low, 3.9121660360564048, 1e-12) || vb.Repeat.N != 700 || vb.Resolved.Count != 600 {
		t.Errorf("b's line %+v", vb)
	}
	// c rates a full point lower: significant, and the verdict says so.
	if !vc.VsControl.Rating.Significant || !strings.Contains(r.Verdict, "size_advice.c rates lower than the control (-0.90") {
		t.Errorf("verdict %q, c %+v", r.Verdict, vc.VsControl.Rating)
	}
	if _, err := json.Marshal(r); err != nil {
		t.Errorf("JSON: %v", err)
	}

	// Without c, b's +0.30 on 40 ratings is not enough: the verdict says how many are planned.
	delete(res, "size_advice.c")
	r, _ = s.Report("size_advice", res)
	if r.Comparisons != 1 || r.Variants[1].VsControl.Rating.Alpha != 0.05 ||
		!strings.Contains(r.Verdict, "no significant difference in ratings yet, cannot tell: size_advice.b has 40 of the 177 ratings per variant planned to find a difference of 0.30 (now +0.30)") {
		t.Errorf("verdict %q (alpha %v)", r.Verdict, r.Variants[1].VsControl.Rating.Alpha)
	}

	// No results at all: every number undefined, JSON still valid.
	reps := s.Reports(nil)
	if len(reps) != 3 || reps[0].Verdict != "no ratings to compare yet" {
		t.Fatalf("empty reports %+v", reps)
	}
	out, err := json.Marshal(reps)
	if err != nil || !strings.Contains(string(out), `"rating":{"n":0,"mean":null,"low":null,"high":null}`) {
		t.Errorf("JSON %s, %v", out, err)
	}
	if _, ok := s.Report("new_intent", nil); ok {
		t.Error("a single-answer intent has a report")
	}
}

// ratingsOf returns the Counts of the given ratings.
func ratingsOf(xs ...float64) Counts {
	c := Counts{}
	for _, x := range xs {
		c.Served++
		c.Rated++
		c.RatingSum += x
		c.RatingSumSq += x * x
	}
	return c
}

// A handful of ratings cannot show that there is no difference: with an observed difference
// of 0, or no spread within each side, the verdict is "cannot tell yet", and the planned size
// comes from the minimum effect (0.3 points), not from the observed difference.
func TestVerdictCannotTellFromAFewRatings(t *testing.T) {
	s := testSet(t, "", nil)
	for _, c := range []struct {
		name string
		a, b Counts
	}{
		{"difference 0", ratingsOf(3, 5), ratingsOf(5, 3)},
		{"no spread", ratingsOf(4, 4), ratingsOf(5, 5)},
		{"one rating", rated(100, 4, 1), ratingsOf(4)},
	} {
		r, _ := s.Report("track_parcel", Results{"track_parcel.a": c.a, "track_parcel.b": c.b})
		st, fs := r.Conclusion()
		if st != NotYet || len(fs) != 1 || fs[0].Effect != DefaultMinEffect || fs[0].Needed < 100 {
			t.Errorf("%s: standing %v %+v, verdict %q; want NotYet, planned for 0.30 points", c.name, st, fs, r.Verdict)
		}
		if !strings.Contains(r.Verdict, "cannot tell") {
			t.Errorf("%s: verdict %q", c.name, r.Verdict)
		}
	}
}

// NoDifference means "planned for the minimum effect, and nothing found": at the planned size
// equal variants give it, one rating short of it they do not.
func TestVerdictNoDifferenceAtThePlannedSize(t *testing.T) {
	s := testSet(t, "", nil)
	need := needMeans(1, 1, DefaultMinEffect, DefaultAlpha) // 175 with sd 1 a side
	for _, c := range []struct {
		n    int64
		want Standing
	}{{need - 1, NotYet}, {need, NoDifference}} {
		r, _ := s.Report("track_parcel", Results{"track_parcel.a": rated(c.n, 4, 1), "track_parcel.b": rated(c.n, 4, 1)})
		if st, _ := r.Conclusion(); st != c.want {
			t.Errorf("%d ratings a side (planned %d): %v, %q; want %v", c.n, need, st, r.Verdict, c.want)
		}
		if c.want == NoDifference && !strings.Contains(r.Verdict, "at the planned size (a difference of 0.30 would have been found with 80 % power)") {
			t.Errorf("verdict %q", r.Verdict)
		}
	}
	// The resolved share and repeat rate are planned for 5 points from their rate so far.
	r, _ := s.Report("track_parcel", Results{"track_parcel.a": {Served: 10, Repeats: 1}, "track_parcel.b": {Served: 10, Repeats: 1}})
	if rp := r.Variants[1].VsControl.Repeat; rp.Effect != DefaultMinShareEffect || rp.Needed != needProportions(0.15, 0.1, DefaultAlpha) {
		t.Errorf("repeat plan %+v, want needProportions(0.15, 0.10)", rp)
	}
}

// A significant result read before the planned size, and not confirmed by the always-valid
// interval, says that its p-value holds for one look at a size fixed in advance.
func TestVerdictSaysWhenReadBeforeThePlannedSize(t *testing.T) {
	s := testSet(t, "", nil)
	r, _ := s.Report("track_parcel", Results{"track_parcel.a": rated(40, 3.5, 1), "track_parcel.b": rated(40, 4.0, 1)})
	if st, fs := r.Conclusion(); st != Significant || !fs[0].Early() || fs[0].Confirmed ||
		!strings.Contains(r.Verdict, "read at 40 of the planned 175 ratings — early: a p-value holds for one look at a size fixed in advance") {
		t.Errorf("%v %+v: verdict %q", st, fs, r.Verdict)
	}
	r, _ = s.Report("track_parcel", Results{"track_parcel.a": rated(200, 3.5, 1), "track_parcel.b": rated(200, 4.3, 1)})
	if strings.Contains(r.Verdict, "early") {
		t.Errorf("at the planned size: verdict %q", r.Verdict)
	}
}

// TestReportFlagsAChangeOfWeights: a ramp from 10 % to 90 % for the variant while ratings rise
// for everyone (3.2 → 4.3) with no variant effect in either week. The pooled test calls the
// variant better; the report must say that the split changed and name the day to read from.
func TestReportFlagsAChangeOfWeights(t *testing.T) {
	s := testSet(t, "", nil)
	r := rand.New(rand.NewPCG(5, 6))
	bad := [5]float64{0.15, 0.15, 0.25, 0.25, 0.20}       // mean 3.2, week 1
	good := [5]float64{0.02, 0.03, 0.10, 0.35, 0.50}      // mean 4.28, week 2
	start := time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC) // 10:00 China time
	var tl Tally
	msg := 0
	for day := range 14 {
		share, stars := 0.1, bad
		if day >= 7 {
			share, stars = 0.9, good
		}
		for range 150 { // a new sender each, with one rated message
			v := "track_parcel.a"
			if r.Float64() < share {
				v = "track_parcel.b"
			}
			msg++
			id := fmt.Sprint("m", msg)
			at := start.Add(time.Duration(day)*24*time.Hour + time.Duration(msg%600)*time.Minute)
			tl.Record(Decided{MsgID: id, Variant: v, Sender: fmt.Sprint("s", msg), Route: "auto", Time: at})
			tl.Feedback(id, at.Add(time.Minute), drawStars(r, stars), nil)
		}
	}
	rep, _ := s.Report("track_parcel", tl.Results())
	t.Logf("pooled: %s", rep.Verdict)
	a := rep.Allocation
	if a == nil || !a.Since.Equal(time.Date(2026, 11, 8, 0, 0, 0, 0, period.CST)) || a.Variant == "" || math.Abs(a.After-a.Before) < 0.7 {
		t.Fatalf("allocation change %+v, want from 2026-11-08 (10 %% → 90 %%); verdict %q", a, rep.Verdict)
	}
	if !strings.Contains(rep.Verdict, "caution: the variants' shares of new senders changed on 2026-11-08") ||
		!strings.Contains(rep.Verdict, "read them with --since 2026-11-08") {
		t.Errorf("verdict %q", rep.Verdict)
	}
	// Fixed weights over the same days: no alarm.
	var steady Tally
	for i := range 2000 {
		v := "track_parcel.a"
		if r.Float64() < 0.5 {
			v = "track_parcel.b"
		}
		at := start.Add(time.Duration(i%14) * 24 * time.Hour)
		steady.Record(Decided{MsgID: fmt.Sprint("n", i), Variant: v, Sender: fmt.Sprint("t", i), Time: at})
	}
	if rep, _ := s.Report("track_parcel", steady.Results()); rep.Allocation != nil {
		t.Errorf("fixed weights: allocation change %+v", rep.Allocation)
	}
}

// drawStars draws 1–5 stars from probabilities p.
func drawStars(r *rand.Rand, p [5]float64) int {
	u := r.Float64()
	for i, q := range p {
		if u < q {
			return i + 1
		}
		u -= q
	}
	return 5
}

// A report's JSON names each variant's gray verdict for a program (gray_reason) beside the
// English note, and leaves both out for an answer without a gray period.
func TestReportGrayReason(t *testing.T) {
	kb, err := index.ParseKB([]byte(testKB), "kb.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{KB: kb, Created: created, Now: created.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := s.Report("return_goods", nil)
	out, err := json.Marshal(r.Variants)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(out); strings.Count(got, `"gray_reason"`) != 1 || !strings.Contains(got, `"gray_reason":"in_period","served"`) ||
		!strings.Contains(got, `"gray_note":"gray until 2026-`) {
		t.Errorf("JSON %s: want return_goods.b's gray_reason in_period, and none for the control", got)
	}
}
