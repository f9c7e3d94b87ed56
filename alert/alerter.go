package alert

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/VictoriaMetrics/metrics"
)

// Defaults of a zero Config.
const (
	DefaultGroupWait    = 200 * time.Millisecond
	DefaultTimeout      = 10 * time.Second
	DefaultAttempts     = 4
	DefaultBackoff      = 2 * time.Second
	DefaultQueueSize    = 8192
	DefaultMaxPending   = 1000
	DefaultEvalInterval = time.Second
)

// Config configures an Alerter. The zero value of every field means its default.
type Config struct {
	// Rules are the alert rules; nil means DefaultRules().
	Rules []Rule
	// Targets are where alerts go; at least one.
	Targets []Target

	// GroupWait is how long a target waits after the first alert of a quiet spell before it
	// sends, so that firings close together make one message (default DefaultGroupWait;
	// negative: none). Alerts that come while a message is in flight or rate-limited always
	// join the next one.
	GroupWait time.Duration
	// Timeout bounds one delivery attempt (default DefaultTimeout).
	Timeout time.Duration
	// Attempts is how many failed attempts in a row are logged at warn before one line at
	// error says the target is failing (default DefaultAttempts). A failed message is not given
	// up: it stays queued and is retried Backoff after the first failure (default
	// DefaultBackoff), doubling after each up to one minute, until the target takes it,
	// refuses it for good (a 4xx other than 408 and 429, a WeCom errcode other than busy or
	// over the rate) or fails its last attempt at Close.
	Attempts int
	Backoff  time.Duration
	// QueueSize is how many events Observe can hand off before it drops them (default
	// DefaultQueueSize); MaxPending is how many alerts may wait for one target before the
	// oldest is dropped (default DefaultMaxPending). Both drops are counted.
	QueueSize  int
	MaxPending int
	// EvalInterval is how often every rule is evaluated without events, so that windows slide,
	// conditions clear and cooldowns end (default DefaultEvalInterval).
	EvalInterval time.Duration

	// HTTPClient sends WeCom and webhook requests (nil: http.DefaultClient; each attempt is
	// bounded by Timeout through its context anyway).
	HTTPClient *http.Client
	// Clock is the time (nil: the system clock).
	Clock Clock
	// Shop names the shop whose traffic is watched (zhiyi serve: the serving kb.yaml's shop, or
	// the alerts file's shop:). Every alert carries it and every target shows it, in the WeCom
	// heading, the e-mail subject and the webhook's "shop": an agency alerting several shops
	// into one group robot tells which shop alerted. Empty: not shown.
	Shop string
	// Logger gets one line per firing, resolution and failed delivery (nil: slog.Default()).
	Logger *slog.Logger
	// Metrics receives the zhiyi_alert_* series (nil: a private Set, see Alerter.Metrics).
	Metrics *metrics.Set
}

// Target is one place alerts go. A Target with a Notifier uses it as is (Type then only names
// it in metrics); otherwise Type says which notifier New builds: TypeWeCom and TypeWebhook
// from URL, TypeEmail from Email.
type Target struct {
	Name     string // [a-z0-9_-]; rules name it in their Targets
	Type     string
	URL      string
	Email    EmailConfig
	Notifier Notifier

	file string // where the target was defined, for errors
	line int
}

// Alerter evaluates rules over the events it is given and delivers the alerts to its targets,
// never blocking the caller of Observe. All methods are safe for concurrent use.
type Alerter struct {
	cfg   Config
	clock Clock
	log   *slog.Logger
	set   *metrics.Set
	ev    *Evaluator

	shop    atomic.Pointer[string] // Config.Shop, or SetShop's
	events  chan Event
	flushes chan chan struct{}
	quit    chan struct{}
	done    chan struct{} // closed when the loop has returned
	closed  atomic.Bool

	senders []*sender
	byName  map[string]*sender
	closing chan struct{} // closed when senders should deliver what is pending and stop
	cancel  context.CancelFunc
	wg      sync.WaitGroup

	dropped *metrics.Counter
	rules   map[string]*ruleMetrics
	buf     []Alert
}

type ruleMetrics struct {
	fired, resolved, suppressed *metrics.Counter
	firing                      *metrics.Gauge
}

// New checks cfg, builds the targets' notifiers and starts evaluating. Problems with the rules
// or the targets come back together as a *ConfigError. Call Close to stop.
func New(cfg Config) (*Alerter, error) {
	cfg = cfg.withDefaults()
	ev, err := NewEvaluator(cfg.Rules)
	var ce ConfigError
	var evErr *ConfigError
	if errors.As(err, &evErr) {
		ce.Problems = append(ce.Problems, evErr.Problems...)
	}
	if len(cfg.Targets) == 0 {
		ce.add("", 0, "no targets: give --alert-webhook, --alert-wecom, --alert-smtp or targets in the --alerts file")
	}
	a := &Alerter{cfg: cfg, clock: cfg.Clock, log: cfg.Logger, set: cfg.Metrics, ev: ev,
		events: make(chan Event, cfg.QueueSize), flushes: make(chan chan struct{}),
		quit: make(chan struct{}), done: make(chan struct{}), closing: make(chan struct{}),
		byName: map[string]*sender{}, rules: map[string]*ruleMetrics{}}
	robots := map[string]*limiter{} // one rate per robot, however many targets name its URL
	for i := range cfg.Targets {
		t := &cfg.Targets[i]
		if !idPattern.MatchString(t.Name) {
			ce.add(t.file, t.line, "target %q: want 1–64 of a-z, 0-9, _ and -", t.Name)
			continue
		}
		if why := personalID(t.Name); why != "" {
			ce.add(t.file, t.line, "target %s", why)
			continue
		}
		if a.byName[t.Name] != nil {
			ce.add(t.file, t.line, "target %s: defined twice", t.Name)
			continue
		}
		n, err := t.notifier(cfg.HTTPClient, cfg.Clock, robots)
		if err != nil {
			ce.add(t.file, t.line, "target %s: %v", t.Name, err)
			continue
		}
		s := newSender(t.Name, t.Type, n, &cfg, a.set)
		a.senders = append(a.senders, s)
		a.byName[t.Name] = s
	}
	for _, r := range cfg.Rules {
		for _, name := range r.Targets {
			if !targetDefined(cfg.Targets, name) {
				ce.add(r.file, r.lineOf("targets"), "rule %s: unknown target %q", shownID(r.ID), shownID(name))
			}
		}
	}
	if err := ce.err(); err != nil {
		return nil, err
	}
	a.dropped = a.set.GetOrCreateCounter(`zhiyi_alert_events_dropped_total`)
	for _, r := range ev.Rules() {
		l := func(m string) string { return m + `{rule="` + r.ID + `"}` }
		a.rules[r.ID] = &ruleMetrics{
			fired:      a.set.GetOrCreateCounter(l("zhiyi_alert_fired_total")),
			resolved:   a.set.GetOrCreateCounter(l("zhiyi_alert_resolved_total")),
			suppressed: a.set.GetOrCreateCounter(l("zhiyi_alert_suppressed_total")),
			firing:     a.set.GetOrCreateGauge(l("zhiyi_alert_firing"), nil),
		}
	}
	ev.onSuppress = func(r *Rule) {
		a.rules[r.ID].suppressed.Inc()
		a.log.Info("alert held back by cooldown", "rule", r.ID, "cooldown", r.Cooldown.String())
	}
	ev.onHold = func(r *Rule) { a.rules[r.ID].suppressed.Inc() }
	ctx, cancel := context.WithCancel(context.Background())
	a.cancel = cancel
	for _, s := range a.senders {
		a.wg.Add(1)
		go func() { defer a.wg.Done(); s.run(ctx, a.closing) }()
	}
	go a.loop()
	names := make([]string, len(a.senders))
	for i, s := range a.senders {
		names[i] = s.name + "(" + s.kind + ")"
	}
	a.log.Info("alerting on", "rules", len(ev.rules), "targets", names)
	return a, nil
}

func targetDefined(ts []Target, name string) bool {
	for _, t := range ts {
		if t.Name == name {
			return true // defined but invalid: already reported
		}
	}
	return false
}

func (c Config) withDefaults() Config {
	if c.Rules == nil {
		c.Rules = DefaultRules()
	}
	if c.GroupWait == 0 {
		c.GroupWait = DefaultGroupWait
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Attempts <= 0 {
		c.Attempts = DefaultAttempts
	}
	if c.Backoff <= 0 {
		c.Backoff = DefaultBackoff
	}
	if c.QueueSize <= 0 {
		c.QueueSize = DefaultQueueSize
	}
	if c.MaxPending <= 0 {
		c.MaxPending = DefaultMaxPending
	}
	if c.EvalInterval <= 0 {
		c.EvalInterval = DefaultEvalInterval
	}
	if c.HTTPClient == nil {
		c.HTTPClient = http.DefaultClient
	}
	c.Clock = orSystem(c.Clock)
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Metrics == nil {
		c.Metrics = metrics.NewSet()
	}
	return c
}

// notifier builds the target's notifier. Group robots are looked up in robots by URL (nil: none
// shared), so that targets posting to one robot share its rate limit.
func (t *Target) notifier(c *http.Client, clock Clock, robots map[string]*limiter) (Notifier, error) {
	if t.Notifier != nil {
		if t.Type == "" {
			t.Type = "custom"
		}
		return t.Notifier, nil
	}
	switch t.Type {
	case TypeWeCom:
		w, err := NewWeCom(t.URL, WeComOptions{Client: c, Clock: clock})
		if err == nil && robots != nil {
			if lim := robots[t.URL]; lim != nil {
				w.lim = lim
			} else {
				robots[t.URL] = w.lim
			}
		}
		return w, err
	case TypeWebhook:
		return NewWebhook(t.URL, c)
	case TypeEmail:
		return NewEmail(t.Email)
	}
	return nil, fmt.Errorf("type %q: want wecom, webhook or email", t.Type)
}

// Observe hands e to the evaluation goroutine and returns at once: it never blocks, takes no
// lock and does not allocate. When the queue is full (the evaluator has fallen behind by
// QueueSize events) or the Alerter is closed, e is dropped and counted in
// zhiyi_alert_events_dropped_total. A zero e.Time is set from the Clock. Observe on a nil
// *Alerter does nothing, so callers need no "alerting on?" test.
func (a *Alerter) Observe(e Event) {
	if a == nil {
		return
	}
	if a.closed.Load() {
		a.dropped.Inc()
		return
	}
	if e.Time.IsZero() {
		e.Time = a.clock.Now()
	}
	select {
	case a.events <- e:
	default:
		a.dropped.Inc()
	}
}

// Flush returns once every event observed before the call has been evaluated and every rule
// has been evaluated at the Clock's now; the resulting alerts are queued for delivery (Flush
// does not wait for delivery). It returns ErrClosed after Close.
func (a *Alerter) Flush(ctx context.Context) error {
	ack := make(chan struct{})
	select {
	case a.flushes <- ack:
	case <-a.done:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-ack:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops evaluating (events already queued are evaluated first) and delivers the alerts
// still pending: each message gets one more attempt (a target that is down is not waited
// out; one whose rate is used up is, until ctx ends). The alerts not delivered are counted in
// zhiyi_alert_failed_total and logged at error with their rules, and Close then returns an
// error that says how many, wrapping ctx's error if ctx ended first. Observe after Close drops
// its event. Close is idempotent.
func (a *Alerter) Close(ctx context.Context) error {
	if !a.closed.CompareAndSwap(false, true) {
		return nil
	}
	close(a.quit)
	<-a.done
	close(a.closing)
	finished := make(chan struct{})
	go func() { a.wg.Wait(); close(finished) }()
	var err error
	select {
	case <-finished:
	case <-ctx.Done():
		err = ctx.Err()
		a.cancel()
		<-finished
	}
	a.cancel()
	lost := 0
	for _, s := range a.senders {
		lost += s.lost // the senders have returned (wg.Wait)
	}
	if lost > 0 {
		if err == nil {
			err = errTargetsFailed
		}
		return fmt.Errorf("alert: %d alerts not delivered at close (logged with their rules): %w", lost, err)
	}
	return err
}

// errTargetsFailed is the cause Close gives when targets failed the last attempts.
var errTargetsFailed = errors.New("their targets failed")

// WatchSpool reports size() as a KindSpool event now and every interval (on the Clock) until
// ctx ends or the Alerter closes, and, when dropped is not nil, what its total (the decision
// log's records dropped) grew by since the last report as a KindDropped event; run it on its
// own goroutine. Both should be cheap, such as reading the decision log's counters.
func (a *Alerter) WatchSpool(ctx context.Context, every time.Duration, size func() int64, dropped func() uint64) {
	if a == nil {
		return
	}
	var lastDropped uint64
	for {
		a.Observe(Event{Kind: KindSpool, Spool: size()})
		if dropped != nil {
			if n := dropped(); n > lastDropped {
				a.Observe(Event{Kind: KindDropped, Dropped: int64(n - lastDropped)})
				lastDropped = n
			}
		}
		select {
		case <-a.clock.After(every):
		case <-ctx.Done():
			return
		case <-a.done:
			return
		}
	}
}

// Shop is the shop's name the alerts carry (Config.Shop, or the last SetShop).
func (a *Alerter) Shop() string {
	if a == nil {
		return ""
	}
	if p := a.shop.Load(); p != nil {
		return *p
	}
	return a.cfg.Shop
}

// SetShop names the shop for the alerts sent from now on: zhiyi serve gives the serving
// bundle's kb.yaml shop, at start and at every reload, unless the alerts file names one.
func (a *Alerter) SetShop(name string) {
	if a != nil {
		a.shop.Store(&name)
	}
}

// Metrics returns the Set holding the zhiyi_alert_* series: Config.Metrics, or the Alerter's
// own when that was nil.
func (a *Alerter) Metrics() *metrics.Set { return a.set }

// Rules returns the rules in force, defaults filled.
func (a *Alerter) Rules() []Rule { return a.ev.Rules() }

func (a *Alerter) loop() {
	defer close(a.done)
	tick := a.clock.After(a.cfg.EvalInterval)
	for {
		select {
		case e := <-a.events:
			a.dispatch(a.ev.Observe(a.buf[:0], e))
		case <-tick:
			a.dispatch(a.ev.Tick(a.buf[:0], a.clock.Now()))
			tick = a.clock.After(a.cfg.EvalInterval)
		case ack := <-a.flushes:
			a.drain()
			a.dispatch(a.ev.Tick(a.buf[:0], a.clock.Now()))
			close(ack)
		case <-a.quit:
			a.drain()
			a.dispatch(a.ev.Release(a.buf[:0], a.clock.Now())) // the comments held back, said once more
			a.dispatch(a.ev.Stop(a.buf[:0], a.clock.Now()))    // what fires, said to end here
			return
		}
	}
}

// drain evaluates the events already queued.
func (a *Alerter) drain() {
	for {
		select {
		case e := <-a.events:
			a.dispatch(a.ev.Observe(a.buf[:0], e))
		default:
			return
		}
	}
}

// dispatch logs and counts each alert and queues it for its targets.
func (a *Alerter) dispatch(alerts []Alert) {
	a.buf = alerts[:0]
	for i := range alerts {
		al := &alerts[i]
		al.Shop = a.Shop()
		rm := a.rules[al.Rule]
		attrs := []any{"rule", al.Rule, "name", al.Name, "measure", string(al.Measure), "severity", string(al.Severity),
			"value", al.Value, "threshold", al.Threshold, "count", al.Count, "summary", al.logSummary()}
		if al.Category != "" {
			attrs = append(attrs, "category", al.Category, "keyword", al.Keyword)
			// every comment reported, a grouped alert's held-back ones too
			a.set.GetOrCreateCounter(`zhiyi_alert_comments_total{rule="` + al.Rule + `",category="` + al.Category + `"}`).Add(int(al.Count))
		}
		if al.State == StateFiring {
			rm.fired.Inc()
			if al.Measure != MeasureCommentKeywords {
				rm.firing.Set(1)
			}
			a.log.Warn("alert firing", attrs...)
		} else if al.State == StateStopped {
			rm.firing.Set(0)
			a.log.Info("alert stopped: this process stops while it fires", attrs...)
		} else {
			rm.resolved.Inc()
			rm.firing.Set(0)
			a.log.Info("alert resolved", attrs...)
		}
		if len(al.targets) == 0 {
			for _, s := range a.senders {
				s.enqueue(*al)
			}
			continue
		}
		for _, name := range al.targets {
			a.byName[name].enqueue(*al)
		}
	}
}

// errNon2xx is wrapped by the HTTP notifiers when the receiver answers outside 2xx.
var errNon2xx = errors.New("unexpected HTTP status")

// errRefused marks an answer that trying again cannot change (a 4xx other than 408 and 429, a
// WeCom errcode other than busy or rate-limited): the sender gives up at once.
var errRefused = errors.New("refused")

// errThrottled marks a notifier's answer that its receiver's rate is used up (a WeCom robot's
// 45009 or 130101, which other senders to the same robot may have caused): the sender keeps
// the alerts, merged with the next ones, for the notifier's next free slot. They are not
// failures.
var errThrottled = errors.New("throttled")

// statusError is the error of an HTTP answer outside 2xx, errRefused when retrying is useless.
func statusError(code int) error {
	if code/100 == 4 && code != 408 && code != 429 {
		return fmt.Errorf("%w %d (%w)", errNon2xx, code, errRefused)
	}
	return fmt.Errorf("%w %d", errNon2xx, code)
}
