package session_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
	"github.com/zhiyi-ai/zhiyi/session"
)

// TestRedisPrefixOwner: a prefix is claimed by the first owner to open it; the same owner (its
// other replicas, a restart) opens it again, another owner is refused with ErrPrefixTaken and
// opens a prefix of its own, and a store without an owner claims nothing.
func TestRedisPrefixOwner(t *testing.T) {
	srv := testsvc.StartRedis(t)
	openRedis(t, session.RedisConfig{URL: srv.URL(), Owner: "衣橱小铺"})
	openRedis(t, session.RedisConfig{URL: srv.URL(), Owner: "衣橱小铺"})
	openRedis(t, session.RedisConfig{URL: srv.URL()})
	s, err := session.NewRedis(context.Background(), session.RedisConfig{URL: srv.URL(), Owner: "速联宽带", Timeout: 5 * time.Second})
	if !errors.Is(err, session.ErrPrefixTaken) {
		if s != nil {
			s.Close()
		}
		t.Fatalf("another shop on the claimed prefix: %v, want ErrPrefixTaken", err)
	}
	openRedis(t, session.RedisConfig{URL: srv.URL(), Owner: "速联宽带", Prefix: "zhiyi:b:conv:"})
	c := rawClient(t, srv)
	for prefix, want := range map[string]string{session.DefaultPrefix: "衣橱小铺", "zhiyi:b:conv:": "速联宽带"} {
		if got, err := c.Get(context.Background(), prefix+session.OwnerKey).Result(); err != nil || got != want {
			t.Errorf("%s%s = %q, %v; want %q", prefix, session.OwnerKey, got, err, want)
		}
	}
}

// TestRedisPrefixOwnerClaimedOnceUp: a shop started while Redis was down (an outage at start is
// served through) claimed nothing, and took another shop's conversations once Redis was back.
// It keeps none until its claim is made: then, on its own prefix, it keeps them; on another
// shop's, never.
func TestRedisPrefixOwnerClaimedOnceUp(t *testing.T) {
	srv := testsvc.StartRedis(t)
	openRedis(t, session.RedisConfig{URL: srv.URL(), Owner: "衣橱小铺"})
	srv.Pause() // down: calls time out (kept data, unlike a restart without persistence)
	open := func(owner, prefix string) *session.Redis {
		s, err := session.NewRedis(context.Background(), session.RedisConfig{URL: srv.URL(), Owner: owner, Prefix: prefix,
			Timeout: 200 * time.Millisecond, Backoff: 50 * time.Millisecond})
		if err != nil {
			t.Fatalf("%s started while Redis was down: %v", owner, err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	other, own := open("衣橱小铺二店", ""), open("衣橱小铺二店", "zhiyi:c:conv:")
	srv.Resume()
	ctx := context.Background()
	st := session.State{ActiveIntent: "return_goods"}
	// on its own prefix it keeps conversations once the claim is made (a hang guard bounds it)
	for deadline := time.Now().Add(30 * time.Second); own.Save(ctx, "wecom\x00s\x00wm1", st) != nil; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the store on its own prefix never kept a conversation after Redis came back")
		}
	}
	// on the other shop's it never does: its saves and loads fail, the shop's own states stay
	// unread (a shop A conversation saved meanwhile is not seen)
	a := openRedis(t, session.RedisConfig{URL: srv.URL(), Owner: "衣橱小铺"})
	if err := a.Save(ctx, "wecom\x00s\x00wm1", session.State{ActiveIntent: "invoice"}); err != nil {
		t.Fatal(err)
	}
	if err := other.Save(ctx, "wecom\x00s\x00wm1", st); !errors.Is(err, session.ErrUnclaimed) {
		t.Errorf("a save on another shop's prefix: %v, want ErrUnclaimed", err)
	}
	if got, err := other.Load(ctx, "wecom\x00s\x00wm1"); !errors.Is(err, session.ErrUnclaimed) || got.ActiveIntent != "" {
		t.Errorf("a load on another shop's prefix: %+v, %v; want nothing, ErrUnclaimed", got, err)
	}
	if got, err := a.Load(ctx, "wecom\x00s\x00wm1"); err != nil || got.ActiveIntent != "invoice" {
		t.Errorf("shop A's own conversation: %+v, %v", got, err)
	}
}
