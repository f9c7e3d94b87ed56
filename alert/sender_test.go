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

func TestAlerterGivesUpAndCounts(t *testing.T) {
	hook := newReceiver(t)
	hook.status = []int{500, 500}
	a, clock := newTestAlerter(t, Config{GroupWait: -1, Attempts: 2, Backoff: time.Second,
		Rules: []Rule{{ID: "spool", Measure: MeasureSpool}}, Targets: []Target{{Name: "hook", Type: TypeWebhook, URL: hook.URL}}})
	a.Observe(Event{Kind: KindSpool, Spool: 20000})
	flush(t, a)
	blockUntil(t, clock, 2)
	clock.Advance(time.Second)
	eventually(t, "failed_total = 1", func() bool {
		return counter(a, `zhiyi_alert_failed_total{target="hook",type="webhook"}`) == 1
	})
	hook.none(t)
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
	cfg := Config{MaxPending: 3}.withDefaults()
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
