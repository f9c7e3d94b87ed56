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
