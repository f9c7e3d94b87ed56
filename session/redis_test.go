package session_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/redis/go-redis/v9"
	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
	"github.com/zhiyi-ai/zhiyi/session"
	"github.com/zhiyi-ai/zhiyi/session/sessiontest"
)

// openRedis returns a Redis store, closed when the test ends. Its timeout is 5 s unless cfg
// says otherwise: on a loaded 2-core CI machine a loopback call has been seen to stall past the
// 50 ms default, and these tests are about behaviour, not about how slow is too slow. A
// stopped server fails calls at once (connection refused), whatever the timeout.
func openRedis(t testing.TB, cfg session.RedisConfig) *session.Redis {
	t.Helper()
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	s, err := session.NewRedis(context.Background(), cfg)
	if err != nil {
		t.Fatalf("NewRedis: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// rawClient is a plain go-redis client, for looking at what the store wrote.
func rawClient(t testing.TB, srv *testsvc.Redis) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: srv.Addr})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestRedis(t *testing.T) {
	srv := testsvc.StartRedis(t)
	sessiontest.Run(t, func(t *testing.T) session.Store {
		return openRedis(t, session.RedisConfig{URL: srv.URL()})
	})
}

// TestRedisExpiry lets Redis's own clock expire a state saved with a 1 s TTL.
func TestRedisExpiry(t *testing.T) {
	srv := testsvc.StartRedis(t)
	s := openRedis(t, session.RedisConfig{URL: srv.URL(), TTL: time.Second})
	sessiontest.Expiry(t, s, time.Second, time.Sleep)
}

// TestRedisKeys checks what reaches Redis: the prefix and a hash, never the chat id, and the
// TTL on every key.
func TestRedisKeys(t *testing.T) {
	srv := testsvc.StartRedis(t)
	const ttl = 30 * time.Minute
	s := openRedis(t, session.RedisConfig{URL: srv.URL(), Prefix: "shop1:conv:", TTL: ttl})
	ctx := context.Background()
	if err := s.Save(ctx, "wecom:wmSECRETCHAT", sessiontest.Typical()); err != nil {
		t.Fatal(err)
	}
	c := rawClient(t, srv)
	keys, err := c.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || !regexp.MustCompile(`^shop1:conv:[0-9a-f]{32}$`).MatchString(keys[0]) {
		t.Fatalf("keys in Redis = %q, want one shop1:conv:<32 hex digits>", keys)
	}
	pttl, err := c.PTTL(ctx, keys[0]).Result()
	if err != nil {
		t.Fatal(err)
	}
	if pttl <= 0 || pttl > ttl {
		t.Errorf("PTTL = %v, want in (0, %v]", pttl, ttl)
	}
	val, _ := c.Get(ctx, keys[0]).Bytes()
	if bytes.Contains(val, []byte("SECRETCHAT")) {
		t.Error("the stored value contains the chat id")
	}
}

// TestRedisCorrupt checks that a value that does not decode is ErrCorrupt, counted, and not an
// outage; the next Save replaces it.
func TestRedisCorrupt(t *testing.T) {
	srv := testsvc.StartRedis(t)
	set := metrics.NewSet()
	s := openRedis(t, session.RedisConfig{URL: srv.URL(), Metrics: set})
	ctx := context.Background()
	if err := s.Save(ctx, "k", sessiontest.Typical()); err != nil {
		t.Fatal(err)
	}
	c := rawClient(t, srv)
	keys, _ := c.Keys(ctx, "*").Result()
	if len(keys) != 1 {
		t.Fatalf("keys = %q", keys)
	}
	c.Set(ctx, keys[0], "not a state", 0)
	if _, err := s.Load(ctx, "k"); !errors.Is(err, session.ErrCorrupt) || errors.Is(err, session.ErrUnavailable) {
		t.Fatalf("Load of a corrupt value: %v, want ErrCorrupt only", err)
	}
	checkMetric(t, set, "zhiyi_session_corrupt_total", 1)
	checkMetric(t, set, "zhiyi_session_redis_up", 1)
	if err := s.Save(ctx, "k", session.State{TurnCount: 3}); err != nil {
		t.Fatal(err)
	}
	if got := load(t, s, "k"); got != 3 {
		t.Errorf("after Save over the corrupt value: TurnCount %d, want 3", got)
	}
}

// TestRedisWrongType checks that a key of another kind under the prefix (a hash an operator or
// another program left there) is a corrupt state of that conversation, not an outage: its
// WRONGTYPE reply opened the circuit, so every conversation lost its context for a backoff
// whenever that one spoke, and its Save never came to overwrite the key.
func TestRedisWrongType(t *testing.T) {
	srv := testsvc.StartRedis(t)
	set := metrics.NewSet()
	s := openRedis(t, session.RedisConfig{URL: srv.URL(), Metrics: set})
	ctx := context.Background()
	if err := s.Save(ctx, "k", sessiontest.Typical()); err != nil {
		t.Fatal(err)
	}
	c := rawClient(t, srv)
	keys, _ := c.Keys(ctx, "*").Result()
	if len(keys) != 1 {
		t.Fatalf("keys = %q", keys)
	}
	c.Del(ctx, keys[0])
	c.HSet(ctx, keys[0], "turns", "1")
	for range 3 { // each a message of that conversation
		if _, err := s.Load(ctx, "k"); !errors.Is(err, session.ErrCorrupt) || errors.Is(err, session.ErrUnavailable) {
			t.Fatalf("Load of a hash: %v, want ErrCorrupt only", err)
		}
	}
	checkMetric(t, set, "zhiyi_session_corrupt_total", 3)
	checkMetric(t, set, "zhiyi_session_redis_up", 1)
	if _, err := s.Load(ctx, "other"); err != nil {
		t.Fatalf("another conversation's Load: %v", err)
	}
	if err := s.Save(ctx, "k", session.State{TurnCount: 3}); err != nil {
		t.Fatal(err)
	}
	if got := load(t, s, "k"); got != 3 {
		t.Errorf("after Save over the hash: TurnCount %d, want 3", got)
	}
}

// TestRedisTwoReplicas runs one conversation whose turns alternate between two stores (two
// replicas behind a load balancer) on one Redis: each sees what the other saved.
func TestRedisTwoReplicas(t *testing.T) {
	srv := testsvc.StartRedis(t)
	replicas := []*session.Redis{
		openRedis(t, session.RedisConfig{URL: srv.URL()}),
		openRedis(t, session.RedisConfig{URL: srv.URL()}),
	}
	ctx := context.Background()
	const key = "wecom:chat-42"
	for i := range 9 {
		s := replicas[i%2]
		st, err := s.Load(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if st.TurnCount != i {
			t.Fatalf("turn %d on replica %d: TurnCount %d, want %d", i, i%2, st.TurnCount, i)
		}
		if i > 0 && st.Last().MsgID != fmt.Sprint("m", i-1) {
			t.Fatalf("turn %d on replica %d: last turn %q, want m%d (saved by the other replica)", i, i%2, st.Last().MsgID, i-1)
		}
		st.Push(session.Turn{MsgID: fmt.Sprint("m", i), Intent: "invoice"}, 0)
		st.ActiveIntent = "invoice"
		if err := s.Save(ctx, key, st); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRedisOutage stops Redis under the store: Load and Save return ErrUnavailable, the first
// after one failed round trip and the rest at once, with one log line for the outage; when
// Redis is back, the store resumes by itself. The breaker's clock is injected, so the test
// waits for nothing.
func TestRedisOutage(t *testing.T) {
	srv := testsvc.StartRedis(t)
	clock := testsvc.NewClock(time.Unix(1_790_000_000, 0))
	set := metrics.NewSet()
	logs := &testsvc.Buffer{}
	s := openRedis(t, session.RedisConfig{
		URL: srv.URL(), Metrics: set, Now: clock.Now, Backoff: time.Second,
		Logger: slog.New(slog.NewTextHandler(logs, nil)),
	})
	ctx := context.Background()
	save(t, s, "k", 1)
	checkMetric(t, set, "zhiyi_session_redis_up", 1)

	srv.Stop()
	if _, err := s.Load(ctx, "k"); !errors.Is(err, session.ErrUnavailable) {
		t.Fatalf("Load with Redis stopped: %v, want ErrUnavailable", err)
	}
	checkMetric(t, set, `zhiyi_session_errors_total{op="load"}`, 1)
	checkMetric(t, set, "zhiyi_session_redis_up", 0)
	checkMetric(t, set, "zhiyi_session_redis_outages_total", 1)
	for range 10 {
		if _, err := s.Load(ctx, "k"); !errors.Is(err, session.ErrUnavailable) {
			t.Fatalf("Load while the circuit is open: %v, want ErrUnavailable", err)
		}
		if err := s.Save(ctx, "k", session.State{TurnCount: 2}); !errors.Is(err, session.ErrUnavailable) {
			t.Fatalf("Save while the circuit is open: %v, want ErrUnavailable", err)
		}
	}
	// No round trip while open: the calls were refused, not failed.
	checkMetric(t, set, `zhiyi_session_errors_total{op="load"}`, 1)
	checkMetric(t, set, `zhiyi_session_errors_total{op="save"}`, 0)
	checkMetric(t, set, `zhiyi_session_unavailable_total{op="load"}`, 10)
	checkMetric(t, set, `zhiyi_session_unavailable_total{op="save"}`, 10)

	// After the backoff one call probes; Redis is still down, so it fails, silently.
	clock.Advance(time.Second)
	if err := s.Save(ctx, "k", session.State{TurnCount: 2}); !errors.Is(err, session.ErrUnavailable) {
		t.Fatalf("probe with Redis stopped: %v, want ErrUnavailable", err)
	}
	checkMetric(t, set, `zhiyi_session_errors_total{op="save"}`, 1)
	checkMetric(t, set, "zhiyi_session_redis_outages_total", 1)

	srv.Start() // empty: the server keeps nothing across a restart
	var err error
	for range 20 { // each round: one probe; a stale connection may cost one
		clock.Advance(time.Second)
		if err = s.Save(ctx, "k", session.State{TurnCount: 3}); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("Save after Redis came back: %v", err)
	}
	if got := load(t, s, "k"); got != 3 {
		t.Errorf("Load after recovery: TurnCount %d, want 3 (the Save after recovery)", got)
	}
	checkMetric(t, set, "zhiyi_session_redis_up", 1)
	checkMetric(t, set, "zhiyi_session_redis_outages_total", 1)
	if n := strings.Count(logs.String(), "redis is down"); n != 1 {
		t.Errorf("%d 'down' log lines for one outage, want 1:\n%s", n, logs.String())
	}
	if n := strings.Count(logs.String(), "redis is back"); n != 1 {
		t.Errorf("%d 'back' log lines, want 1:\n%s", n, logs.String())
	}
	if strings.Count(logs.String(), "level=DEBUG") != 0 || strings.Count(logs.String(), "\n") != 2 {
		t.Errorf("log lines beyond down and back:\n%s", logs.String())
	}
}

// checkErrorKey checks that text-handler log lines name an error "error", as every other
// package's lines do (store, reply, alert, serve): the session's said "err", so a search for the
// error field found the replier's half of a Redis outage and not the store's.
func checkErrorKey(t *testing.T, logs string) {
	t.Helper()
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		if strings.Contains(line, " err=") || (strings.Contains(line, "level=WARN") && !strings.Contains(line, " error=")) {
			t.Errorf("want the error under the key error: %s", line)
		}
	}
}

// TestRedisDownAtStart checks that NewRedis does not fail when Redis is down, and that the
// store works once it is up.
func TestRedisDownAtStart(t *testing.T) {
	srv := testsvc.StartRedis(t)
	srv.Stop()
	clock := testsvc.NewClock(time.Unix(1_790_000_000, 0))
	logs := &testsvc.Buffer{}
	s := openRedis(t, session.RedisConfig{URL: srv.URL(), Now: clock.Now, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if strings.Count(logs.String(), "redis is down") != 1 {
		t.Errorf("no 'down' line at start:\n%s", logs.String())
	}
	checkErrorKey(t, logs.String())
	if _, err := s.Load(context.Background(), "k"); !errors.Is(err, session.ErrUnavailable) {
		t.Fatalf("Load: %v, want ErrUnavailable", err)
	}
	srv.Start()
	clock.Advance(session.DefaultBackoff)
	save(t, s, "k", 4)
	if got := load(t, s, "k"); got != 4 {
		t.Errorf("TurnCount %d, want 4", got)
	}
}

func TestNewRedisBadConfig(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"", "empty"},
		{"http://localhost:6379", "invalid URL scheme"},
		{"redis://localhost:6379/x", "invalid database number"},
		{"redis://localhost:6379/0?no_such_option=1", "unexpected option"},
		{"redis://user:hunter2@[::1:6379/0", "cannot parse"},
		{"127.0.0.1:6379", "write redis://host:port/db"},
		{":hunter2@127.0.0.1:6379", "write redis://host:port/db"},
	} {
		s, err := session.NewRedis(context.Background(), session.RedisConfig{URL: tc.url})
		if err == nil {
			s.Close()
			t.Errorf("NewRedis(%q): no error", tc.url)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("NewRedis(%q) error %q: want it to say %q, without the password", tc.url, err, tc.want)
		}
	}
}

// TestRedisUnresponsive freezes Redis (connections open, nothing answered): a call ends at the
// request's deadline, or at the store's timeout, with ErrUnavailable; after a few in a row the
// circuit opens (a store made meanwhile: at once), and closes again once Redis answers.
func TestRedisUnresponsive(t *testing.T) {
	srv := testsvc.StartRedis(t)
	clock := testsvc.NewClock(time.Unix(1_790_000_000, 0))
	set := metrics.NewSet()
	s := openRedis(t, session.RedisConfig{URL: srv.URL(), Now: clock.Now, Metrics: set})
	save(t, s, "k", 5)

	srv.Pause()
	var err error
	for i := range 3 { // one timeout is a slow answer; three in a row are an outage
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		_, err = s.Load(ctx, "k")
		cancel()
		if !errors.Is(err, session.ErrUnavailable) || !isTimeout(err) {
			t.Fatalf("Load past the request's deadline: %v, want ErrUnavailable from a timeout", err)
		}
		if i == 0 {
			checkMetric(t, set, "zhiyi_session_redis_up", 1)
		}
	}
	checkMetric(t, set, `zhiyi_session_errors_total{op="load"}`, 3)
	checkMetric(t, set, "zhiyi_session_redis_up", 0)

	// A store made while Redis is frozen: its PING times out after Timeout, it starts anyway.
	logs := &testsvc.Buffer{}
	s2 := openRedis(t, session.RedisConfig{URL: srv.URL(), Timeout: 100 * time.Millisecond, Now: clock.Now,
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if strings.Count(logs.String(), "redis is down") != 1 || strings.Count(logs.String(), "i/o timeout") != 1 {
		t.Errorf("want one 'down' line naming the timeout:\n%s", logs.String())
	}
	if _, err := s2.Load(context.Background(), "k"); !errors.Is(err, session.ErrUnavailable) {
		t.Errorf("Load on the store made while Redis was frozen: %v, want ErrUnavailable", err)
	}

	srv.Resume()
	for range 20 {
		clock.Advance(session.DefaultBackoff)
		if _, err = s.Load(context.Background(), "k"); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("Load after Redis answers again: %v", err)
	}
	if got := load(t, s, "k"); got != 5 {
		t.Errorf("TurnCount %d after the freeze, want 5", got)
	}
	checkMetric(t, set, "zhiyi_session_redis_up", 1)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// TestRedisMisconfigured: a Redis that answers with an error — a wrong password, a database it
// does not have — refuses NewRedis, saying what to check; one that cannot be reached does not
// (an outage: the store answers ErrUnavailable until it is back).
func TestRedisMisconfigured(t *testing.T) {
	srv := testsvc.StartRedis(t)
	if s, err := session.NewRedis(context.Background(), session.RedisConfig{URL: "redis://" + srv.Addr + "/99", Timeout: 5 * time.Second}); err == nil {
		_ = s.Close()
		t.Error("database 99: NewRedis succeeded")
	} else if !strings.Contains(err.Error(), "database number") || !strings.Contains(err.Error(), "DB index") {
		t.Errorf("database 99: %v", err)
	}
	if err := rawClient(t, srv).ConfigSet(context.Background(), "requirepass", "s3cret").Err(); err != nil {
		t.Fatal(err)
	}
	for _, url := range []string{srv.URL(), "redis://:wrong@" + srv.Addr + "/0"} {
		s, err := session.NewRedis(context.Background(), session.RedisConfig{URL: url, Timeout: 5 * time.Second})
		if err == nil {
			_ = s.Close()
			t.Errorf("%s against a password-protected Redis: NewRedis succeeded", url)
		} else if !strings.Contains(err.Error(), "password") || strings.Contains(err.Error(), "wrong@") {
			t.Errorf("%s: %v; want it to name the password and not repeat the URL", url, err)
		}
	}
	openRedis(t, session.RedisConfig{URL: "redis://:s3cret@" + srv.Addr + "/0"})
	srv.Stop()
	openRedis(t, session.RedisConfig{URL: "redis://:s3cret@" + srv.Addr + "/0", Timeout: 200 * time.Millisecond}) // down: an outage, not a refusal
}

// TestRedisBusyIsNoMisconfiguration: a Redis that answers LOADING (reading its data back after a
// restart) is an outage, not a reason to refuse start.
func TestRedisBusyIsNoMisconfiguration(t *testing.T) {
	s, err := session.NewRedis(context.Background(), session.RedisConfig{URL: loadingRedis(t), Timeout: 2 * time.Second})
	if err != nil {
		t.Fatalf("a loading Redis refused start: %v", err)
	}
	_ = s.Close()
}

// loadingRedis serves a Redis that answers every command LOADING, as one reading its data back
// after a restart does, until the test ends; it returns its URL.
func loadingRedis(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 4096)
				for {
					if _, err := c.Read(buf); err != nil {
						return
					}
					if _, err := c.Write([]byte("-LOADING Redis is loading the dataset in memory\r\n")); err != nil {
						return
					}
				}
			}()
		}
	}()
	return "redis://" + ln.Addr().String() + "/0"
}

// TestRedisBackWithoutTraffic: an idle replica sees Redis come back on its own (the gauge and
// the recovery line), not at its next message: an alert on zhiyi_session_redis_up would
// otherwise keep firing.
func TestRedisBackWithoutTraffic(t *testing.T) {
	srv := testsvc.StartRedis(t)
	set := metrics.NewSet()
	s := openRedis(t, session.RedisConfig{URL: srv.URL(), Metrics: set, Backoff: 50 * time.Millisecond, Timeout: time.Second})
	srv.Stop()
	if _, err := s.Load(context.Background(), "k"); !errors.Is(err, session.ErrUnavailable) {
		t.Fatalf("load with Redis stopped: %v", err)
	}
	checkMetric(t, set, "zhiyi_session_redis_up", 0)
	srv.Start()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var b strings.Builder
		set.WritePrometheus(&b)
		if strings.Contains(b.String(), "zhiyi_session_redis_up 1") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("zhiyi_session_redis_up never came back without traffic:\n%s", b.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRedisRefusesWrites: a Redis that reads but refuses writes — full under the default
// maxmemory-policy noeviction (OOM), or a read-only replica after a failover — fails the saves
// alone, logged once: conversations keep the context it holds, and the circuit stays closed.
// Before, one refused SET opened it for every Load, and a GET probe closed it again, once per
// Backoff: context and retries' replays lost, the outage logged every second.
func TestRedisRefusesWrites(t *testing.T) {
	for _, tc := range []struct {
		name   string
		refuse []any // the command that makes Redis refuse writes
		allow  []any // and the one that undoes it
	}{
		{"full", []any{"CONFIG", "SET", "maxmemory", "1"}, []any{"CONFIG", "SET", "maxmemory", "0"}},
		{"read-only replica", []any{"REPLICAOF", "127.0.0.1", "1"}, []any{"REPLICAOF", "NO", "ONE"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := testsvc.StartRedis(t)
			clock := testsvc.NewClock(time.Unix(1_790_000_000, 0))
			set := metrics.NewSet()
			logs := &testsvc.Buffer{}
			s := openRedis(t, session.RedisConfig{URL: srv.URL(), Metrics: set, Now: clock.Now, Backoff: time.Second,
				Logger: slog.New(slog.NewTextHandler(logs, nil))})
			ctx := context.Background()
			save(t, s, "k", 1)
			raw := rawClient(t, srv)
			if err := raw.Do(ctx, tc.refuse...).Err(); err != nil {
				t.Fatal(err)
			}
			for i := range 5 {
				if err := s.Save(ctx, "other", session.State{TurnCount: 1}); err == nil || errors.Is(err, session.ErrUnavailable) {
					t.Fatalf("save %d while Redis refuses writes: %v, want a refusal, not an outage", i, err)
				}
				if st, err := s.Load(ctx, "k"); err != nil || st.TurnCount != 1 {
					t.Fatalf("load %d while Redis refuses writes: %+v, %v; want the state it holds", i, st, err)
				}
				clock.Advance(time.Second)
			}
			checkMetric(t, set, "zhiyi_session_redis_outages_total", 0)
			checkMetric(t, set, "zhiyi_session_redis_up", 1)
			checkMetric(t, set, `zhiyi_session_errors_total{op="save"}`, 5)
			if err := raw.Do(ctx, tc.allow...).Err(); err != nil {
				t.Fatal(err)
			}
			save(t, s, "other", 2)
			out := logs.String()
			if strings.Count(out, "refuses to store") != 1 || strings.Count(out, "takes conversation state again") != 1 || strings.Contains(out, "is down") {
				t.Errorf("want one line when saves are refused and one when they are taken again, no outage:\n%s", out)
			}
			checkErrorKey(t, out)
		})
	}
}

// TestRedisKeyPermissions: a Redis user whose ACL keeps it off the store's prefix (NOPERM on
// every GET, while PING passes) refuses NewRedis, saying what to check; and when its
// permissions are taken away while it serves, the prober does not call Redis back on a PING
// that passes. Before, zhiyi started, and its log said "redis is down" and "redis is back"
// once a second each while no message had context.
func TestRedisKeyPermissions(t *testing.T) {
	srv := testsvc.StartRedis(t)
	ctx := context.Background()
	raw := rawClient(t, srv)
	if err := raw.Do(ctx, "ACL", "SETUSER", "zy", "on", ">zypw", "~other:*", "+@all").Err(); err != nil {
		t.Fatal(err)
	}
	url := "redis://zy:zypw@" + srv.Addr + "/0"
	if s, err := session.NewRedis(ctx, session.RedisConfig{URL: url, Timeout: 5 * time.Second}); err == nil {
		_ = s.Close()
		t.Error("a user kept off the prefix: NewRedis succeeded")
	} else if !strings.Contains(err.Error(), "NOPERM") || !strings.Contains(err.Error(), "prefix") || strings.Contains(err.Error(), "zypw") {
		t.Errorf("a user kept off the prefix: %v; want NOPERM and the prefix named, the password not", err)
	}

	if err := raw.Do(ctx, "ACL", "SETUSER", "zy", "~*").Err(); err != nil {
		t.Fatal(err)
	}
	set := metrics.NewSet()
	logs := &testsvc.Buffer{}
	s := openRedis(t, session.RedisConfig{URL: url, Metrics: set, Backoff: 20 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err := raw.Do(ctx, "ACL", "SETUSER", "zy", "resetkeys", "~other:*").Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(ctx, "k"); !errors.Is(err, session.ErrUnavailable) {
		t.Fatalf("load without the permission: %v", err)
	}
	time.Sleep(300 * time.Millisecond) // the prober's turns
	checkMetric(t, set, "zhiyi_session_redis_up", 0)
	if out := logs.String(); strings.Contains(out, "redis is back") {
		t.Errorf("Redis called back while every GET is refused:\n%s", out)
	}

	// The key the ping reads, of another kind (left by someone): Redis answered, it is up.
	if err := raw.HSet(ctx, session.DefaultPrefix+"ping", "a", "b").Err(); err != nil {
		t.Fatal(err)
	}
	set = metrics.NewSet()
	openRedis(t, session.RedisConfig{URL: srv.URL(), Metrics: set})
	checkMetric(t, set, "zhiyi_session_redis_up", 1)
}
