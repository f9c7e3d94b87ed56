package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/valyala/fasthttp"

	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
	"github.com/zhiyi-ai/zhiyi/serve"
	"github.com/zhiyi-ai/zhiyi/session"
)

const unkeyedWarning = "conversation ids in Redis are hashed without a key"

// zhiyi serve with Redis and no --hash-key warns once at start that conversation ids in Redis are
// unkeyed; with a key, or with conversations in process, it does not. A short key is said.
func TestServeWarnsUnkeyedRedis(t *testing.T) {
	rd := testsvc.StartRedis(t)
	ctx := context.Background()
	start := func(sf serveFlags) string {
		t.Helper()
		var logged testsvc.Buffer
		sf.redisTimeout = 5 * time.Second // a loaded machine must not make Redis look down
		w, err := wire(ctx, serve.Config{}, sf, slog.New(slog.NewTextHandler(&logged, nil)))
		if err != nil {
			t.Fatal(err)
		}
		w.close()
		return logged.String()
	}
	logs := start(serveFlags{redis: rd.URL()})
	if n := strings.Count(logs, unkeyedWarning); n != 1 || !strings.Contains(logs, "level=WARN") || !strings.Contains(logs, "--hash-key") || !strings.Contains(logs, "ZHIYI_HASH_KEY") {
		t.Errorf("serve with Redis and no key logged the warning %d times, want once naming --hash-key and ZHIYI_HASH_KEY:\n%s", n, logs)
	}
	if logs := start(serveFlags{redis: rd.URL(), storeFlags: storeFlags{hashKey: "a key of 16 bytes or more"}}); logs != "" {
		t.Errorf("serve with Redis and a key logged:\n%s", logs)
	}
	if logs := start(serveFlags{}); strings.Contains(logs, unkeyedWarning) {
		t.Errorf("serve with conversations in process warned of Redis:\n%s", logs)
	}
	if logs := start(serveFlags{redis: rd.URL(), storeFlags: storeFlags{hashKey: "short"}}); strings.Count(logs, "the hash key is short") != 1 || strings.Contains(logs, unkeyedWarning) {
		t.Errorf("serve with a 5-byte key logged:\n%s", logs)
	}
}

// zhiyi serve --hash-key keys what it keeps in Redis: a message's conversation is not under the
// unkeyed hash of its key, and its turn keeps no unkeyed hash of its msg_id; a retry is still
// replayed. Without the key both are the unkeyed hashes, as before.
func TestServeHashKeyKeysRedis(t *testing.T) {
	bundle, err := fixtureBundle()
	if err != nil {
		t.Fatal(err)
	}
	rd := testsvc.StartRedis(t)
	c := redis.NewClient(&redis.Options{Addr: rd.Addr})
	defer c.Close()
	unkeyed := func(id string) string {
		sum := sha256.Sum256([]byte(id))
		return hex.EncodeToString(sum[:16])
	}
	convName := session.DefaultPrefix + unkeyed("wecom\x00s\x0013812345678")
	msgHash := unkeyed("7301234567890123456")
	for _, key := range []string{"the replicas' own key", ""} {
		ctx, cancel := context.WithCancel(context.Background())
		sf := serveFlags{redis: rd.URL(), redisTimeout: 5 * time.Second, storeFlags: storeFlags{hashKey: key}}
		w, srv := startServing(t, ctx, sf, slog.New(slog.DiscardHandler), serve.Config{ModelDir: bundle})
		const msg = `{"text":"什么时候发货","msg_id":"7301234567890123456","sender_id":"13812345678","channel":"wecom"}`
		first := handle(t, srv, fasthttp.MethodPost, "/intent", msg)
		if again := handle(t, srv, fasthttp.MethodPost, "/intent", msg); again != first {
			t.Errorf("key %q: a retry got %s, want the first bytes %s", key, again, first)
		}
		w.close()
		cancel()
		names, err := c.Keys(context.Background(), session.DefaultPrefix+"*").Result()
		names = slices.DeleteFunc(names, func(n string) bool { return n == session.DefaultPrefix+session.OwnerKey }) // the shop's claim
		if err != nil || len(names) != 1 {
			t.Fatalf("key %q: Redis keys %q, %v; want the conversation's", key, names, err)
		}
		val, err := c.Get(context.Background(), names[0]).Result()
		if err != nil {
			t.Fatal(err)
		}
		if byName, byMsg := names[0] == convName, strings.Contains(val, msgHash); byName != (key == "") || byMsg != (key == "") {
			t.Errorf("key %q: the conversation under %s (unkeyed: %s), its msg_id's unkeyed hash kept: %v; want unkeyed hashes only without a key",
				key, names[0], convName, byMsg)
		}
		if err := c.FlushDB(context.Background()).Err(); err != nil {
			t.Fatal(err)
		}
	}
}
