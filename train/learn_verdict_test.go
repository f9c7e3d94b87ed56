package train

import (
	"strings"
	"testing"
)

// TestVerdictReadsCandidateAgainstControl: the gate's line puts the candidate beside the control
// it is judged against, and the parent as it was trained (which has seen the evaluation set)
// after, so that a promotion does not read as a loss.
func TestVerdictReadsCandidateAgainstControl(t *testing.T) {
	cfg := LearnConfig{}.withDefaults()
	g := gate{labels: []string{"a", "b", "c", "d"}, evalN: 10000, candRight: 9301, controlRight: 9293, rootRight: 9293,
		worst: -1, windowN: 5, batchN: 5, root: "root"}
	res := LearnResult{ParentAccuracy: 0.9913, CandidateAccuracy: 0.9301, ControlAccuracy: 0.9293, FixedBefore: 0.04, FixedAfter: 1, HeldOut: 0.32}
	g.verdict(&res, cfg)
	want := "promoted: evaluation accuracy 0.9301 (the bundle retrained without these corrections: 0.9293; as it was trained: 0.9913), corrections right 4% → 100%"
	if !res.Promoted || !strings.HasPrefix(res.Reason, want) {
		t.Errorf("verdict %v: %q\nwant it to begin %q", res.Promoted, res.Reason, want)
	}
	g.candRight, res.CandidateAccuracy = 9000, 0.9000
	res.Promoted = false
	g.verdict(&res, cfg)
	want = "refused: evaluation accuracy would be 0.9000 (the bundle retrained without these corrections: 0.9293; as it was trained: 0.9913): 293 of 10000 messages lost, at most 100 allowed"
	if res.Promoted || res.Reason != want {
		t.Errorf("verdict %v: %q\nwant %q", res.Promoted, res.Reason, want)
	}
}
