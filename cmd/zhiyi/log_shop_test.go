package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
	"github.com/zhiyi-ai/zhiyi/serve"
	"github.com/zhiyi-ai/zhiyi/store"
)

// Two shops of an agency given one PostgreSQL database (one ZHIYI_DB in both units) both served:
// shop C's decision on a msg_id shop A had logged was dropped as a duplicate, and its feedback
// went to shop A's message. The log is claimed for kb.yaml's shop: shop C's serve refuses to
// start on shop A's and says to give it a database of its own; on its own it records.
func TestServeShopsOnOneDatabase(t *testing.T) {
	shopA, err := fixtureBundle()
	if err != nil {
		t.Fatal(err)
	}
	shopC := secondShop(t, "测试二店", "二店：")
	dsn := testsvc.SharedPostgres(t).NewDatabase(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	flags := func(db string) serveFlags {
		return serveFlags{record: true, retain: "0", storeFlags: storeFlags{db: db, dataDir: filepath.Join(t.TempDir(), "data")}}
	}
	const msg = `{"text":"什么时候发货","msg_id":"m-1","sender_id":"wmSameCustomer","channel":"wecom"}`
	wA, srvA := startServing(t, ctx, flags(dsn), slog.New(slog.DiscardHandler), serve.Config{ModelDir: shopA})
	handle(t, srvA, fasthttp.MethodPost, "/intent", msg)
	w, err := wire(ctx, serve.Config{ModelDir: shopC}, flags(dsn), slog.New(slog.DiscardHandler))
	if err == nil {
		// started on shop A's log: its decision must be in it as its own
		srv, err := w.newServer(serve.Config{ModelDir: shopC})
		if err != nil {
			t.Fatal(err)
		}
		w.started(ctx, srv)
		handle(t, srv, fasthttp.MethodPost, "/intent", msg)
		w.close()
		wA.close()
		db, err := store.Open(ctx, store.Config{URL: dsn, Existing: true})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		d, err := db.Decision(ctx, "m-1")
		if err != nil {
			t.Fatal(err)
		}
		t.Fatalf("shop C served on shop A's decision log: both decided m-1 and the log holds one, %s's answer %s (the other shop's was lost)", d.Model, d.AnswerID)
	}
	wA.close()
	if !strings.Contains(err.Error(), "测试小铺") || !strings.Contains(err.Error(), "of its own") {
		t.Fatalf("shop C on shop A's log: %v; want a refusal naming shop A", err)
	}
	// shop C on a database of its own records its decisions, and shop A restarts on its own
	wC, srvC := startServing(t, ctx, flags(testsvc.SharedPostgres(t).NewDatabase(t)), slog.New(slog.DiscardHandler), serve.Config{ModelDir: shopC})
	defer wC.close()
	handle(t, srvC, fasthttp.MethodPost, "/intent", msg)
	wA2, _ := startServing(t, ctx, flags(dsn), slog.New(slog.DiscardHandler), serve.Config{ModelDir: shopA})
	wA2.close()
}
