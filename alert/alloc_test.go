//go:build !race

package alert

import (
	"context"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"
)

// Observe is on the request path: it must not allocate (the race detector allocates, hence
// the build tag).
func TestObserveDoesNotAllocate(t *testing.T) {
	a, err := New(Config{Logger: testLogger(t), Metrics: metrics.NewSet(),
		Targets: []Target{{Name: "x", Notifier: NotifierFunc(func(context.Context, []Alert) error { return nil })}}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close(context.Background())
	e := Event{Kind: KindDecision, Route: "auto", Intent: "x", Latency: time.Millisecond}
	if n := testing.AllocsPerRun(1000, func() { a.Observe(e) }); n != 0 {
		t.Fatalf("Observe: %v allocs, want 0", n)
	}
	ev, _ := NewEvaluator(DefaultRules())
	out := make([]Alert, 0, 8)
	i := 0
	if n := testing.AllocsPerRun(1000, func() {
		i++
		e.Time = t0.Add(time.Duration(i) * time.Millisecond)
		out = ev.Observe(out[:0], e)
	}); n != 0 {
		t.Fatalf("Evaluator.Observe of a decision: %v allocs, want 0", n)
	}
}
