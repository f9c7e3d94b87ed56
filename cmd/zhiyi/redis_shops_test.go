package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/zhiyi-ai/zhiyi/internal/shoptest"
	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
	"github.com/zhiyi-ai/zhiyi/serve"
	"github.com/zhiyi-ai/zhiyi/train"
)

// secondShop trains a copy of the fixture shop under another name whose answers differ (an
// agency's shop C, a copy of shop A): kb.yaml's shop is name and every answer starts with mark.
func secondShop(t *testing.T, name, mark string) string {
	t.Helper()
	tiny := filepath.Join(shoptest.Path(), "..", "..", "intent", "testdata", "shop")
	kb, err := os.ReadFile(filepath.Join(tiny, "kb.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(kb), "shop: 测试小铺", "shop: "+name, 1)
	text = strings.ReplaceAll(text, "text: ", "text: "+mark)
	if text == string(kb) || !strings.Contains(text, mark) {
		t.Fatal("the fixture's kb.yaml changed: update secondShop")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "kb.yaml"), []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := train.DefaultConfig()
	cfg.Data = []string{filepath.Join(tiny, "data.jsonl")}
	cfg.KB = filepath.Join(dir, "kb.yaml")
	cfg.DictDir = filepath.Join(tiny, "dict")
	cfg.Out = filepath.Join(dir, "shop-c")
	cfg.DevDays = 7
	cfg.Progress = io.Discard
	if _, err := train.Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	return cfg.Out
}

// Two shops of an agency on one Redis, each with the default --redis-prefix and no --hash-key
// (the docs ask for a key only of replicas): a customer id and a msg_id the same in both — a
// gateway numbering its messages, one WeCom user writing to two shops of one corp — were one
// conversation, and shop C's customer got shop A's answer, replayed as a retry of A's message.
// The prefix is claimed for the shop (kb.yaml's shop:): the second shop's serve refuses to start
// on it and says to give it a prefix of its own, on which the two share nothing.
func TestServeShopsOnOneRedisShareNoConversation(t *testing.T) {
	shopA, err := fixtureBundle()
	if err != nil {
		t.Fatal(err)
	}
	shopC := secondShop(t, "测试二店", "二店：")
	rd := testsvc.StartRedis(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const msg = `{"text":"什么时候发货","msg_id":"m-1","sender_id":"wmSameCustomer","channel":"wecom"}`
	flags := func(prefix string) serveFlags {
		return serveFlags{redis: rd.URL(), redisPrefix: prefix, redisTimeout: 5 * time.Second, storeFlags: storeFlags{dataDir: t.TempDir()}}
	}
	_, srvA := serveWired(t, ctx, serve.Config{ModelDir: shopA}, flags(""), slog.New(slog.DiscardHandler))
	answerA := handle(t, srvA, fasthttp.MethodPost, "/intent", msg)
	if strings.Contains(answerA, "二店：") {
		t.Fatalf("shop A answered with shop C's words: %s", answerA)
	}
	w, err := wire(ctx, serve.Config{ModelDir: shopC}, flags(""), slog.New(slog.DiscardHandler))
	if err == nil {
		// started on shop A's prefix: whatever it answers must be its own
		t.Cleanup(w.close)
		srv, err := w.newServer(serve.Config{ModelDir: shopC})
		if err != nil {
			t.Fatal(err)
		}
		w.started(ctx, srv)
		if answerC := handle(t, srv, fasthttp.MethodPost, "/intent", msg); answerC == answerA || !strings.Contains(answerC, "二店：") {
			t.Fatalf("shop C, on shop A's Redis prefix, answered its customer with shop A's answer:\nA: %s\nC: %s", answerA, answerC)
		}
	} else if !strings.Contains(err.Error(), "测试小铺") || !strings.Contains(err.Error(), "--redis-prefix") {
		t.Fatalf("shop C on shop A's prefix: %v; want a refusal naming shop A and --redis-prefix", err)
	}
	// on a prefix of its own, shop C answers its customer with its own answer
	_, srvC := serveWired(t, ctx, serve.Config{ModelDir: shopC}, flags("zhiyi:c:conv:"), slog.New(slog.DiscardHandler))
	if answerC := handle(t, srvC, fasthttp.MethodPost, "/intent", msg); answerC == answerA || !strings.Contains(answerC, "二店：") {
		t.Errorf("shop C on its own prefix: %s", answerC)
	}
	// and shop A's replicas (the same shop) still start on theirs
	serveWired(t, ctx, serve.Config{ModelDir: shopA}, flags(""), slog.New(slog.DiscardHandler))
}

// An agency keeps every shop's bundles in one models directory, the --models-root of each serve:
// shop A's console (模型) or /admin/reload loaded shop C's bundle, and shop A's customers got
// shop C's answers, recorded in shop A's log as shop A's decisions. A reload of another shop's
// bundle is refused; shop A serves on.
func TestServeReloadRefusesAnotherShopsBundle(t *testing.T) {
	shopA, err := fixtureBundle()
	if err != nil {
		t.Fatal(err)
	}
	shopC := secondShop(t, "测试二店", "二店：")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := serve.Config{ModelDir: shopA, ModelsRoot: os.TempDir()}
	_, srv := serveWired(t, ctx, cfg, serveFlags{storeFlags: storeFlags{dataDir: t.TempDir()}}, slog.New(slog.DiscardHandler))
	err = srv.Reload(ctx, shopC)
	answer := handle(t, srv, fasthttp.MethodPost, "/intent", `{"text":"什么时候发货"}`)
	if strings.Contains(answer, "二店：") {
		t.Fatalf("shop A reloaded shop C's bundle (%v) and answers with its words: %s", err, answer)
	}
	if err == nil || !strings.Contains(err.Error(), "测试二店") {
		t.Errorf("reload of another shop's bundle: %v; want it refused naming the shop", err)
	}
	// its own bundle reloads
	if err := srv.Reload(ctx, shopA); err != nil {
		t.Errorf("reload of its own bundle: %v", err)
	}
}
