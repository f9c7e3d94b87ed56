package alert

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/VictoriaMetrics/metrics"
)

// sender owns delivery to one target: a queue of pending alerts that are merged into one
// message per Notify, retries with backoff, and the target's counters. One goroutine (run)
// delivers; enqueue never blocks the evaluation loop.
type sender struct {
	name, kind string
	n          Notifier
	clock      Clock
	log        *slog.Logger

	groupWait, timeout, backoff time.Duration
	attempts, maxPending        int

	mu      sync.Mutex
	pending []Alert
	wake    chan struct{} // capacity 1: "there is something pending"

	delivered, failed, dropped, messages, throttled *metrics.Counter
}

// maxBackoff caps the wait between two attempts.
const maxBackoff = time.Minute

func newSender(name, kind string, n Notifier, cfg *Config, set *metrics.Set) *sender {
	l := func(m string) string { return m + `{target="` + name + `",type="` + kind + `"}` }
	return &sender{
		name: name, kind: kind, n: n, clock: cfg.Clock, log: cfg.Logger,
		groupWait: cfg.GroupWait, timeout: cfg.Timeout, backoff: cfg.Backoff,
		attempts: cfg.Attempts, maxPending: cfg.MaxPending,
		wake:      make(chan struct{}, 1),
		delivered: set.GetOrCreateCounter(l("zhiyi_alert_delivered_total")),
		failed:    set.GetOrCreateCounter(l("zhiyi_alert_failed_total")),
		dropped:   set.GetOrCreateCounter(l("zhiyi_alert_dropped_total")),
		messages:  set.GetOrCreateCounter(l("zhiyi_alert_messages_total")),
		throttled: set.GetOrCreateCounter(l("zhiyi_alert_throttled_total")),
	}
}

// enqueue adds a to the pending alerts. When maxPending are already waiting (the target has
// been down for long), the oldest is dropped and counted: the newest state matters most.
func (s *sender) enqueue(a Alert) {
	s.mu.Lock()
	if len(s.pending) >= s.maxPending {
		copy(s.pending, s.pending[1:])
		s.pending = s.pending[:len(s.pending)-1]
		s.dropped.Inc()
	}
	s.pending = append(s.pending, a)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// requeue puts batch back in front of the pending alerts (within maxPending, the oldest
// dropped and counted as enqueue does).
func (s *sender) requeue(batch []Alert) {
	s.mu.Lock()
	defer s.mu.Unlock()
	all := append(append(make([]Alert, 0, len(batch)+len(s.pending)), batch...), s.pending...)
	if over := len(all) - s.maxPending; over > 0 {
		all = all[over:]
		s.dropped.Add(over)
	}
	s.pending = all
}

func (s *sender) hasPending() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pending) > 0
}

// take removes the alerts of the next message from the queue: all of them, or as many as fit
// when the notifier bounds its message size.
func (s *sender) take() []Alert {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := len(s.pending)
	if k == 0 {
		return nil
	}
	if b, ok := s.n.(Bounded); ok {
		k = min(max(b.Fit(s.pending), 1), k)
	}
	batch := make([]Alert, k)
	copy(batch, s.pending)
	n := copy(s.pending, s.pending[k:])
	clear(s.pending[n:])
	s.pending = s.pending[:n]
	return batch
}

// run delivers until ctx ends. Once closing is closed it delivers what is pending and returns.
func (s *sender) run(ctx context.Context, closing <-chan struct{}) {
	for {
		select {
		case <-s.wake:
		case <-closing:
			s.flush(ctx)
			return
		case <-ctx.Done():
			return
		}
		if s.groupWait > 0 {
			// Let the firings that come close together join one message.
			select {
			case <-s.clock.After(s.groupWait):
			case <-closing:
			case <-ctx.Done():
				return
			}
		}
		s.flush(ctx)
	}
}

// flush sends messages until nothing is pending.
func (s *sender) flush(ctx context.Context) {
	for s.hasPending() {
		if !s.ready(ctx) {
			return
		}
		batch := s.take()
		if len(batch) == 0 {
			return
		}
		s.deliver(ctx, batch)
	}
}

func (s *sender) ready(ctx context.Context) bool {
	if r, ok := s.n.(RateLimited); ok {
		return r.Ready(ctx) == nil
	}
	return ctx.Err() == nil
}

// deliver makes up to s.attempts attempts, each bounded by s.timeout, waiting s.backoff,
// 2·s.backoff, … (at most maxBackoff) between them.
func (s *sender) deliver(ctx context.Context, batch []Alert) {
	wait := s.backoff
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, s.timeout)
		err := s.n.Notify(actx, batch)
		cancel()
		if err == nil {
			s.messages.Inc()
			s.delivered.Add(len(batch))
			s.log.Debug("alert delivered", "target", s.name, "type", s.kind, "alerts", len(batch), "rules", ruleIDs(batch), "attempt", attempt)
			return
		}
		if errors.Is(err, errThrottled) && ctx.Err() == nil {
			// not a failed attempt: back to the front of the queue, for the next free slot,
			// where the alerts that come meanwhile join them
			s.throttled.Inc()
			s.log.Warn("alert delivery waits: the receiver's rate is used up", "target", s.name, "type", s.kind, "alerts", len(batch), "error", err.Error())
			s.requeue(batch)
			return
		}
		if attempt >= s.attempts || ctx.Err() != nil || errors.Is(err, errRefused) {
			s.failed.Add(len(batch))
			s.log.Error("alert delivery failed", "target", s.name, "type", s.kind, "alerts", len(batch), "rules", ruleIDs(batch), "attempts", attempt, "error", err.Error())
			return
		}
		s.log.Warn("alert delivery will be retried", "target", s.name, "type", s.kind, "attempt", attempt, "retry_in", wait.String(), "error", err.Error())
		select {
		case <-s.clock.After(wait):
		case <-ctx.Done():
			s.failed.Add(len(batch))
			s.log.Error("alert delivery abandoned", "target", s.name, "type", s.kind, "alerts", len(batch), "rules", ruleIDs(batch), "error", ctx.Err().Error())
			return
		}
		wait = min(2*wait, maxBackoff)
		if !s.ready(ctx) {
			s.failed.Add(len(batch))
			return
		}
	}
}

func ruleIDs(batch []Alert) string {
	ids := make([]string, 0, len(batch))
	for _, a := range batch {
		ids = append(ids, a.Rule)
	}
	return strings.Join(ids, ",")
}
