package alert

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"
)

// BenchmarkObserve is the cost on the request path: a non-blocking hand-off, from all
// goroutines at once.
func BenchmarkObserve(b *testing.B) {
	a, err := New(Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Metrics: metrics.NewSet(),
		Targets: []Target{{Name: "x", Notifier: NotifierFunc(func(context.Context, []Alert) error { return nil })}}})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close(context.Background())
	e := Event{Kind: KindDecision, Route: "auto", Intent: "return_goods", Latency: 80 * time.Microsecond}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			a.Observe(e)
		}
	})
	b.ReportMetric(float64(counter(a, `zhiyi_alert_events_dropped_total`))/float64(b.N), "dropped/op")
}

// BenchmarkEvaluate is the evaluation goroutine's cost per decision under the default rules.
func BenchmarkEvaluate(b *testing.B) {
	ev, err := NewEvaluator(DefaultRules())
	if err != nil {
		b.Fatal(err)
	}
	var out []Alert
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		e := Event{Kind: KindDecision, Time: t0.Add(time.Duration(i) * time.Millisecond), Route: "auto", Intent: "x",
			Latency: time.Duration(50+i%200) * time.Microsecond}
		out = ev.Observe(out[:0], e)
	}
}

// BenchmarkTwentiethToWebhook measures the number: from the 20th unrecognised
// Observe to the alert arriving at a local webhook server, on the system clock, with the
// default GroupWait (200ms) and with none.
func BenchmarkTwentiethToWebhook(b *testing.B) {
	for _, bc := range []struct {
		name string
		wait time.Duration
	}{{"default-group-wait", 0}, {"no-group-wait", -1}} {
		b.Run(bc.name, func(b *testing.B) {
			got := make(chan time.Time, 1)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				got <- time.Now()
			}))
			defer srv.Close()
			var total time.Duration
			for b.Loop() {
				a, err := New(Config{GroupWait: bc.wait, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
					Metrics: metrics.NewSet(), Targets: []Target{{Name: "hook", Type: TypeWebhook, URL: srv.URL}}})
				if err != nil {
					b.Fatal(err)
				}
				for range 19 {
					a.Observe(unrecognised())
				}
				start := time.Now()
				a.Observe(unrecognised())
				total += (<-got).Sub(start)
				a.Close(context.Background())
			}
			b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms-to-webhook")
		})
	}
}
