package experiment

import (
	"strings"
	"testing"
	"time"
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
	good := Results{"return_goods.a": rated(100, 4.0, 1), "return_goods.b": rated(100, 4.1, 1)}
	worse := Results{"return_goods.a": rated(100, 4.0, 1), "return_goods.b": rated(100, 3.5, 1)}
	few := Results{"return_goods.a": rated(100, 4.0, 1), "return_goods.b": rated(12, 4.5, 1)}
	wide := Results{"return_goods.a": rated(40, 4.0, 1), "return_goods.b": rated(40, 4.1, 1)} // lower bound −0.35
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
		{"period over, not worse", created.Add(73 * time.Hour), good, "", false, "released: rated 4.10 against the control's 4.00; the difference's 95 % lower bound -0.18 is within -0.30"},
		{"period over, worse", created.Add(73 * time.Hour), worse, "", true, "lower bound -0.78 is below -0.30, it may be worse"},
		{"period over, not shown within the margin", created.Add(73 * time.Hour), wide, "", true, "lower bound -0.35 is below -0.30"},
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
