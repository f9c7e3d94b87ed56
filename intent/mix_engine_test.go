package intent_test

import (
	"context"
	"math"
	"sync"
	"testing"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// A live mix records what the engine decides, and once Update has enough messages the engine
// decides for the traffic's mix: a surge of invoice questions raises invoice's share (bounded)
// and its confidence on every message.
func TestEngineLiveMix(t *testing.T) {
	base := engine(t)
	ctx := context.Background()
	live, mix, err := base.WithLiveMix(intent.MixConfig{Window: 200, MinMessages: 50})
	if err != nil {
		t.Fatal(err)
	}
	probe := "退货 发票 发货 人工"
	invoiceOf := func(e *intent.Engine) float64 {
		for _, c := range e.Classify(ctx, intent.Request{Text: probe, Debug: true}).Candidates {
			if c.Intent == "invoice" {
				return c.Confidence
			}
		}
		t.Fatalf("%s: invoice not among the candidates", probe)
		return 0
	}
	before := invoiceOf(base)
	if got := invoiceOf(live); got != before {
		t.Fatalf("before any estimate the live engine says %.4f, the engine %.4f", got, before)
	}
	seen := mix.Seen()
	for _, junk := range []string{"？？？", "", " "} {
		live.Classify(ctx, intent.Request{Text: junk})
	}
	if mix.Seen() != seen {
		t.Errorf("messages with no words recorded: seen %d → %d", seen, mix.Seen())
	}
	if est := mix.Update(); est.Applied {
		t.Errorf("%d messages moved the mix, want at least 50", est.Messages)
	}
	surge := []string{"怎么开发票", "能开电子发票吗", "发票抬头写错了 能改吗", "开个发票", "发票什么时候开"}
	var wg sync.WaitGroup
	for g := range 4 { // concurrently with an Update, as serving runs them
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 60 {
				text := surge[(g+i)%len(surge)]
				if i%6 == 0 {
					text = "东西不要了怎么寄回去"
				}
				live.Classify(ctx, intent.Request{Text: text})
			}
		}()
	}
	mix.Update()
	wg.Wait()
	est := mix.Update()
	trained := base.Policy().Priors["invoice"]
	if !est.Applied || est.Messages != 200 {
		t.Fatalf("after 240 messages: applied %v from %d, want applied from the window's 200", est.Applied, est.Messages)
	}
	if got := mix.Share("invoice"); !(got > trained && got <= 3*trained+1e-9) || got != est.Shares["invoice"] {
		t.Errorf("invoice's share %.3f (estimate %.3f), trained %.3f: want above it and at most 3× (the default bound)", got, est.Shares["invoice"], trained)
	}
	sum := 0.0
	for _, v := range est.Shares {
		sum += v
	}
	if math.Abs(sum-1) > 1e-9 {
		t.Errorf("shares sum to %v", sum)
	}
	if after := invoiceOf(live); !(after > before) {
		t.Errorf("%s: invoice %.4f after the surge, %.4f before: want higher", probe, after, before)
	}
	// a fixed mix replaces the live one: nothing more is recorded
	fixed, err := live.WithPriors(nil)
	if err != nil {
		t.Fatal(err)
	}
	n := mix.Seen()
	if got := invoiceOf(fixed); got != before || mix.Seen() != n {
		t.Errorf("WithPriors(nil) on the live engine: invoice %.4f (want %.4f), recorded %d more", got, before, mix.Seen()-n)
	}
	p := base.Policy()
	p.Priors = nil
	if _, _, err := base.WithPolicy(p).WithLiveMix(intent.MixConfig{}); err == nil {
		t.Error("a bundle without training priors got a live mix")
	}
}

// A reload (the same bundle loaded again, or one learnt from it) carries the traffic's mix over:
// the new engine decides for the surge at once instead of at the training mix until its window
// fills again, and its window holds the messages the old one recorded.
func TestMixCarriesOverAReload(t *testing.T) {
	base := engine(t)
	ctx := context.Background()
	cfg := intent.MixConfig{Window: 200, MinMessages: 50}
	old, oldMix, err := base.WithLiveMix(cfg)
	if err != nil {
		t.Fatal(err)
	}
	probe := intent.Request{Text: "退货 发票 发货 人工", Debug: true} // asked read-only: not traffic
	for i := range 260 {
		text := "能开电子发票吗"
		if i%5 == 0 {
			text = "东西不要了怎么寄回去"
		}
		old.Classify(ctx, intent.Request{Text: text})
	}
	if est := oldMix.Update(); !est.Applied {
		t.Fatal("the surge did not move the old engine's mix")
	}

	fresh, freshMix, err := base.WithLiveMix(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if freshMix.Carry(nil) || freshMix.Carry(freshMix) {
		t.Error("Carry of nothing, or of itself, reported carrying")
	}
	if got, want := fresh.ReadOnlyMix().Classify(ctx, probe).Confidence, base.Classify(ctx, probe).Confidence; got != want {
		t.Fatalf("before Carry the new engine decides at %.4f, the training mix at %.4f", got, want)
	}
	if !freshMix.Carry(oldMix) {
		t.Fatal("Carry between two mixes of one bundle carried nothing")
	}
	if !freshMix.Estimated() || freshMix.Seen() != oldMix.Seen() {
		t.Fatalf("after Carry: estimated %v, seen %d (the old mix saw %d)", freshMix.Estimated(), freshMix.Seen(), oldMix.Seen())
	}
	for _, l := range freshMix.Labels() {
		if math.Abs(freshMix.Share(l)-oldMix.Share(l)) > 1e-9 {
			t.Errorf("%s: share %.6f after Carry, %.6f before the reload", l, freshMix.Share(l), oldMix.Share(l))
		}
	}
	if got, want := fresh.ReadOnlyMix().Classify(ctx, probe).Confidence, old.ReadOnlyMix().Classify(ctx, probe).Confidence; math.Abs(got-want) > 1e-6 {
		t.Errorf("%s: the reloaded engine decides at %.4f, the one it replaced at %.4f", probe.Text, got, want)
	}
	// the window goes on from where it was: an Update on it alone finds the same mix
	if est := freshMix.Update(); !est.Applied || est.Messages != 200 {
		t.Errorf("Update after Carry: applied %v from %d messages, want the window's 200", est.Applied, est.Messages)
	}
	for _, l := range freshMix.Labels() {
		if math.Abs(freshMix.Share(l)-oldMix.Share(l)) > 1e-9 {
			t.Errorf("%s: share %.6f after Update, %.6f before the reload", l, freshMix.Share(l), oldMix.Share(l))
		}
	}

	// a mix that has not moved yet carries its messages, and no estimate
	quiet, quietMix, _ := base.WithLiveMix(cfg)
	for range 20 {
		quiet.Classify(ctx, intent.Request{Text: "能开电子发票吗"})
	}
	next, nextMix, _ := base.WithLiveMix(cfg)
	if !nextMix.Carry(quietMix) || nextMix.Estimated() || nextMix.Seen() != 20 {
		t.Errorf("Carry of 20 messages: estimated %v, seen %d", nextMix.Estimated(), nextMix.Seen())
	}
	if got, want := next.ReadOnlyMix().Classify(ctx, probe).Confidence, base.Classify(ctx, probe).Confidence; got != want {
		t.Errorf("with 20 messages carried the engine decides at %.4f, want the training mix's %.4f", got, want)
	}
}
