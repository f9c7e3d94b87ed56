package session_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
	"github.com/zhiyi-ai/zhiyi/session"
)

// Two replicas push turns onto one conversation at the same moment, each loading it held and
// saving it released: every turn is kept. With Load and Save alone, the later save of two that
// loaded the same state wins and a turn is lost.
func TestRedisHoldKeepsEveryTurn(t *testing.T) {
	srv := testsvc.StartRedis(t)
	replicas := []*session.Redis{
		openRedis(t, session.RedisConfig{URL: srv.URL()}),
		openRedis(t, session.RedisConfig{URL: srv.URL()}),
	}
	const key, each = "wecom:chat-held", 40
	var wg sync.WaitGroup
	for r, s := range replicas {
		for g := range 2 {
			wg.Go(func() {
				for i := range each {
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					st, h, err := s.LoadHeld(ctx, key, 5*time.Second)
					if err != nil || !h.Held() {
						t.Errorf("LoadHeld: %v, held %v", err, h.Held())
						cancel()
						return
					}
					st.Push(session.Turn{MsgID: fmt.Sprint(r, g, "-", i)}, 1000)
					if err := s.SaveReleased(ctx, key, st, h); err != nil {
						t.Error(err)
					}
					cancel()
				}
			})
		}
	}
	wg.Wait()
	st, err := replicas[0].Load(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	if want := 2 * 2 * each; st.TurnCount != want || len(st.Turns) != want {
		t.Errorf("%d turns counted, %d kept; want %d", st.TurnCount, len(st.Turns), want)
	}
	if n, err := rawClient(t, srv).Keys(context.Background(), "zhiyi:conv:*:held").Result(); err != nil || len(n) != 0 {
		t.Errorf("holds left: %v %v", n, err)
	}
}

// A conversation another replica holds is waited for until the context ends (ErrHeld), and
// loaded once that replica saves or releases it; a hold whose replica died ends with its lease.
func TestRedisHoldWaits(t *testing.T) {
	srv := testsvc.StartRedis(t)
	a := openRedis(t, session.RedisConfig{URL: srv.URL()})
	b := openRedis(t, session.RedisConfig{URL: srv.URL()})
	ctx := context.Background()
	const key = "kf:wk1:wm-held"
	_, ha, err := a.LoadHeld(ctx, key, time.Minute)
	if err != nil || !ha.Held() {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if _, _, err := b.LoadHeld(short, key, time.Minute); !errors.Is(err, session.ErrHeld) {
		t.Fatalf("LoadHeld of a held conversation: %v, want ErrHeld", err)
	}
	var st session.State
	st.Push(session.Turn{MsgID: "m1", Intent: "invoice"}, 0)
	go func() {
		time.Sleep(30 * time.Millisecond)
		if err := a.SaveReleased(ctx, key, st, ha); err != nil {
			t.Error(err)
		}
	}()
	got, hb, err := b.LoadHeld(ctx, key, 200*time.Millisecond)
	if err != nil || got.TurnCount != 1 || got.Last().MsgID != "m1" {
		t.Fatalf("after the other replica's save: %+v, %v", got, err)
	}
	// b dies holding it: a waits for the lease, not for ever
	start := time.Now()
	if _, hc, err := a.LoadHeld(ctx, key, time.Minute); err != nil || !hc.Held() {
		t.Fatalf("after the lease: %v", err)
	} else {
		a.Release(ctx, key, hc)
	}
	if waited := time.Since(start); waited < 100*time.Millisecond {
		t.Errorf("loaded %v after a hold of 200 ms was taken", waited)
	}
	// a release by a hold that lost its lease releases nothing of the next holder's
	_, hd, _ := a.LoadHeld(ctx, key, time.Minute)
	b.Release(ctx, key, hb)
	short, cancel = context.WithTimeout(ctx, time.Second)
	defer cancel()
	if _, _, err := b.LoadHeld(short, key, time.Minute); !errors.Is(err, session.ErrHeld) {
		t.Errorf("a stale hold's release freed the conversation: %v", err)
	}
	a.Release(ctx, key, hd)
}

// A LoadHeld whose answer never came (Redis stalled past the timeout) may still take the hold
// when Redis wakes and runs the script, a hold no caller has and nobody releases. The store's
// next LoadHeld of that conversation takes it over instead of waiting out its lease as for
// another replica's (each of the conversation's messages waited, then was decided without
// context and not kept); another replica still waits for it.
func TestRedisHoldOrphanedByTimeout(t *testing.T) {
	srv := testsvc.StartRedis(t)
	a := openRedis(t, session.RedisConfig{URL: srv.URL(), Timeout: 50 * time.Millisecond})
	b := openRedis(t, session.RedisConfig{URL: srv.URL()})
	raw := rawClient(t, srv)
	ctx := context.Background()
	const key = "wecom:chat-stalled"
	if _, h, err := a.LoadHeld(ctx, "wecom:another", time.Minute); err != nil { // Redis knows the script
		t.Fatal(err)
	} else {
		a.Release(ctx, "wecom:another", h)
	}
	srv.Pause()
	for range 2 { // the conversation's next message tries again, and times out again
		if _, h, err := a.LoadHeld(ctx, key, time.Minute); err == nil || h.Held() {
			srv.Resume()
			t.Fatalf("LoadHeld of a stalled Redis: %v, held %v; want an error", err, h.Held())
		}
	}
	srv.Resume()
	var held []string
	for range 100 { // Redis runs the script it read before the call gave up
		if held, _ = raw.Keys(ctx, "zhiyi:conv:*:held").Result(); len(held) > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if len(held) != 1 {
		t.Skipf("Redis did not run the timed-out script (holds %v): nothing to take over", held)
	}
	short, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	if _, _, err := b.LoadHeld(short, key, time.Minute); !errors.Is(err, session.ErrHeld) {
		t.Errorf("another replica's LoadHeld: %v, want ErrHeld", err)
	}
	short, cancel = context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	_, h, err := a.LoadHeld(short, key, time.Minute)
	if err != nil || !h.Held() {
		t.Fatalf("the store's own orphaned hold was waited for: %v", err)
	}
	if err := a.SaveReleased(ctx, key, session.State{}, h); err != nil {
		t.Fatal(err)
	}
	if n, _ := raw.Exists(ctx, held[0]).Result(); n != 0 {
		t.Errorf("the hold is left after its save")
	}
}

// A user whose ACL lets it GET and SET the prefix's keys but not run scripts loads without a
// hold, as a Redis refusing writes does, and says so once: two replicas deciding one of its
// conversations at once may lose a turn. It went unsaid — no line, no count — while the
// replicas lost turns.
func TestRedisHoldRefusedByACL(t *testing.T) {
	srv := testsvc.StartRedis(t)
	ctx := context.Background()
	raw := rawClient(t, srv)
	if err := raw.Do(ctx, "ACL", "SETUSER", "zy", "on", ">zypw", "~zhiyi:*", "+@all", "-@scripting").Err(); err != nil {
		t.Fatal(err)
	}
	logs := &testsvc.Buffer{}
	s := openRedis(t, session.RedisConfig{URL: "redis://zy:zypw@" + srv.Addr + "/0", Logger: slog.New(slog.NewTextHandler(logs, nil))})
	var st session.State
	st.Push(session.Turn{MsgID: "m1"}, 0)
	if err := s.Save(ctx, "wecom:acl", st); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		got, h, err := s.LoadHeld(ctx, "wecom:acl", time.Minute)
		if err != nil || h.Held() || got.TurnCount != 1 {
			t.Fatalf("LoadHeld without scripts: %+v, held %v, %v; want the state, no hold", got, h.Held(), err)
		}
	}
	if out := logs.String(); strings.Count(out, "level=WARN") != 1 || !strings.Contains(out, "EVALSHA") {
		t.Errorf("want one warning naming what the ACL lacks:\n%s", out)
	}
	checkErrorKey(t, logs.String())
}

// A Redis reading its data back after a restart answers LOADING to the hold's script as to a
// GET: an outage, said once, as Load says it. The script's error reply closed the circuit as
// an answer ('redis is back', the gauge 1) before the GET that followed opened it again ('redis
// is down'), two lines and an outage counted at every probe for as long as Redis loaded.
func TestRedisHoldWhileLoading(t *testing.T) {
	logs := &testsvc.Buffer{}
	s := openRedis(t, session.RedisConfig{URL: loadingRedis(t), Backoff: 10 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
	for range 10 {
		if _, _, err := s.LoadHeld(context.Background(), "wecom:loading", time.Minute); !errors.Is(err, session.ErrUnavailable) {
			t.Fatalf("LoadHeld of a loading Redis: %v, want ErrUnavailable", err)
		}
		time.Sleep(15 * time.Millisecond) // past the backoff: the next call probes
	}
	if out := logs.String(); strings.Count(out, "redis is down") != 1 || strings.Contains(out, "redis is back") {
		t.Errorf("want one line saying Redis is down, none that it is back:\n%s", out)
	}
}
