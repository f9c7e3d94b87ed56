package experiment

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
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

	// Without c, b's +0.30 on 40 ratings is not enough: the verdict says how many are needed.
	delete(res, "size_advice.c")
	r, _ = s.Report("size_advice", res)
	if r.Comparisons != 1 || r.Variants[1].VsControl.Rating.Alpha != 0.05 ||
		!strings.Contains(r.Verdict, "no significant difference in ratings yet: size_advice.b needs about 177 ratings per variant to tell +0.30 apart (has 40)") {
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
