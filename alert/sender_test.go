package alert

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"
)

func TestAlerterGroupsFiringsCloseTogether(t *testing.T) {
	hook := newReceiver(t)
	a, clock := newTestAlerter(t, Config{
		GroupWait: 5 * time.Second,
		Rules:     []Rule{{ID: "spool", Measure: MeasureSpool}, {ID: "u", Measure: MeasureUnrecognised, Threshold: 1}},
		Targets:   []Target{{Name: "hook", Type: TypeWebhook, URL: hook.URL}},
	})
	a.Observe(Event{Kind: KindSpool, Spool: 20000})
	flush(t, a)
	a.Observe(unrecognised())
	flush(t, a)
	blockUntil(t, clock, 2) // the evaluation tick and the target's group wait
	hook.none(t)
	clock.Advance(5 * time.Second)
	p := hook.next(t)
	if len(p.Alerts) != 2 || p.Alerts[0].Rule != "spool" || p.Alerts[1].Rule != "u" {
		t.Fatalf("want both firings in one message, got %+v", p)
	}
	eventually(t, "one message with two alerts", func() bool {
		return counter(a, `zhiyi_alert_messages_total{target="hook",type="webhook"}`) == 1 &&
			counter(a, `zhiyi_alert_delivered_total{target="hook",type="webhook"}`) == 2
	})
}

func TestAlerterRetriesWithBackoff(t *testing.T) {
	hook := newReceiver(t)
	hook.status = []int{http.StatusBadGateway}
	a, clock := newTestAlerter(t, Config{GroupWait: -1, Backoff: 3 * time.Second,
		Rules: []Rule{{ID: "spool", Measure: MeasureSpool}}, Targets: []Target{{Name: "hook", Type: TypeWebhook, URL: hook.URL}}})
	a.Observe(Event{Kind: KindSpool, Spool: 20000})
	flush(t, a)
	blockUntil(t, clock, 2) // the tick and the backoff after the 502
	hook.none(t)
	clock.Advance(3 * time.Second)
	if p := hook.next(t); p.Alerts[0].Rule != "spool" {
		t.Fatalf("retry delivered %+v", p)
	}
	eventually(t, "delivered after one retry", func() bool {
		return counter(a, `zhiyi_alert_delivered_total{target="hook",type="webhook"}`) == 1
	})
	if n := counter(a, `zhiyi_alert_failed_total{target="hook",type="webhook"}`); n != 0 {
		t.Fatalf("failed_total = %d", n)
	}
}

// A target down for longer than Attempts × Backoff (the defaults gave up after 14 s of 503 and
// nothing re-sent a rule still firing) keeps the alert queued: it is retried with the backoff
// doubling up to maxBackoff, and reaches the receiver once it answers again.
func TestSenderRetriesAFailingTargetUntilItAnswers(t *testing.T) {
	hook := newReceiver(t)
	waits := []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 32 * time.Second, maxBackoff}
	hook.status = make([]int, len(waits))
	for i := range hook.status {
		hook.status[i] = http.StatusServiceUnavailable
	}
	a, clock := newTestAlerter(t, Config{GroupWait: -1, // default Attempts (4) and Backoff (2s)
		Rules: []Rule{{ID: "spool", Measure: MeasureSpool}}, Targets: []Target{{Name: "hook", Type: TypeWebhook, URL: hook.URL}}})
	a.Observe(Event{Kind: KindSpool, Spool: 20000})
	flush(t, a)
	for _, d := range waits { // the sixth wait is capped: 64s would not have ended at 60s
		blockUntil(t, clock, 2) // the evaluation tick and the backoff
		hook.none(t)
		clock.Advance(d)
	}
	if p := hook.next(t); len(p.Alerts) != 1 || p.Alerts[0].Rule != "spool" || p.Alerts[0].State != StateFiring {
		t.Fatalf("after the outage the receiver got %+v, want the spool firing", p)
	}
	eventually(t, "delivered once, after 6 failed attempts, and not counted failed", func() bool {
		return counter(a, `zhiyi_alert_delivered_total{target="hook",type="webhook"}`) == 1 &&
			counter(a, `zhiyi_alert_attempts_failed_total{target="hook",type="webhook"}`) == 6 &&
			counter(a, `zhiyi_alert_failed_total{target="hook",type="webhook"}`) == 0
	})
}

// A condition that clears while its firing still waits for a failing target: the receiver gets
// both, in order, in one message, never the resolved one alone.
func TestSenderSendsAResolvedWithItsDelayedFiring(t *testing.T) {
	hook := newReceiver(t)
	hook.status = []int{http.StatusServiceUnavailable, http.StatusServiceUnavailable}
	a, clock := newTestAlerter(t, Config{GroupWait: -1, Attempts: 2, Backoff: time.Second,
		Rules: []Rule{{ID: "spool", Measure: MeasureSpool}}, Targets: []Target{{Name: "hook", Type: TypeWebhook, URL: hook.URL}}})
	a.Observe(Event{Kind: KindSpool, Spool: 20000})
	flush(t, a)
	blockUntil(t, clock, 2) // the tick and the backoff after the first 503
	clock.Advance(time.Second)
	blockUntil(t, clock, 2) // the backoff after the second: Attempts spent, the firing still queued
	a.Observe(Event{Kind: KindSpool, Spool: 0})
	flush(t, a)
	clock.Advance(2 * time.Second)
	p := hook.next(t)
	if len(p.Alerts) != 2 || p.Alerts[0].State != StateFiring || p.Alerts[1].State != StateResolved {
		t.Fatalf("want the firing and its resolution in one message, got %+v", p)
	}
}

// A firing the target refused for good is not followed by its resolution alone: the receiver
// never knew the rule fired.
func TestSenderDropsAResolvedWhoseFiringWasRefused(t *testing.T) {
	hook := newReceiver(t)
	hook.status = []int{http.StatusForbidden}
	a, _ := newTestAlerter(t, Config{GroupWait: -1,
		Rules:   []Rule{{ID: "spool", Measure: MeasureSpool}, {ID: "u", Measure: MeasureUnrecognised, Threshold: 1}},
		Targets: []Target{{Name: "hook", Type: TypeWebhook, URL: hook.URL}}})
	a.Observe(Event{Kind: KindSpool, Spool: 20000})
	flush(t, a)
	eventually(t, "the firing refused", func() bool {
		return counter(a, `zhiyi_alert_failed_total{target="hook",type="webhook"}`) == 1
	})
	a.Observe(Event{Kind: KindSpool, Spool: 0}) // resolves spool
	a.Observe(unrecognised())                   // fires u, in the same message
	flush(t, a)
	if p := hook.next(t); len(p.Alerts) != 1 || p.Alerts[0].Rule != "u" {
		t.Fatalf("want u's firing alone, got %+v", p)
	}
	eventually(t, "the resolved alert dropped", func() bool {
		return counter(a, `zhiyi_alert_dropped_total{target="hook",type="webhook"}`) == 1
	})
}

// A 4xx other than 408/429 is final: counted failed after one attempt, no backoff waited.
func TestAlerterDoesNotRetryARefusal(t *testing.T) {
	hook := newReceiver(t)
	hook.status = []int{http.StatusForbidden}
	a, _ := newTestAlerter(t, Config{GroupWait: -1, Attempts: 3, Backoff: time.Hour,
		Rules: []Rule{{ID: "spool", Measure: MeasureSpool}}, Targets: []Target{{Name: "hook", Type: TypeWebhook, URL: hook.URL}}})
	a.Observe(Event{Kind: KindSpool, Spool: 20000})
	flush(t, a)
	eventually(t, "failed_total = 1 without a retry", func() bool {
		return counter(a, `zhiyi_alert_failed_total{target="hook",type="webhook"}`) == 1
	})
	hook.none(t)
}

// fitTwo is a notifier whose messages hold two alerts.
type fitTwo struct{ NotifierFunc }

func (fitTwo) Fit([]Alert) int { return 2 }

func TestSenderQueue(t *testing.T) {
	cfg := Config{MaxPending: 3, Logger: testLogger(t)}.withDefaults()
	set := metrics.NewSet()
	s := newSender("t", "custom", fitTwo{}, &cfg, set)
	for i := range 5 {
		s.enqueue(Alert{Rule: fmt.Sprint(i)})
	}
	if n := set.GetOrCreateCounter(`zhiyi_alert_dropped_total{target="t",type="custom"}`).Get(); n != 2 {
		t.Fatalf("dropped = %d, want the 2 oldest", n)
	}
	var got []string
	for s.hasPending() {
		batch := s.take()
		if len(batch) > 2 {
			t.Fatalf("a batch of %d for a notifier that fits 2", len(batch))
		}
		got = append(got, ruleIDs(batch))
	}
	if strings.Join(got, "|") != "2,3|4" {
		t.Fatalf("batches %q, want the newest three in order, two at a time", got)
	}
}

// When a full queue drops a firing, its resolution behind it goes too.
func TestSenderQueueFullDropsAResolvedWithItsFiring(t *testing.T) {
	cfg := Config{MaxPending: 2, Logger: testLogger(t)}.withDefaults()
	set := metrics.NewSet()
	s := newSender("t", "custom", NotifierFunc(nil), &cfg, set)
	s.enqueue(Alert{Rule: "a", State: StateFiring})
	s.enqueue(Alert{Rule: "a", State: StateResolved})
	s.enqueue(Alert{Rule: "b", State: StateFiring}) // drops a's firing
	if got := s.take(); len(got) != 1 || got[0].Rule != "b" {
		t.Fatalf("took %+v, want b's firing alone", got)
	}
	if n := set.GetOrCreateCounter(`zhiyi_alert_dropped_total{target="t",type="custom"}`).Get(); n != 2 {
		t.Fatalf("dropped = %d, want a's firing and its resolution", n)
	}
}
