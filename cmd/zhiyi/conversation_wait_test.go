package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/zhiyi-ai/zhiyi/serve"
	"github.com/zhiyi-ai/zhiyi/session"
)

// slowStore is a conversation store answering each call in 40 ms: a Redis under load, each call
// inside --redis-timeout (50 ms), so none fails and the breaker never opens.
type slowStore struct{ session.Store }

func (s slowStore) Load(ctx context.Context, key string) (session.State, error) {
	select {
	case <-time.After(40 * time.Millisecond):
	case <-ctx.Done():
		return session.State{}, ctx.Err()
	}
	return s.Store.Load(ctx, key)
}

func (s slowStore) Save(ctx context.Context, key string, st session.State) error {
	select {
	case <-time.After(40 * time.Millisecond):
	case <-ctx.Done():
		return ctx.Err()
	}
	return s.Store.Save(ctx, key, st)
}

// A burst in one group chat (one chat_id, many senders: one conversation) over a slow but
// working state store does not queue without bound: serve decides under a context that never
// ends, so the wait for the conversation has a bound of its own (conversationWait), past which
// a message is decided without its context and counted in zhiyi_conversation_busy_total.
func TestBusyGroupChatFallsBackToDecidingAlone(t *testing.T) {
	bundle, err := fixtureBundle()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := serve.Config{ModelDir: bundle}
	sf := serveFlags{redisTimeout: 50 * time.Millisecond, maxTurns: 6, escalateAfter: 2, repeatWindow: 10 * time.Minute, sessionTTL: time.Hour,
		storeFlags: storeFlags{dataDir: filepath.Join(t.TempDir(), "data")}, retain: "0"}
	w, err := wire(ctx, cfg, sf, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	w.sessions = slowStore{w.sessions}
	srv, err := w.newServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	w.started(ctx, srv)

	// 60 messages × a load and a save of 40 ms each: about 5 s in line without a bound
	const n = 60
	var wg sync.WaitGroup
	status := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var req fasthttp.Request
			req.Header.SetMethod("POST")
			req.SetRequestURI("/intent")
			req.Header.SetContentType("application/json")
			req.SetBodyString(fmt.Sprintf(`{"text":"发票怎么开","chat_id":"group-1","sender_id":"wm%d","msg_id":"m%d","channel":"wecom"}`, i, i))
			var rc fasthttp.RequestCtx
			rc.Init(&req, nil, nil)
			srv.Handler()(&rc)
			status[i] = rc.Response.StatusCode()
		}()
	}
	wg.Wait()
	for i, s := range status {
		if s != 200 {
			t.Errorf("message %d: status %d, want an answer", i, s)
		}
	}
	busy := ""
	for _, l := range strings.Split(handle(t, srv, "GET", "/metrics", ""), "\n") {
		if strings.HasPrefix(l, "zhiyi_conversation_busy_total ") {
			busy = strings.TrimPrefix(l, "zhiyi_conversation_busy_total ")
		}
	}
	if busy == "" || busy == "0" {
		t.Errorf("zhiyi_conversation_busy_total %q: every message waited its turn, however long the line (no bound on the wait)", busy)
	}
}
