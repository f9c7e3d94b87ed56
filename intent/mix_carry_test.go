package intent

import (
	"math"
	"testing"
)

// testMix is a live Mix over labels as WithLiveMix builds one, without an engine.
func testMix(labels []string, trained []float64, cfg MixConfig) *Mix {
	cfg.defaults()
	return &Mix{cfg: cfg, labels: labels, trained: trained, ring: make([]float32, cfg.Window*len(trained))}
}

// A reload to a bundle with a larger window (--adapt-mix-window raised) carries the previous
// window's messages, and the new window's estimate is made from those alone: it was made from
// the whole new window, the rows no message had filled read as messages of probability zero —
// zhiyi_intent_mix_messages said 200 of 50, and without bounds the shares summed to 0.9.
func TestMixCarryIntoALargerWindow(t *testing.T) {
	labels, trained := []string{"a", "b"}, []float64{0.5, 0.5}
	cfg := MixConfig{MinMessages: 10, Shrink: -1, MaxRatio: -1}
	small, large := cfg, cfg
	small.Window, large.Window = 50, 200
	prev, m := testMix(labels, trained, small), testMix(labels, trained, large)
	for i := range 120 { // the small ring full, and gone round twice
		p := []float64{0.9, 0.1}
		if i%4 == 0 {
			p = []float64{0.2, 0.8}
		}
		prev.observe(p, 1)
	}
	want := prev.Update()
	if !m.Carry(prev) {
		t.Fatal("nothing carried")
	}
	got := m.Update()
	if got.Messages != 50 || !got.Applied {
		t.Errorf("Update after Carry: %d messages (applied %v), want the 50 carried", got.Messages, got.Applied)
	}
	sum := 0.0
	for _, l := range labels {
		sum += m.Share(l)
		if math.Abs(m.Share(l)-want.Shares[l]) > 1e-6 {
			t.Errorf("%s: share %.6f after Carry, %.6f in the window it came from", l, m.Share(l), want.Shares[l])
		}
	}
	if math.Abs(sum-1) > 1e-9 {
		t.Errorf("the shares sum to %.6f", sum)
	}
	// the next messages fill the rest of the larger window, after the carried ones
	for range 150 {
		m.observe([]float64{0.9, 0.1}, 1)
	}
	if got := m.Update(); got.Messages != 200 {
		t.Errorf("after 150 more messages the window holds %d, want 200", got.Messages)
	}
}

// A bundle learnt from the serving one has the same intents but another training mix. The
// carried probabilities are the old model's, computed at the old training mix: estimated from as
// if they were at the new one, the traffic's mix came out moved by the ratio of the two training
// mixes, and the new engine decided for a surge that was not there.
func TestMixCarryAcrossTrainingMixes(t *testing.T) {
	labels := []string{"a", "b"}
	cfg := MixConfig{Window: 100, MinMessages: 10, Shrink: -1, MaxRatio: -1}
	prev := testMix(labels, []float64{0.5, 0.5}, cfg)
	m := testMix(labels, []float64{0.8, 0.2}, cfg)
	for i := range 100 { // traffic at the old training mix, evidence either way
		p := []float64{0.9, 0.1}
		if i%2 == 1 {
			p = []float64{0.1, 0.9}
		}
		prev.observe(p, 1)
	}
	if est := prev.Update(); math.Abs(est.Shares["a"]-0.5) > 1e-4 {
		t.Fatalf("the old mix estimates a at %.4f, want 0.5", est.Shares["a"])
	}
	if !m.Carry(prev) || !m.Estimated() {
		t.Fatal("the estimate was not carried")
	}
	for _, l := range labels {
		if got := m.Share(l); math.Abs(got-0.5) > 1e-4 {
			t.Errorf("%s: share %.4f after Carry to a bundle trained at another mix, want the traffic's 0.5", l, got)
		}
	}
	// with the same training mix the rows are carried as they were
	same := testMix(labels, []float64{0.5, 0.5}, cfg)
	if !same.Carry(prev) || same.ring[0] != prev.ring[0] || same.ring[1] != prev.ring[1] {
		t.Errorf("rows changed between two mixes of one training mix: %v, was %v", same.ring[:2], prev.ring[:2])
	}
}

// Carry reads the serving mix while requests go on recording on it (the old engine serves until
// the swap): under -race, and the window carried is a consistent one.
func TestMixCarryWhileObserved(t *testing.T) {
	labels, trained := []string{"a", "b"}, []float64{0.5, 0.5}
	cfg := MixConfig{Window: 64, MinMessages: 10}
	prev := testMix(labels, trained, cfg)
	done := make(chan struct{})
	for range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 500 {
				prev.observe([]float64{0.7, 0.3}, 1)
			}
		}()
	}
	for range 20 {
		m := testMix(labels, trained, cfg)
		m.Carry(prev)
		if seen, est := m.Seen(), m.Update(); int64(est.Messages) != min(seen, 64) || seen > prev.Seen() {
			t.Fatalf("carried %d messages of %d seen (the serving mix has seen %d)", est.Messages, seen, prev.Seen())
		}
	}
	for range 4 {
		<-done
	}
}
