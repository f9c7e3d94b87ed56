package serve

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/store"
)

// A compressed body is refused with 415 unsupported_encoding on every route that takes one,
// not read as JSON (the security review's gzip body got 400 invalid_utf8) and not inflated.
func TestContentEncoding(t *testing.T) {
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
	t.Cleanup(func() { rec.Close() })
	const token = "s3cret-token"
	ts := startServer(t, Config{AdminToken: token, AdminAttempts: 100}, nil, slog.LevelInfo,
		WithRecorder(rec, db.Hash), WithRollback(func(string) (string, error) { return "models/v2", nil }))

	gz := func(s string) string {
		var b bytes.Buffer
		w := gzip.NewWriter(&b)
		_, _ = w.Write([]byte(s))
		_ = w.Close()
		return b.String()
	}
	auth := "Bearer " + token
	routes := []struct{ path, body, auth string }{
		{"/intent", `{"text":"退货"}`, ""},
		{"/intent/batch", `{"messages":[{"text":"退货"}]}`, ""},
		{"/feedback", `{"msg_id":"x","rating":1}`, ""},
		{"/admin/reload", `{"model":"models/v2"}`, auth},
		{"/admin/rollback", `{}`, auth},
	}
	for _, rt := range routes {
		for _, tc := range []struct {
			encoding string
			gzipped  bool
		}{
			{"gzip", true},
			{"GZIP", true},
			{"x-gzip", true},
			{"identity, gzip", true},
			{"deflate", false},
			{"br", false},
		} {
			t.Run(rt.path+" "+tc.encoding, func(t *testing.T) {
				body := rt.body
				if tc.gzipped {
					body = gz(body)
				}
				hdr := map[string]string{"Content-Encoding": tc.encoding}
				if rt.auth != "" {
					hdr["Authorization"] = rt.auth
				}
				r := ts.do("POST", rt.path, body, hdr)
				var e errorBody
				if r.status != 415 || json.Unmarshal(r.body, &e) != nil || e.Error == nil || e.Error.Code != CodeUnsupportedEncoding {
					t.Fatalf("%d %s, want 415 %s", r.status, r.body, CodeUnsupportedEncoding)
				}
			})
		}
	}
	// identity, spelt out or left out, is the plain body it always was
	for _, enc := range []string{"identity", "Identity", ""} {
		hdr := map[string]string{}
		if enc != "" {
			hdr["Content-Encoding"] = enc
		}
		if r := ts.do("POST", "/intent", `{"text":"退货"}`, hdr); r.status != 200 {
			t.Errorf("Content-Encoding %q: %d %s", enc, r.status, r.body)
		}
	}
	// the admin routes answer 401 before they look at the body's encoding
	if r := ts.do("POST", "/admin/reload", gz(`{}`), map[string]string{"Content-Encoding": "gzip"}); r.status != 401 {
		t.Errorf("admin without a token: %d %s", r.status, r.body)
	}
}
