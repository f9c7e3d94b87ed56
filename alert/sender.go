package alert

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/VictoriaMetrics/metrics"
)

// sender owns delivery to one target: a queue of pending alerts that are merged into one
// message per Notify, retries with backoff, and the target's counters. One goroutine (run)
// delivers; enqueue never blocks the evaluation loop.
//
// An alert leaves the queue delivered, refused (the receiver said retrying cannot help),
// dropped (the queue full, or a resolution or stop whose firing the target never got) or given up at
// Close; each is counted once. A target that fails otherwise keeps it queued and retried.
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

	// Used by the run goroutine only.
	closing  <-chan struct{}
	told     map[string]bool // rules whose last alert the target got was a firing
	failures int             // attempts failed in a row
	wait     time.Duration   // the backoff after the next failure
	lost     int             // alerts given up once closing: Close reports them

	delivered, failed, dropped, messages, throttled, attemptsFailed *metrics.Counter
	queued                                                          *metrics.Gauge
}

// maxBackoff caps the wait between two attempts: a target back from a long outage gets the
// alerts within a minute.
const maxBackoff = time.Minute

func newSender(name, kind string, n Notifier, cfg *Config, set *metrics.Set) *sender {
	l := func(m string) string { return m + `{target="` + name + `",type="` + kind + `"}` }
	return &sender{
		name: name, kind: kind, n: n, clock: cfg.Clock, log: cfg.Logger,
		groupWait: cfg.GroupWait, timeout: cfg.Timeout, backoff: min(cfg.Backoff, maxBackoff),
		attempts: cfg.Attempts, maxPending: cfg.MaxPending,
		wake:           make(chan struct{}, 1),
		told:           map[string]bool{},
		wait:           min(cfg.Backoff, maxBackoff),
		delivered:      set.GetOrCreateCounter(l("zhiyi_alert_delivered_total")),
		failed:         set.GetOrCreateCounter(l("zhiyi_alert_failed_total")),
		dropped:        set.GetOrCreateCounter(l("zhiyi_alert_dropped_total")),
		messages:       set.GetOrCreateCounter(l("zhiyi_alert_messages_total")),
		throttled:      set.GetOrCreateCounter(l("zhiyi_alert_throttled_total")),
		attemptsFailed: set.GetOrCreateCounter(l("zhiyi_alert_attempts_failed_total")),
		queued:         set.GetOrCreateGauge(l("zhiyi_alert_pending"), nil),
	}
}

// enqueue adds a to the pending alerts. When maxPending are already waiting (the target has
// been down for long), the oldest is dropped, counted and logged: the newest state matters most.
func (s *sender) enqueue(a Alert) {
	s.mu.Lock()
	s.pending = append(s.pending, a)
	over := s.trim()
	s.mu.Unlock()
	s.logDropped(over, "the target's queue is full (MaxPending)")
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// requeue puts batch back in front of the pending alerts (within maxPending, the oldest
// dropped as enqueue does).
func (s *sender) requeue(batch []Alert) {
	s.mu.Lock()
	s.pending = append(append(make([]Alert, 0, len(batch)+len(s.pending)), batch...), s.pending...)
	over := s.trim()
	s.mu.Unlock()
	s.logDropped(over, "the target's queue is full (MaxPending)")
}

// trim drops and returns the oldest pending alerts beyond maxPending; the caller holds s.mu.
func (s *sender) trim() []Alert {
	var over []Alert
	if k := len(s.pending) - s.maxPending; k > 0 {
		over = slices.Clone(s.pending[:k])
		s.pending = slices.Delete(s.pending, 0, k)
		s.dropped.Add(k)
	}
	s.queued.Set(float64(len(s.pending)))
	return over
}

func (s *sender) logDropped(alerts []Alert, why string) {
	if len(alerts) > 0 {
		s.log.Error("alert dropped: "+why, "target", s.name, "type", s.kind, "alerts", len(alerts), "rules", ruleIDs(alerts))
	}
}

func (s *sender) hasPending() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pending) > 0
}

// take removes the alerts of the next message from the queue: all of them, or as many as fit
// when the notifier bounds its message size. It runs on the run goroutine between deliveries,
// so s.told is current: nothing is in flight.
func (s *sender) take() []Alert {
	s.mu.Lock()
	orphans := s.dropOrphans()
	var batch []Alert
	if k := len(s.pending); k > 0 {
		if b, ok := s.n.(Bounded); ok {
			k = min(max(b.Fit(s.pending), 1), k)
		}
		batch = make([]Alert, k)
		copy(batch, s.pending)
		n := copy(s.pending, s.pending[k:])
		clear(s.pending[n:])
		s.pending = s.pending[:n]
	}
	s.queued.Set(float64(len(s.pending)))
	s.mu.Unlock()
	s.logDropped(orphans, "the target never got its firing (dropped or refused), so its resolution or stop is not sent alone")
	return batch
}

// dropOrphans removes and returns the resolved and stopped alerts whose firing the target never
// got and is not about to get (it is not ahead of them in the queue): "已恢复" alone would
// announce the end of something the receiver never saw begin. The caller holds s.mu.
func (s *sender) dropOrphans() []Alert {
	var orphans []Alert
	kept := s.pending[:0]
	for _, a := range s.pending {
		if (a.State == StateResolved || a.State == StateStopped) && !s.firingAhead(kept, a.Rule) {
			orphans = append(orphans, a)
			continue
		}
		kept = append(kept, a)
	}
	if len(orphans) > 0 {
		clear(s.pending[len(kept):])
		s.pending = kept
		s.dropped.Add(len(orphans))
	}
	return orphans
}

// firingAhead says whether the last alert of rule before a resolution — in ahead, else the
// last one delivered — is a firing.
func (s *sender) firingAhead(ahead []Alert, rule string) bool {
	for i := len(ahead) - 1; i >= 0; i-- {
		if ahead[i].Rule == rule {
			return ahead[i].State == StateFiring
		}
	}
	return s.told[rule]
}

// run delivers until ctx ends. Once closing is closed it delivers what is pending and returns;
// what is still pending then is given up, counted and logged.
func (s *sender) run(ctx context.Context, closing <-chan struct{}) {
	s.closing = closing
	defer s.abandon(ctx)
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

func (s *sender) isClosing() bool {
	select {
	case <-s.closing:
		return true
	default:
		return false
	}
}

// flush sends messages until nothing is pending. A message that failed is back in front of
// the queue: it is tried again after the backoff, merged with the alerts that came meanwhile.
// Closing ends a backoff at once for a last attempt.
func (s *sender) flush(ctx context.Context) {
	for s.hasPending() {
		if !s.ready(ctx) {
			return
		}
		batch := s.take()
		if len(batch) == 0 {
			return
		}
		wait := s.deliver(ctx, batch)
		if wait == 0 {
			continue
		}
		select {
		case <-s.clock.After(wait):
		case <-s.closing:
		case <-ctx.Done():
			return
		}
	}
}

func (s *sender) ready(ctx context.Context) bool {
	if r, ok := s.n.(RateLimited); ok {
		return r.Ready(ctx) == nil
	}
	return ctx.Err() == nil
}

// deliver makes one attempt at batch, bounded by s.timeout. A failed attempt puts batch back
// in front of the queue and returns how long to wait before the next: s.backoff, doubling
// after each failure in a row up to maxBackoff. It returns 0 when there is nothing to wait
// for: delivered, throttled (Ready waits), refused, or given up because the sender is closing
// (shutdown does not wait out a target that is down).
func (s *sender) deliver(ctx context.Context, batch []Alert) time.Duration {
	actx, cancel := context.WithTimeout(ctx, s.timeout)
	err := s.n.Notify(actx, batch)
	cancel()
	switch {
	case err == nil:
		s.messages.Inc()
		s.delivered.Add(len(batch))
		for _, a := range batch {
			s.told[a.Rule] = a.State == StateFiring
		}
		if s.failures > 0 {
			s.log.Info("alert delivered after failed attempts", "target", s.name, "type", s.kind, "alerts", len(batch), "rules", ruleIDs(batch), "failed_attempts", s.failures)
		} else {
			s.log.Debug("alert delivered", "target", s.name, "type", s.kind, "alerts", len(batch), "rules", ruleIDs(batch))
		}
		s.failures, s.wait = 0, s.backoff
		return 0
	case errors.Is(err, errThrottled) && ctx.Err() == nil:
		// not a failed attempt: back to the front of the queue, for the next free slot,
		// where the alerts that come meanwhile join them
		s.throttled.Inc()
		s.log.Warn("alert delivery waits: the receiver's rate is used up", "target", s.name, "type", s.kind, "alerts", len(batch), "error", err.Error())
		s.requeue(batch)
		return 0
	}
	s.attemptsFailed.Inc()
	s.failures++
	if errors.Is(err, errRefused) || ctx.Err() != nil || s.isClosing() {
		s.giveUp(batch, err)
		return 0
	}
	s.requeue(batch)
	wait := s.wait
	s.wait = min(2*s.wait, maxBackoff)
	attrs := []any{"target", s.name, "type", s.kind, "alerts", len(batch), "rules", ruleIDs(batch),
		"failed_attempts", s.failures, "retry_in", wait.String(), "error", err.Error()}
	if s.failures == s.attempts {
		// once per outage at error; the retries before and after it at warn
		s.log.Error("alert delivery failing: the alerts stay queued and are retried", attrs...)
	} else {
		s.log.Warn("alert delivery will be retried", attrs...)
	}
	return wait
}

// giveUp counts batch as failed and logs it with its rules.
func (s *sender) giveUp(batch []Alert, err error) {
	s.failed.Add(len(batch))
	if s.isClosing() {
		s.lost += len(batch)
	}
	s.log.Error("alert delivery failed", "target", s.name, "type", s.kind, "alerts", len(batch), "rules", ruleIDs(batch), "failed_attempts", s.failures, "error", err.Error())
}

// abandon gives up what is still pending when run returns: Close's ctx ended first.
func (s *sender) abandon(ctx context.Context) {
	s.mu.Lock()
	rest := s.pending
	s.pending = nil
	s.queued.Set(0)
	s.mu.Unlock()
	if len(rest) == 0 {
		return
	}
	err := ctx.Err()
	if err == nil {
		err = errors.New("the alerter stopped")
	}
	s.giveUp(rest, fmt.Errorf("not delivered before Close ended: %w", err))
}

func ruleIDs(batch []Alert) string {
	ids := make([]string, 0, len(batch))
	for _, a := range batch {
		ids = append(ids, a.Rule)
	}
	return strings.Join(ids, ",")
}
