package promhist

import (
	"strings"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"github.com/zhiyi-ai/zhiyi/internal/promtext"
)

func text(set *metrics.Set) string {
	var b strings.Builder
	set.WritePrometheus(&b)
	return b.String()
}

func TestDurations(t *testing.T) {
	set := metrics.NewSet()
	v := Durations(set, "zhiyi_x_duration_seconds", "Duration of x.", "op", []string{"load", "save", "idle"})
	for _, d := range []time.Duration{50 * time.Microsecond, 100 * time.Microsecond, 101 * time.Microsecond, 3 * time.Millisecond, 10 * time.Second, -time.Second} {
		v.At(0).ObserveDuration(d)
	}
	v.At(1).ObserveDuration(time.Millisecond)
	got := text(set)
	for _, want := range []string{
		"# HELP zhiyi_x_duration_seconds Duration of x.\n# TYPE zhiyi_x_duration_seconds histogram\n",
		`zhiyi_x_duration_seconds_bucket{op="load",le="0.0001"} 3` + "\n", // 50 µs, 100 µs (le: inclusive), -1 s as 0
		`zhiyi_x_duration_seconds_bucket{op="load",le="0.00025"} 4` + "\n",
		`zhiyi_x_duration_seconds_bucket{op="load",le="0.005"} 5` + "\n",
		`zhiyi_x_duration_seconds_bucket{op="load",le="5"} 5` + "\n",
		`zhiyi_x_duration_seconds_bucket{op="load",le="+Inf"} 6` + "\n",
		`zhiyi_x_duration_seconds_sum{op="load"} 10.003251` + "\n",
		`zhiyi_x_duration_seconds_count{op="load"} 6` + "\n",
		`zhiyi_x_duration_seconds_bucket{op="save",le="0.0005"} 0` + "\n",
		`zhiyi_x_duration_seconds_bucket{op="save",le="0.001"} 1` + "\n",
		`zhiyi_x_duration_seconds_count{op="save"} 1` + "\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	if strings.Contains(got, `op="idle"`) {
		t.Errorf("a series without observations is written:\n%s", got)
	}
	fams, err := promtext.Parse(strings.NewReader(got))
	if err != nil {
		t.Fatal(err)
	}
	if len(fams) != 1 || fams[0].Type != "histogram" || fams[0].Series != 2*(len(LatencyBuckets)+3) {
		t.Errorf("families %+v, want one histogram of two series", fams)
	}
}

func TestCounts(t *testing.T) {
	set := metrics.NewSet()
	v := Counts(set, "zhiyi_x_batch_records", "Records per batch.", "db", []string{"sqlite"}, []float64{1, 8, 512})
	for _, n := range []uint64{1, 2, 8, 512, 513} {
		v.At(0).Observe(n)
	}
	got := text(set)
	for _, want := range []string{
		`zhiyi_x_batch_records_bucket{db="sqlite",le="1"} 1`,
		`zhiyi_x_batch_records_bucket{db="sqlite",le="8"} 3`,
		`zhiyi_x_batch_records_bucket{db="sqlite",le="512"} 4`,
		`zhiyi_x_batch_records_bucket{db="sqlite",le="+Inf"} 5`,
		`zhiyi_x_batch_records_sum{db="sqlite"} 1036`,
	} {
		if !strings.Contains(got, want+"\n") {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
}

// Two owners on one set (two stores sharing the wiring's set) share the family: written twice,
// the scrape would be refused.
func TestSharedOnASet(t *testing.T) {
	set := metrics.NewSet()
	a := Durations(set, "zhiyi_x_duration_seconds", "Duration of x.", "op", []string{"load"})
	b := Durations(set, "zhiyi_x_duration_seconds", "Duration of x.", "op", []string{"load"})
	if a != b {
		t.Fatal("the second Durations made a family of its own")
	}
	a.At(0).ObserveDuration(time.Millisecond)
	if n := strings.Count(text(set), "# TYPE zhiyi_x_duration_seconds"); n != 1 {
		t.Errorf("%d # TYPE lines, want 1", n)
	}
	if other := Durations(metrics.NewSet(), "zhiyi_x_duration_seconds", "Duration of x.", "op", []string{"load"}); other == a {
		t.Error("another set got this set's family")
	}
	defer func() {
		if recover() == nil {
			t.Error("the family asked for again with other values did not panic")
		}
	}()
	Durations(set, "zhiyi_x_duration_seconds", "Duration of x.", "op", []string{"save"})
}

func TestObserveAllocatesNothing(t *testing.T) {
	h := Durations(metrics.NewSet(), "zhiyi_x_duration_seconds", "x", "op", []string{"load"}).At(0)
	start := time.Now()
	if n := testing.AllocsPerRun(100, func() { h.Since(start) }); n != 0 {
		t.Errorf("Since: %v allocs, want 0", n)
	}
}
