package experiment

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/index"
)

// rated returns Counts of n ratings with the given mean and standard deviation.
func rated(n int64, mean, sd float64) Counts {
	m := fromStats(n, mean, sd)
	return Counts{Served: 3 * n, Rated: n, RatingSum: m.sum, RatingSumSq: m.sumSq}
}

// grayOf returns whether a sender given variant id gets Gray, after checking Assign agrees with
// the variant's state.
func grayOf(t *testing.T, s *Set, intent, id string) (bool, string) {
	t.Helper()
	e := s.byIntent[intent]
	for i := range 1000 {
		if a := s.Assign(intent, sender(i)); a.Answer.ID == id {
			for _, v := range e.Variants {
				if v.ID == id && v.Gray != a.Gray {
					t.Fatalf("Assign says Gray %v, the variant %v", a.Gray, v.Gray)
				}
				if v.ID == id {
					return a.Gray, v.GrayNote
				}
			}
		}
	}
	t.Fatalf("nobody got %s", id)
	return false, ""
}

func TestGrayRelease(t *testing.T) {
	// The release needs the always-valid interval (grayInterval) within the margin: with sd 1
	// a side, its half-width is 0.43 at 100 ratings each, 0.30 at 200, 0.25 at 300.
	good := Results{"return_goods.a": rated(300, 4.0, 1), "return_goods.b": rated(300, 4.1, 1)}
	worse := Results{"return_goods.a": rated(300, 4.0, 1), "return_goods.b": rated(300, 3.5, 1)}
	few := Results{"return_goods.a": rated(100, 4.0, 1), "return_goods.b": rated(12, 4.5, 1)}
	wide := Results{"return_goods.a": rated(200, 4.0, 1), "return_goods.b": rated(200, 3.95, 1)} // lower bound −0.35
	// A single look's 95 % interval would release wide100 (lower bound −0.18): 100 ratings
	// each are not enough when the test is repeated at every refresh.
	wide100 := Results{"return_goods.a": rated(100, 4.0, 1), "return_goods.b": rated(100, 4.1, 1)}
	tests := []struct {
		name      string
		now       time.Time
		res       Results
		overrides string
		gray      bool
		note      string
	}{
		{"within the period", created.Add(71 * time.Hour), good, "", true, "gray until 2026-12-04 00:00 CST"},
		{"period over, no ratings", created.Add(73 * time.Hour), nil, "", true, "waiting for ratings (0 of 30 for return_goods.b, 0 of 30 for the control)"},
		{"period over, too few ratings", created.Add(73 * time.Hour), few, "", true, "12 of 30 for return_goods.b"},
		{"period over, not worse", created.Add(73 * time.Hour), good, "", false, "released: rated 4.10 (300) against the control's 4.00 (300); the difference's always-valid 95 % lower bound -0.15 is within -0.30"},
		{"period over, worse", created.Add(73 * time.Hour), worse, "", true, "lower bound -0.75 is below -0.30, it may be worse"},
		{"period over, not shown within the margin", created.Add(73 * time.Hour), wide, "", true, "lower bound -0.35 is below -0.30"},
		{"one look would release, many looks do not", created.Add(73 * time.Hour), wide100, "", true, "lower bound -0.33 is below -0.30"},
		{"a wider margin from the file", created.Add(73 * time.Hour), wide, "version: 1\ngray_margin: 0.4\n", false, "is within -0.40"},
		{"fewer ratings asked by the file", created.Add(73 * time.Hour), few, "version: 1\ngray_min_rated: 10\ngray_margin: 1\n", false, "released"},
		{"released by the operator", created.Add(time.Hour), nil, "version: 1\nrelease: [return_goods.b]\n", false, "released in the experiments file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testSet(t, tt.overrides, func(c *Config) { c.Now, c.Results = tt.now, tt.res })
			gray, note := grayOf(t, s, "return_goods", "return_goods.b")
			if gray != tt.gray || !strings.Contains(note, tt.note) {
				t.Errorf("gray %v (%s), want %v (%s)", gray, note, tt.gray, tt.note)
			}
			if g, _ := grayOf(t, s, "return_goods", "return_goods.a"); g {
				t.Error("the control is gray")
			}
		})
	}
}

// TestGrayStart: gray_since wins over the bundle's time; the control and an intent's only
// answer leave gray with their period; without any start an answer stays gray.
func TestGrayStart(t *testing.T) {
	// new_intent.a: gray 24h since 2026-12-01 (China), whatever the bundle's time.
	early := created.AddDate(0, -1, 0)
	for _, c := range []struct {
		now  time.Time
		gray bool
	}{{created.Add(-time.Hour), true}, {created.Add(23 * time.Hour), true}, {created.Add(24 * time.Hour), false}} {
		s := testSet(t, "", func(cfg *Config) { cfg.Created, cfg.Now = early, c.now })
		if a := s.Assign("new_intent", sender(1)); a.Gray != c.gray {
			t.Errorf("new_intent at %v: gray %v, want %v (%s)", c.now, a.Gray, c.gray, s.byIntent["new_intent"].Variants[0].GrayNote)
		}
	}
	// return_goods.b has no gray_since: without a bundle time its period cannot end.
	s := testSet(t, "", func(cfg *Config) { cfg.Created, cfg.Now = time.Time{}, created.AddDate(1, 0, 0) })
	if gray, note := grayOf(t, s, "return_goods", "return_goods.b"); !gray || !strings.Contains(note, "start is unknown") {
		t.Errorf("no start: gray %v (%s)", gray, note)
	}
}

// moms accumulates ratings one at a time.
type moms struct{ m moments }

func (a *moms) add(x float64) { a.m.n++; a.m.sum += x; a.m.sumSq += x * x }

func meanOf(p [5]float64) float64 {
	m := 0.0
	for i, q := range p {
		m += float64(i+1) * q
	}
	return m
}

// The gray release is judged at every refresh of the results, so its level must hold over all
// the looks, not one. Simulated: two new ratings a side between looks, from 30 to 600 a side
// (286 looks), 2,000 runs each. An answer at the margin (0.30 worse) or beyond it (0.38 worse)
// must be released at some look in at most α/2 = 2.5 % of runs; a single look's interval,
// re-read at every refresh, releases them far more often. An answer as good as the control is
// still released in most runs by 600 ratings.
func TestGrayReleaseHoldsItsLevelOverRepeatedLooks(t *testing.T) {
	ctrl := [5]float64{0.05, 0.05, 0.15, 0.35, 0.40} // mean 4.00, variance 1.20
	for _, c := range []struct {
		name    string
		arm     [5]float64
		maxRate float64 // of release at some look; 0: no bound (power)
	}{
		{"at the margin", [5]float64{0.07, 0.09, 0.21, 0.33, 0.30}, 0.025},
		{"beyond the margin", [5]float64{0.08, 0.10, 0.22, 0.32, 0.28}, 0.025},
		{"as good (A/A)", ctrl, 0},
	} {
		r := rand.New(rand.NewPCG(3, 4))
		const runs = 2000
		released, naive := 0, 0
		for range runs {
			var a, b moms
			rel, rel1 := false, false
			for k := 1; k <= 600; k++ {
				a.add(float64(drawStars(r, ctrl)))
				b.add(float64(drawStars(r, c.arm)))
				if k < DefaultGrayMinRated || k%2 != 0 {
					continue
				}
				if low, _ := grayInterval(b.m, a.m, DefaultMinEffect, DefaultAlpha); low >= -DefaultGrayMargin {
					rel = true
				}
				// The single look's rule, as before: the 95 % interval (1.96: from 30 ratings a
				// side Welch's t quantile is within 2 % of it; welch itself is slow here).
				se := math.Sqrt(b.m.variance()/float64(b.m.n) + a.m.variance()/float64(a.m.n))
				if b.m.mean()-a.m.mean()-1.959963984540054*se >= -DefaultGrayMargin {
					rel1 = true
				}
			}
			if rel {
				released++
			}
			if rel1 {
				naive++
			}
		}
		rate, rate1 := float64(released)/runs, float64(naive)/runs
		t.Logf("%s (%+.2f): released at some look in %.4f of runs (single-look interval: %.4f)",
			c.name, meanOf(c.arm)-meanOf(ctrl), rate, rate1)
		if c.maxRate == 0 {
			if rate < 0.9 {
				t.Errorf("%s: released in %.3f of runs by 600 ratings, want most", c.name, rate)
			}
			continue
		}
		tol := 4 * math.Sqrt(c.maxRate*(1-c.maxRate)/runs)
		if rate > c.maxRate+tol {
			t.Errorf("%s: released in %.4f of runs, want ≤ %.3f", c.name, rate, c.maxRate)
		}
		if rate1 <= c.maxRate+tol {
			t.Errorf("%s: the single-look rule released in only %.4f: the simulation does not show peeking", c.name, rate1)
		}
	}
}

// A release is sticky: a later look that no longer shows the answer within the margin leaves
// it released; only ratings that show it significantly worse than the control send it back,
// and back it stays until the experiments file releases it or a new gray period starts.
func TestGrayReleaseIsSticky(t *testing.T) {
	kb, err := index.ParseKB([]byte(testKB), "kb.yaml")
	if err != nil {
		t.Fatal(err)
	}
	now := created.Add(73 * time.Hour)
	l := &Live{Now: func() time.Time { return now }}
	if _, err := l.SetKB(kb, created); err != nil {
		t.Fatal(err)
	}
	check := func(name string, gray bool, note string) {
		t.Helper()
		v := l.Current().Experiment("return_goods").Variants[1]
		if v.Gray != gray || !strings.Contains(v.GrayNote, note) {
			t.Errorf("%s: gray %v (%s), want %v (%s)", name, v.Gray, v.GrayNote, gray, note)
		}
	}
	step := func(name string, res Results, gray bool, note string) {
		t.Helper()
		if err := l.SetResults(res); err != nil {
			t.Fatal(err)
		}
		check(name, gray, note)
	}
	c := rated(300, 4.0, 1)
	step("shown within the margin", Results{"return_goods.a": c, "return_goods.b": rated(300, 4.1, 1)}, false, "released: rated 4.10")
	// Interval [−0.45, +0.05]: a fresh judgement would keep it gray; not significantly worse,
	// so it stays released.
	lower := Results{"return_goods.a": c, "return_goods.b": rated(300, 3.8, 1)}
	step("no longer shown within the margin", lower, false, "released on its ratings, and stays so unless they show it significantly worse")
	step("significantly worse", Results{"return_goods.a": c, "return_goods.b": rated(300, 3.5, 1)}, true, "back to gray")
	// Going back is as sticky: better ratings later do not release it again (only the file does).
	step("stays back", Results{"return_goods.a": c, "return_goods.b": rated(300, 4.1, 1)}, true, "stays gray until the experiments file releases it")
	// A new bundle starts a new gray period: the earlier return to gray does not carry over.
	now = created.Add(48*time.Hour + 73*time.Hour)
	if _, err := l.SetKB(kb, created.Add(48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	check("a new bundle", false, "released: rated 4.10")
}

// With Outcomes a gray answer is judged on the ratings since its own gray start, against the
// control's answers suggested to agents (as a gray answer is sent); with too few of those,
// against all the control's answers, and the note says so.
func TestGrayJudgedSinceItsStartAgainstSuggestedControl(t *testing.T) {
	var tl Tally
	r := &rater{tally: &tl}
	add := r.add
	in := created.Add(time.Hour)
	add("return_goods.b", RouteSuggest, created.Add(-24*time.Hour), 300, 1) // an earlier bundle's answer of that id
	add("return_goods.b", RouteSuggest, in, 300, 3, 4, 5)                   // 4.0
	add("return_goods.a", RouteSuggest, in, 300, 3, 4, 5)                   // 4.0: like for like
	add("return_goods.a", "auto", in, 300, 5)                               // 5.0 unvetted
	s := testSet(t, "", func(c *Config) { c.Now, c.Outcomes = created.Add(73*time.Hour), &tl })
	if gray, note := grayOf(t, s, "return_goods", "return_goods.b"); gray ||
		!strings.Contains(note, "rated 4.00 (300) against the control's 4.00 (300), answers suggested to agents since 2026-12-01 00:00") {
		t.Errorf("gray %v (%s), want released on the window's suggested answers", gray, note)
	}
	if since, ok := s.GraySince(); !ok || !since.Equal(created) {
		t.Errorf("GraySince %v %v, want the bundle's creation", since, ok)
	}

	// Only 20 rated suggestions of the control: all its answers count, and the note says so.
	var few Tally
	tl = few
	r.n = 0
	add("return_goods.b", RouteSuggest, in, 300, 3, 4, 5)
	add("return_goods.a", RouteSuggest, in, 20, 3, 4, 5)
	add("return_goods.a", "auto", in, 300, 5)
	s = testSet(t, "", func(c *Config) { c.Now, c.Outcomes = created.Add(73*time.Hour), &tl })
	if gray, note := grayOf(t, s, "return_goods", "return_goods.b"); !gray ||
		!strings.Contains(note, "the control has 20 rated answers suggested to agents, fewer than 30, so its automatic ones count too") {
		t.Errorf("gray %v (%s), want gray against all the control's answers, said", gray, note)
	}
}

// Once released on its (suggested) ratings, a gray answer is sent automatically: its automatic
// answers' ratings, against the control's, are what can send it back to gray (judged on its
// suggested answers only, 1,000 one-star answers after the release left it released). And going
// back is as sticky as a release: judged again on its suggested answers, the answer was released
// at the next refresh and sent back at the one after, for ever.
func TestReleasedAnswerGoesBackToGrayAndStays(t *testing.T) {
	kb, err := index.ParseKB([]byte(testKB), "kb.yaml")
	if err != nil {
		t.Fatal(err)
	}
	now := created.Add(73 * time.Hour)
	l := &Live{Now: func() time.Time { return now }}
	if _, err := l.SetKB(kb, created); err != nil {
		t.Fatal(err)
	}
	tl := &Tally{}
	add := (&rater{tally: tl}).add
	in := created.Add(time.Hour)
	add("return_goods.b", RouteSuggest, in, 300, 3, 4, 5, 5) // gray period: suggested, 4.25
	add("return_goods.a", RouteSuggest, in, 300, 3, 4, 5)    // 4.0
	if err := l.SetOutcomes(tl); err != nil {
		t.Fatal(err)
	}
	v := l.Current().Experiment("return_goods").Variants[1]
	if v.Gray {
		t.Fatalf("want released first: %s", v.GrayNote)
	}
	// After the release: b answers automatically and is rated 1 star 1000 times; the control 5.
	after := created.Add(80 * time.Hour)
	add("return_goods.b", RouteAuto, after, 1000, 1)
	add("return_goods.a", RouteAuto, after, 1000, 5)
	for i := range 4 {
		now = created.Add(time.Duration(100+i) * time.Hour)
		if err := l.SetOutcomes(tl); err != nil {
			t.Fatal(err)
		}
		v = l.Current().Experiment("return_goods").Variants[1]
		if i == 0 && (!v.Gray || !strings.Contains(v.GrayNote, "back to gray")) {
			t.Errorf("still released after 1000 one-star automatic answers vs the control's five: %s", v.GrayNote)
		}
		if !v.Gray {
			t.Errorf("refresh %d: released again after going back to gray on 1000 one-star automatic answers", i)
		}
	}
}

// rater records n decided and rated messages of a variant in a Tally, each from its own sender,
// the stars taken in turn.
type rater struct {
	tally *Tally
	n     int
}

func (r *rater) add(variant, route string, at time.Time, n int, stars ...int) {
	for i := range n {
		r.n++
		msg := fmt.Sprint("m", r.n)
		r.tally.Record(Decided{MsgID: msg, Variant: variant, Sender: fmt.Sprint("s", r.n), Route: route, Time: at})
		r.tally.Feedback(msg, at.Add(time.Minute), stars[i%len(stars)], nil)
	}
}

// GraySince bounds what zhiyi serve reads from the decision log every 5 minutes (from the
// earliest gray start on). An intent's only answer and a control are never judged on ratings:
// once their gray period is over they need no results, so they no longer hold GraySince at
// their start — which kept the server reading the whole log since then at every refresh, a
// window that only grew. While their period runs they do, so that a refresh rebuilds the Set
// when it ends.
func TestGraySinceOnlyWhatIsJudged(t *testing.T) {
	rel := "version: 1\nrelease: [return_goods.b]\n" // return_goods.b: not judged either
	during := testSet(t, rel, func(c *Config) { c.Now = created.Add(time.Hour) })
	if since, ok := during.GraySince(); !ok || !since.Equal(created) {
		t.Errorf("within new_intent.a's period: GraySince %v %v, want its start", since, ok)
	}
	after := testSet(t, rel, func(c *Config) { c.Now = created.Add(25 * time.Hour) })
	if since, ok := after.GraySince(); ok {
		t.Errorf("new_intent.a's period over (an only answer, nothing to judge): GraySince %v, want none", since)
	}
	if gray, note := grayOf(t, after, "new_intent", "new_intent.a"); gray || !strings.Contains(note, "released: gray period over") {
		t.Errorf("new_intent.a: gray %v (%s), want released", gray, note)
	}
	// A gray answer past its period is still judged on its ratings: it still needs them.
	judged := testSet(t, "", func(c *Config) { c.Now = created.Add(73 * time.Hour) })
	if since, ok := judged.GraySince(); !ok || !since.Equal(created) {
		t.Errorf("return_goods.b judged on its ratings: GraySince %v %v, want its start", since, ok)
	}
}
