package serve

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/zhiyi-ai/zhiyi/store"
)

// TestUnknownPathListsRoutes: the 404 of an unknown path names the routes the server has: the
// admin ones only with an admin token, each optional part only when it is wired.
func TestUnknownPathListsRoutes(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(context.Background(), store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rec, err := store.NewRecorder(db, store.RecorderConfig{DataDir: dir, FlushInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	parent := func(string) (string, error) { return "", errors.New("no parent") }
	unmatched := func(context.Context, Engine, time.Time) (any, error) { return []string{}, nil }
	console := func(ctx *fasthttp.RequestCtx) {}
	base := []string{"POST /intent", "POST /intent/batch", "GET /healthz", "GET /readyz", "GET /metrics"}
	for _, tc := range []struct {
		name        string
		token       string
		opts        []Option
		want, avoid []string
	}{
		{"bare", "", nil, base, []string{"/feedback", "/admin", "/console"}},
		{"decision log", "", []Option{WithRecorder(rec, db.Hash)}, append(base, "POST /feedback"), []string{"/admin", "/console"}},
		{"parts without a token", "", []Option{WithRecorder(rec, db.Hash), WithRollback(parent), WithUnmatched(unmatched), WithConsole(console)},
			[]string{"POST /feedback"}, []string{"/admin", "/console"}},
		{"admin token only", "t", nil, append(base, "POST /admin/reload"), []string{"/feedback", "/admin/rollback", "/admin/unmatched", "/console"}},
		{"everything", "t", []Option{WithRecorder(rec, db.Hash), WithRollback(parent), WithUnmatched(unmatched), WithConsole(console)},
			append(base, "POST /feedback", "POST /admin/reload", "POST /admin/rollback", "GET /admin/unmatched", "/console"), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, Config{AdminToken: tc.token}, nil, slog.LevelInfo, tc.opts...)
			r := ts.do("GET", "/nope", "", nil)
			var e errorBody
			if r.status != 404 || json.Unmarshal(r.body, &e) != nil || e.Error == nil || e.Error.Code != CodeNotFound {
				t.Fatalf("GET /nope: %d %s", r.status, r.body)
			}
			for _, w := range tc.want {
				if !strings.Contains(e.Error.Message, w) {
					t.Errorf("%q does not name %s", e.Error.Message, w)
				}
			}
			for _, a := range tc.avoid {
				if strings.Contains(e.Error.Message, a) {
					t.Errorf("%q names %s, which this server does not have", e.Error.Message, a)
				}
			}
		})
	}
}
