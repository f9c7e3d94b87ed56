package alert

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/jonboulle/clockwork"
)

// guard bounds how long a test waits for something that must happen; hitting it is a failure,
// never a measurement.
const guard = 20 * time.Second

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// receiver is a real HTTP server on loopback that records the webhook payloads it gets.
type receiver struct {
	*httptest.Server
	got    chan WebhookPayload
	mu     sync.Mutex
	status []int // statuses to answer, in order; then 200
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{got: make(chan WebhookPayload, 100)}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		status := http.StatusOK
		if len(r.status) > 0 {
			status, r.status = r.status[0], r.status[1:]
		}
		r.mu.Unlock()
		if status != http.StatusOK {
			w.WriteHeader(status)
			return
		}
		var p WebhookPayload
		body, _ := io.ReadAll(req.Body)
		if err := json.Unmarshal(body, &p); err != nil {
			t.Errorf("webhook body is not the payload: %v: %s", err, body)
		}
		r.got <- p
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) next(t *testing.T) WebhookPayload {
	t.Helper()
	select {
	case p := <-r.got:
		return p
	case <-time.After(guard):
		t.Fatal("the webhook received nothing")
	}
	return WebhookPayload{}
}

func (r *receiver) none(t *testing.T) {
	t.Helper()
	select {
	case p := <-r.got:
		t.Fatalf("unexpected payload: %+v", p)
	default:
	}
}

// newTestAlerter starts an Alerter on a fake clock at t0, with a test logger and its own
// metrics, closed when the test ends.
func newTestAlerter(t *testing.T, cfg Config) (*Alerter, *clockwork.FakeClock) {
	t.Helper()
	clock := clockwork.NewFakeClockAt(t0)
	return newTestAlerterOn(t, clock, cfg), clock
}

// newTestAlerterOn is newTestAlerter on a given clock.
func newTestAlerterOn(t *testing.T, clock *clockwork.FakeClock, cfg Config) *Alerter {
	t.Helper()
	cfg.Clock = clock
	if cfg.Logger == nil {
		cfg.Logger = testLogger(t)
	}
	cfg.Metrics = metrics.NewSet()
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), guard)
		defer cancel()
		if err := a.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return a
}

func counter(a *Alerter, name string) uint64 { return a.Metrics().GetOrCreateCounter(name).Get() }

// eventually waits until f holds (the guard bounds the wait).
func eventually(t *testing.T, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(guard)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("never happened: %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func flush(t *testing.T, a *Alerter) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	if err := a.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

func blockUntil(t *testing.T, c *clockwork.FakeClock, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	if err := c.BlockUntilContext(ctx, n); err != nil {
		t.Fatalf("waiting for %d clock waiters: %v", n, err)
	}
}

func unrecognised() Event {
	return Event{Kind: KindDecision, Route: "suggest", Intent: "none", Unrecognised: true, Latency: time.Millisecond}
}

func TestAlerterTwentiethUnrecognisedReachesTheWebhook(t *testing.T) {
	hook := newReceiver(t)
	a, clock := newTestAlerter(t, Config{GroupWait: -1, Targets: []Target{{Name: "hook", Type: TypeWebhook, URL: hook.URL + "/alerts"}}})
	for range 19 {
		a.Observe(unrecognised())
	}
	flush(t, a)
	if n := counter(a, `zhiyi_alert_fired_total{rule="unrecognised"}`); n != 0 {
		t.Fatalf("fired after 19 unrecognised messages: %d", n)
	}
	hook.none(t)

	a.Observe(unrecognised())
	flush(t, a)
	if n := counter(a, `zhiyi_alert_fired_total{rule="unrecognised"}`); n != 1 {
		t.Fatalf("fired_total after the 20th = %d, want 1", n)
	}
	p := hook.next(t)
	if len(p.Alerts) != 1 {
		t.Fatalf("payload = %+v", p)
	}
	al := p.Alerts[0]
	if p.Source != "zhiyi" || al.Rule != "unrecognised" || al.State != StateFiring || al.Num != 20 || al.WindowSeconds != 600 || !al.At.Equal(t0) {
		t.Fatalf("alert = %+v", al)
	}
	eventually(t, "delivered_total = 1", func() bool {
		return counter(a, `zhiyi_alert_delivered_total{target="hook",type="webhook"}`) == 1
	})

	// Eleven quiet minutes later the window is empty: a resolved message.
	clock.Advance(11 * time.Minute)
	flush(t, a)
	p = hook.next(t)
	if len(p.Alerts) != 1 || p.Alerts[0].State != StateResolved || p.Alerts[0].Rule != "unrecognised" || !p.Alerts[0].Since.Equal(t0) {
		t.Fatalf("resolved payload = %+v", p)
	}
	if n := counter(a, `zhiyi_alert_resolved_total{rule="unrecognised"}`); n != 1 {
		t.Fatalf("resolved_total = %d", n)
	}
}

// A rule still firing when the Alerter closes is said to end there (stopped): no resolved
// message would ever come from this process, and its receivers were left with a firing that
// never ended. A rule that resolved before, and a target that never got the firing, get none.
func TestAlerterCloseSaysWhatStillFires(t *testing.T) {
	hook := newReceiver(t)
	a, _ := newTestAlerter(t, Config{GroupWait: -1, Targets: []Target{{Name: "hook", Type: TypeWebhook, URL: hook.URL}}})
	for range 20 {
		a.Observe(unrecognised())
	}
	flush(t, a)
	if p := hook.next(t); len(p.Alerts) != 1 || p.Alerts[0].State != StateFiring {
		t.Fatalf("firing payload = %+v", p)
	}
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	if err := a.Close(ctx); err != nil {
		t.Fatal(err)
	}
	p := hook.next(t)
	if len(p.Alerts) != 1 || p.Alerts[0].State != StateStopped || p.Alerts[0].Rule != "unrecognised" ||
		!strings.HasPrefix(p.Alerts[0].Summary, "停止监测（") || !strings.Contains(p.Alerts[0].Summary, "10分钟内有 20 条消息未识别") {
		t.Fatalf("at close: %+v, want the firing rule stopped", p)
	}
	if n := counter(a, `zhiyi_alert_resolved_total{rule="unrecognised"}`); n != 0 {
		t.Errorf("resolved_total = %d: a stop is no resolution", n)
	}
	hook.none(t)

	// Resolved before the close: nothing more to say.
	hook2 := newReceiver(t)
	b, clock := newTestAlerter(t, Config{GroupWait: -1, Targets: []Target{{Name: "hook", Type: TypeWebhook, URL: hook2.URL}}})
	for range 20 {
		b.Observe(unrecognised())
	}
	flush(t, b)
	hook2.next(t) // the firing delivered before the window clears: else one payload may carry both
	clock.Advance(11 * time.Minute)
	flush(t, b)
	if p := hook2.next(t); p.Alerts[0].State != StateResolved {
		t.Fatalf("want resolved, got %+v", p)
	}
	if err := b.Close(ctx); err != nil {
		t.Fatal(err)
	}
	hook2.none(t)
}

func TestAlerterRoutesToTheRuleTargets(t *testing.T) {
	ops, all := newReceiver(t), newReceiver(t)
	a, _ := newTestAlerter(t, Config{
		GroupWait: -1,
		Rules:     []Rule{{ID: "spool", Measure: MeasureSpool, Targets: []string{"ops"}}, {ID: "u", Measure: MeasureUnrecognised, Threshold: 1}},
		Targets:   []Target{{Name: "ops", Type: TypeWebhook, URL: ops.URL}, {Name: "all", Type: TypeWebhook, URL: all.URL}},
	})
	a.Observe(Event{Kind: KindSpool, Spool: 20000})
	flush(t, a)
	if p := ops.next(t); p.Alerts[0].Rule != "spool" {
		t.Fatalf("ops got %+v", p)
	}
	a.Observe(unrecognised())
	flush(t, a)
	if p := ops.next(t); p.Alerts[0].Rule != "u" {
		t.Fatalf("ops got %+v", p)
	}
	if p := all.next(t); len(p.Alerts) != 1 || p.Alerts[0].Rule != "u" {
		t.Fatalf("a rule without targets goes to all; the spool rule only to ops: %+v", p)
	}
}

func TestAlerterHangingWebhookDoesNotBlockObserve(t *testing.T) {
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(hang.Close)
	a, _ := newTestAlerter(t, Config{GroupWait: -1, Attempts: 1, Timeout: 200 * time.Millisecond, QueueSize: 64,
		Rules:   []Rule{{ID: "u", Measure: MeasureUnrecognised, Threshold: 1}, {ID: "spool", Measure: MeasureSpool}},
		Targets: []Target{{Name: "hang", Type: TypeWebhook, URL: hang.URL}}})
	// Registered after the Alerter's, so it runs before Close, whose last attempt then gets through.
	t.Cleanup(func() { close(release) })
	a.Observe(unrecognised()) // fires: its delivery hangs
	flush(t, a)
	// While the delivery hangs, Observe returns at once, and beyond the queue it drops and counts
	// instead of waiting.
	for range 100_000 {
		a.Observe(unrecognised())
	}
	flush(t, a) // evaluation goes on too
	a.Observe(Event{Kind: KindSpool, Spool: 1 << 20})
	flush(t, a)
	if n := counter(a, `zhiyi_alert_fired_total{rule="spool"}`); n != 1 {
		t.Fatalf("the spool rule did not fire while the webhook hung: %d", n)
	}
	eventually(t, "the hanging attempt times out and counts as a failed attempt", func() bool {
		return counter(a, `zhiyi_alert_attempts_failed_total{target="hang",type="webhook"}`) >= 1
	})
}

func TestAlerterCloseDeliversPending(t *testing.T) {
	hook := newReceiver(t)
	clock := clockwork.NewFakeClockAt(t0)
	a, err := New(Config{GroupWait: time.Hour, Clock: clock, Logger: testLogger(t), Metrics: metrics.NewSet(),
		Rules: []Rule{{ID: "spool", Measure: MeasureSpool}}, Targets: []Target{{Name: "hook", Type: TypeWebhook, URL: hook.URL}}})
	if err != nil {
		t.Fatal(err)
	}
	a.Observe(Event{Kind: KindSpool, Spool: 20000})
	flush(t, a)
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	if err := a.Close(ctx); err != nil { // the hour of group wait is cut short
		t.Fatal(err)
	}
	if p := hook.next(t); p.Alerts[0].Rule != "spool" {
		t.Fatalf("got %+v", p)
	}
	a.Observe(unrecognised())
	if n := counter(a, `zhiyi_alert_events_dropped_total`); n != 1 {
		t.Fatalf("Observe after Close: dropped = %d, want 1", n)
	}
	if err := a.Flush(ctx); err != ErrClosed {
		t.Fatalf("Flush after Close = %v", err)
	}
	if err := a.Close(ctx); err != nil {
		t.Fatalf("second Close = %v", err)
	}
	var nilAlerter *Alerter
	nilAlerter.Observe(unrecognised()) // a nil Alerter: alerting off, nothing happens
}

// Close while the robot's minute is used up: the comment alert Release queues at Close cannot
// go before ctx ends. It was dropped without a count or a log line; now it counts as failed,
// is logged at error with its rule, and Close says so.
func TestAlerterCloseCountsAndLogsWhatItCannotDeliver(t *testing.T) {
	clock := clockwork.NewFakeClockAt(t0)
	r := newRobot(t, clock)
	log, logged := logBuffer()
	a := newTestAlerterOn(t, clock, Config{GroupWait: -1, Logger: log,
		Rules:   []Rule{{ID: "comments", Measure: MeasureCommentKeywords}},
		Targets: []Target{{Name: "robot", Type: TypeWeCom, URL: r.url()}}})
	a.Observe(Event{Kind: KindFeedback, Rating: 1, Comment: "回复慢"}) // fires at once
	flush(t, a)
	r.next(t)
	eventually(t, "the first alert delivered", func() bool {
		return counter(a, `zhiyi_alert_delivered_total{target="robot",type="wecom"}`) == 1
	})
	lim := a.byName["robot"].n.(*WeCom).lim
	for range WeComLimit - 1 { // the rest of the robot's minute used (a flood, another sender)
		if err := lim.take(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	a.Observe(Event{Kind: KindFeedback, Rating: 1, Comment: "等太久了，回复慢"}) // held back by the cooldown
	flush(t, a)
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // Close's time is up before the robot's minute
	err := a.Close(ctx)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "1 alerts not delivered") {
		t.Errorf("Close = %v, want 1 alert not delivered and ctx's error", err)
	}
	if d, f := counter(a, `zhiyi_alert_delivered_total{target="robot",type="wecom"}`), counter(a, `zhiyi_alert_failed_total{target="robot",type="wecom"}`); d != 1 || f != 1 {
		t.Errorf("delivered %d, failed %d: want the held comment's alert counted failed", d, f)
	}
	if out := logged(); !regexp.MustCompile(`level=ERROR msg="alert delivery failed" target=robot type=wecom alerts=1 rules=comments .*Close ended`).MatchString(out) {
		t.Errorf("no error line naming the rule:\n%s", out)
	}
}

// A target still down at Close gets one more attempt, not the backoff waited out; Close then
// counts, logs and reports what it could not deliver: the firing, and the stop Close adds to it.
func TestAlerterCloseGivesUpATargetThatIsDown(t *testing.T) {
	hook := newReceiver(t)
	hook.status = []int{503, 503, 503}
	log, logged := logBuffer()
	a, clock := newTestAlerter(t, Config{GroupWait: -1, Logger: log,
		Rules: []Rule{{ID: "spool", Measure: MeasureSpool}}, Targets: []Target{{Name: "hook", Type: TypeWebhook, URL: hook.URL}}})
	a.Observe(Event{Kind: KindSpool, Spool: 20000})
	flush(t, a)
	blockUntil(t, clock, 2) // the tick and the backoff after the first 503
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	err := a.Close(ctx)
	if err == nil || errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "2 alerts not delivered") {
		t.Errorf("Close = %v, want 2 alerts not delivered, without waiting for ctx", err)
	}
	if n := counter(a, `zhiyi_alert_attempts_failed_total{target="hook",type="webhook"}`); n != 2 {
		t.Errorf("attempts_failed = %d, want the first and Close's", n)
	}
	if n := counter(a, `zhiyi_alert_failed_total{target="hook",type="webhook"}`); n != 2 {
		t.Errorf("failed = %d", n)
	}
	if out := logged(); !strings.Contains(out, `level=ERROR msg="alert delivery failed" target=hook type=webhook alerts=2 rules=spool,spool`) {
		t.Errorf("no error line naming the rule:\n%s", out)
	}
}

// logBuffer returns a logger into a buffer the senders' goroutines may share, and its reader.
func logBuffer() (*slog.Logger, func() string) {
	var mu sync.Mutex
	var b strings.Builder
	return slog.New(slog.NewTextHandler(lockedWriter{&mu, &b}, nil)), func() string {
		mu.Lock()
		defer mu.Unlock()
		return b.String()
	}
}

func TestNewListsEveryProblem(t *testing.T) {
	_, err := New(Config{
		Rules:   []Rule{{ID: "u", Measure: MeasureUnrecognised, Targets: []string{"nowhere"}}, {ID: "x", Measure: "bogus"}},
		Targets: []Target{{Name: "a", Type: "fax"}, {Name: "b", Type: TypeWeCom, URL: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"}},
		Logger:  testLogger(t),
	})
	if err == nil {
		t.Fatal("no error")
	}
	for _, w := range []string{`rule x: measure: "bogus"`, `target a: type "fax"`, "target b: wecom robot URL", `rule u: unknown target "nowhere"`} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q:\n%v", w, err)
		}
	}
	if _, err := New(Config{Logger: testLogger(t)}); err == nil || !strings.Contains(err.Error(), "no targets") {
		t.Errorf("no targets: %v", err)
	}
}

func TestWatchSpool(t *testing.T) {
	hook := newReceiver(t)
	a, clock := newTestAlerter(t, Config{GroupWait: -1, Rules: []Rule{{ID: "spool", Measure: MeasureSpool}},
		Targets: []Target{{Name: "hook", Type: TypeWebhook, URL: hook.URL}}})
	var size atomic.Int64
	size.Store(10)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); a.WatchSpool(ctx, 10*time.Second, size.Load, nil) }()
	blockUntil(t, clock, 2) // the evaluation tick and the watcher's wait
	flush(t, a)
	hook.none(t)
	size.Store(25000)
	clock.Advance(10 * time.Second)
	if p := hook.next(t); p.Alerts[0].Rule != "spool" || p.Alerts[0].Value != 25000 {
		t.Fatalf("got %+v", p)
	}
	cancel()
	<-done
}

// Records the decision log dropped (zhiyi_store_dropped_total, whatever the cause) fire the dropped
// rule at the next report, counting those of the window; none dropped, none fires.
func TestWatchSpoolDropped(t *testing.T) {
	hook := newReceiver(t)
	a, clock := newTestAlerter(t, Config{GroupWait: -1, Rules: []Rule{{ID: "dropped", Measure: MeasureDropped}},
		Targets: []Target{{Name: "hook", Type: TypeWebhook, URL: hook.URL}}})
	var dropped atomic.Uint64
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.WatchSpool(ctx, 10*time.Second, func() int64 { return 0 }, dropped.Load)
	}()
	blockUntil(t, clock, 2)
	flush(t, a)
	hook.none(t)
	dropped.Store(3177)
	clock.Advance(10 * time.Second)
	p := hook.next(t)
	if al := p.Alerts[0]; al.Rule != "dropped" || al.Value != 3177 || !strings.Contains(al.Summary, "丢失 3177 条") {
		t.Fatalf("got %+v", p)
	}
	cancel()
	<-done
}

// A comment alert's log line names the rule, the keyword and its category, not the
// customer's words (they go to the targets, masked).
func TestAlertLogLeavesTheCommentOut(t *testing.T) {
	rcv := newReceiver(t)
	var logged strings.Builder
	var mu sync.Mutex
	clock := clockwork.NewFakeClockAt(t0)
	a, err := New(Config{Targets: []Target{{Name: "hook", Type: TypeWebhook, URL: rcv.URL}}, GroupWait: -1,
		Clock: clock, Metrics: metrics.NewSet(), Logger: slog.New(slog.NewTextHandler(lockedWriter{&mu, &logged}, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close(context.Background())
	a.Observe(Event{Kind: KindFeedback, Rating: 1, Comment: "回复太慢了 我等了整整一个下午"})
	flush(t, a)
	mu.Lock()
	out := logged.String()
	mu.Unlock()
	if !strings.Contains(out, "alert firing") || !strings.Contains(out, "keyword=") {
		t.Fatalf("no firing logged with its keyword:\n%s", out)
	}
	if strings.Contains(out, "整整一个下午") {
		t.Errorf("the comment reached the log:\n%s", out)
	}
}

// lockedWriter is a writer several goroutines may share.
type lockedWriter struct {
	mu *sync.Mutex
	w  *strings.Builder
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
