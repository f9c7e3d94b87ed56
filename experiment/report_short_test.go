package experiment

import (
	"strings"
	"testing"
)

// The verdict's "has N of the M ratings planned" counts the smaller arm. When the control is
// the smaller, it named the variant with the control's count: zhiyi ab printed
// "price_coupon.b has 14 of the 249 ratings" above a table in which price_coupon.b had 16.
func TestVerdictNamesTheShortArm(t *testing.T) {
	s := testSet(t, "version: 1\nstop: [size_advice.c]\n", nil)
	a, b := rated(14, 4.0, 1.0), rated(16, 4.1, 1.0)
	a.Served, b.Served = 60, 60
	r, _ := s.Report("size_advice", Results{"size_advice.a": a, "size_advice.b": b})
	if strings.Contains(r.Verdict, "size_advice.b has 14") || !strings.Contains(r.Verdict, "size_advice.b against the control, which has 14 of the") {
		t.Errorf("verdict %q: want the control's 14 named as the control's", r.Verdict)
	}
	r, _ = s.Report("size_advice", Results{"size_advice.a": b, "size_advice.b": a})
	if !strings.Contains(r.Verdict, "size_advice.b has 14 of the") {
		t.Errorf("verdict %q: want the variant's own 14", r.Verdict)
	}
}

// A variant stopped early never gets more ratings. Counted among the short ones, it held the
// verdict at "cannot tell yet" for good: size_advice.c stopped at 20 ratings, a and b at 400
// each with no difference, and the verdict still waited for c's 175.
func TestVerdictConcludesWithoutAStoppedVariant(t *testing.T) {
	res := Results{"size_advice.a": rated(400, 4, 1), "size_advice.b": rated(400, 4, 1), "size_advice.c": rated(20, 3.9, 1)}
	s := testSet(t, "version: 1\nstop: [size_advice.c]\n", nil)
	r, _ := s.Report("size_advice", res)
	st, fs := r.Conclusion()
	if st != NoDifference || len(fs) != 1 || fs[0].Variant != "size_advice.c" ||
		!strings.Contains(r.Verdict, "no significant difference in ratings at the planned size") ||
		!strings.Contains(r.Verdict, "stopped before its planned size, not judged: size_advice.c has 20 of the") {
		t.Errorf("%v %+v: verdict %q", st, fs, r.Verdict)
	}
	// Served again, it is waited for.
	r, _ = testSet(t, "", nil).Report("size_advice", res)
	if st, fs := r.Conclusion(); st != NotYet || len(fs) != 1 || fs[0].Variant != "size_advice.c" {
		t.Errorf("c served: %v %+v, verdict %q", st, fs, r.Verdict)
	}
	// Every variant but the control stopped: nothing else to conclude from.
	s = testSet(t, "version: 1\nstop: [size_advice.b, size_advice.c]\n", nil)
	res["size_advice.b"] = rated(20, 4, 1)
	r, _ = s.Report("size_advice", res)
	if st, _ := r.Conclusion(); st != NotYet {
		t.Errorf("b and c stopped short: %v, verdict %q", st, r.Verdict)
	}
}
