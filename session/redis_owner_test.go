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
