package session_test

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"github.com/zhiyi-ai/zhiyi/internal/promtext"
	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
	"github.com/zhiyi-ai/zhiyi/session"
)

// redisCalls returns zhiyi_session_redis_duration_seconds's count and sum for op (0 and 0
// before its first call), checking that its +Inf bucket holds every call.
func redisCalls(t *testing.T, set *metrics.Set, op string) (count, sum float64) {
	t.Helper()
	var buf bytes.Buffer
	set.WritePrometheus(&buf)
	const family = "zhiyi_session_redis_duration_seconds"
	inf := -1.0
	for line := range strings.Lines(buf.String()) {
		name, v, _ := strings.Cut(strings.TrimSpace(line), " ")
		f, _ := strconv.ParseFloat(v, 64)
		switch name {
		case family + `_count{op="` + op + `"}`:
			count = f
		case family + `_sum{op="` + op + `"}`:
			sum = f
		case family + `_bucket{op="` + op + `",le="+Inf"}`:
			inf = f
		}
	}
	if count > 0 && inf != count {
		t.Errorf("%s{op=%q}: +Inf bucket %g, count %g", family, op, inf, count)
	}
	return count, sum
}

// Each kind of Redis call the store makes is timed under its op, failed calls included; a call
// the open circuit refuses reaches no Redis and is not.
func TestRedisCallDurations(t *testing.T) {
	srv := testsvc.StartRedis(t)
	set := metrics.NewSet()
	clock := testsvc.NewClock(time.Unix(1_790_000_000, 0)) // no prober: only these calls
	s := openRedis(t, session.RedisConfig{URL: srv.URL(), Metrics: set, Now: clock.Now})
	ctx := context.Background()
	var h session.Hold
	for _, step := range []struct {
		name string
		do   func() error
		op   string
		want float64 // the op's calls after the step
	}{
		{"start", func() error { return nil }, "ping", 1},
		{"Save", func() error { return s.Save(ctx, "k", session.State{TurnCount: 1}) }, "save", 1},
		{"Load", func() error { _, err := s.Load(ctx, "k"); return err }, "load", 1},
		{"LoadHeld", func() (err error) { _, h, err = s.LoadHeld(ctx, "k", time.Second); return err }, "acquire", 1},
		{"SaveReleased", func() error { return s.SaveReleased(ctx, "k", session.State{TurnCount: 2}, h) }, "save_release", 1},
		{"LoadHeld again", func() (err error) { _, h, err = s.LoadHeld(ctx, "k", time.Second); return err }, "acquire", 2},
		{"Release", func() error { s.Release(ctx, "k", h); return nil }, "release", 1},
		{"Load, Redis stopped", func() error {
			srv.Stop()
			if _, err := s.Load(ctx, "k"); !errors.Is(err, session.ErrUnavailable) {
				return errors.New("Load with Redis stopped did not fail")
			}
			return nil
		}, "load", 2},
		{"Load, circuit open", func() error {
			if _, err := s.Load(ctx, "k"); !errors.Is(err, session.ErrUnavailable) {
				return errors.New("Load with the circuit open did not fail")
			}
			return nil
		}, "load", 2},
	} {
		if err := step.do(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if n, sum := redisCalls(t, set, step.op); n != step.want || sum <= 0 {
			t.Errorf("%s: op %s: %g calls taking %gs, want %g taking some time", step.name, step.op, n, sum, step.want)
		}
	}
	checkMetric(t, set, `zhiyi_session_errors_total{op="load"}`, 1)
	checkMetric(t, set, `zhiyi_session_unavailable_total{op="load"}`, 1)

	var buf bytes.Buffer
	set.WritePrometheus(&buf)
	fams, err := promtext.Parse(&buf) // its lines together, as the text format wants
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.Name == "zhiyi_session_redis_duration_seconds" && f.Type != "histogram" {
			t.Errorf("%s: # TYPE %q, want histogram", f.Name, f.Type)
		}
	}
}

// Two stores on one set (the wiring's) write the family once, their calls together.
func TestRedisCallDurationsShared(t *testing.T) {
	srv := testsvc.StartRedis(t)
	set := metrics.NewSet()
	for range 2 {
		s := openRedis(t, session.RedisConfig{URL: srv.URL(), Metrics: set})
		if err := s.Save(context.Background(), "k", session.State{}); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := redisCalls(t, set, "save"); n != 2 {
		t.Errorf("saves %g, want 2", n)
	}
	var buf bytes.Buffer
	set.WritePrometheus(&buf)
	if n := strings.Count(buf.String(), "# TYPE zhiyi_session_redis_duration_seconds "); n != 1 {
		t.Errorf("%d # TYPE lines for the family, want 1", n)
	}
}
