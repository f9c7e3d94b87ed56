package experiment_test

import (
	"math"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/experiment"
	"github.com/zhiyi-ai/zhiyi/index"
	"github.com/zhiyi-ai/zhiyi/internal/absim"
)

// The simulation of the number: the sample shop's holdout replayed as traffic with two
// variants of track_parcel's answer (its busiest experiment: 47 of the 600 messages a pass),
// 30 % of answers rated, the control rated 3.90 on average and the better variant 4.20.
//
//  1. The plan: on a long run (20,000 ratings a variant) the report's sample size for the
//     rating difference must be the textbook one for the true difference (209 a variant).
//  2. Power: over 1,000 seeds, each stopped as soon as both variants have that many ratings,
//     the report calls the difference significant in about 80 % of runs (Power).
//  3. A/A: both variants the control's truth, 2,000 seeds stopped at the same size: each test
//     calls them different in about α = 5 % of runs.
//
// Seeds are fixed, so the numbers are the same on every run; the tolerances are four binomial
// standard deviations of the seed count.
const (
	simExperiment = "track_parcel"
	simA, simB    = "track_parcel.a", "track_parcel.b"
)

func simSetup(t *testing.T) (*experiment.Set, []absim.Message) {
	t.Helper()
	kb, err := index.LoadKB("../corpora/shop/kb.yaml")
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := absim.LoadHoldout("../corpora/shop/holdout/holdout_2026-11.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 600 {
		t.Fatalf("%d holdout messages, want 600", len(msgs))
	}
	set, err := experiment.New(experiment.Config{KB: kb, Created: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	return set, msgs
}

func TestSimulation(t *testing.T) {
	set, msgs := simSetup(t)
	ab := map[string]absim.Arm{simA: absim.Control, simB: absim.Better}
	aa := map[string]absim.Arm{simA: absim.Control, simB: absim.Control}
	run := func(arms map[string]absim.Arm, seed uint64, rated int64) (experiment.Report, int) {
		res, passes := absim.Run(msgs, absim.Config{Set: set, Experiment: simExperiment, Arms: arms, Seed: seed, Rated: rated}, nil)
		r, ok := set.Report(simExperiment, res)
		if !ok {
			t.Fatal("no report")
		}
		return r, passes
	}
	c, b := absim.Control, absim.Better
	t.Logf("truth: control %.2f (variance %.2f), better %.2f (variance %.2f)", c.Mean(), c.Variance(), b.Mean(), b.Variance())

	// 1. The plan.
	r, passes := run(ab, 1, 20000)
	rt := r.Variants[1].VsControl.Rating
	need := rt.Needed
	z := 1.959963984540054 + 0.8416212335729143
	truth := int64(math.Ceil(z * z * (c.Variance() + b.Variance()) / math.Pow(b.Mean()-c.Mean(), 2)))
	t.Logf("plan: %d passes over the holdout; observed %+.3f (p = %.1e); report asks for %d ratings a variant (true difference: %d)",
		passes, rt.Diff, rt.P, need, truth)
	if float64(need) < 0.9*float64(truth) || float64(need) > 1.1*float64(truth) {
		t.Errorf("the report asks for %d ratings a variant, the true difference needs %d", need, truth)
	}

	// The headline run: seed 1, stopped at the reported size.
	r, passes = run(ab, 1, need)
	rt = r.Variants[1].VsControl.Rating
	t.Logf("seed 1 at %d ratings (%d passes, %d and %d served): %+.3f, t = %.2f, p = %.4f, significant %v — %s",
		need, passes, r.Variants[0].Served, r.Variants[1].Served, rt.Diff, rt.Stat, rt.P, rt.Significant, r.Verdict)

	// 2. Power at the reported size.
	const powerSeeds = 1000
	hits, repeatHits := 0, 0
	for seed := uint64(1000); seed < 1000+powerSeeds; seed++ {
		r, _ := run(ab, seed, need)
		if r.Variants[1].VsControl.Rating.Significant {
			hits++
		}
		if r.Variants[1].VsControl.Repeat.Significant {
			repeatHits++
		}
	}
	power := float64(hits) / powerSeeds
	t.Logf("power at %d ratings a variant: %.3f over %d seeds (want %.2f); repeats (12 %% vs 8 %%) found in %.3f",
		need, power, powerSeeds, experiment.Power, float64(repeatHits)/powerSeeds)
	if tol := 4 * math.Sqrt(experiment.Power*(1-experiment.Power)/powerSeeds); math.Abs(power-experiment.Power) > tol {
		t.Errorf("power %.3f, want %.2f ± %.3f", power, experiment.Power, tol)
	}

	// 3. A/A.
	const aaSeeds = 2000
	var fp [3]int // rating, resolved, repeat
	for seed := uint64(100000); seed < 100000+aaSeeds; seed++ {
		r, _ := run(aa, seed, need)
		cmp := r.Variants[1].VsControl
		for i, tt := range []experiment.Test{cmp.Rating, cmp.Resolved, cmp.Repeat} {
			if tt.Significant {
				fp[i]++
			}
		}
	}
	tol := 4 * math.Sqrt(0.05*0.95/aaSeeds)
	for i, name := range []string{"rating (Welch)", "resolved (z)", "repeat (z)"} {
		rate := float64(fp[i]) / aaSeeds
		t.Logf("A/A false positives, %s: %.4f over %d seeds (α = 0.05)", name, rate, aaSeeds)
		if math.Abs(rate-0.05) > tol {
			t.Errorf("A/A %s: called different in %.4f of runs, want 0.05 ± %.3f", name, rate, tol)
		}
	}
}
