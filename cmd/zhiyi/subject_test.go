package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/serve"
	"github.com/zhiyi-ai/zhiyi/store"
)

// zhiyi records prints a customer's decisions with their feedback; zhiyi forget deletes them,
// their feedback and labels from the log, the id read from stdin and shown masked; the other
// customers' stay.
func TestForget(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ds := []store.Decision{
		{MsgID: "a1", Time: now, SenderHash: db.Hash("13800138000"), Text: "我要开发票", Intent: "invoice"},
		{MsgID: "a2", Time: now, SenderHash: db.Hash("13800138000"), Text: "地址改一下", Intent: "change_address"},
		{MsgID: "b1", Time: now, SenderHash: db.Hash("wm-other"), Text: "发货了吗", Intent: "shipping_time"},
	}
	if _, err := db.AppendDecisions(ctx, ds); err != nil {
		t.Fatal(err)
	}
	if err := db.AddFeedback(ctx, store.Feedback{MsgID: "a1", Rating: 1}); err != nil {
		t.Fatal(err)
	}
	if err := db.AddLabels(ctx, []store.Label{{Key: "a2", Text: "地址改一下", Intent: "change_address"}}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	// what is held, first: the customer's two decisions, oldest first, with the feedback
	// (the id as pasted, with a space: as a line of stdin, it is trimmed)
	code, stdout, stderr := runCLI(t, "", "records", "--data-dir", dir, "--sender", " 13800138000 ")
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if code != 0 || len(lines) != 2 || !strings.Contains(lines[0], `"msg_id":"a1"`) || !strings.Contains(lines[0], `"rating":1`) ||
		!strings.Contains(lines[1], `"text":"地址改一下"`) || strings.Contains(stdout, `"msg_id":"b1"`) {
		t.Fatalf("records: exit %d\n%s%s\nwant a1 with its rating, then a2, and not the other customer's", code, stdout, stderr)
	}
	code, stdout, stderr = runCLI(t, "13800138000\n", "forget", "--data-dir", dir, "--sender", "-")
	if code != 0 || !strings.Contains(stdout, "deleted 2 decisions, 1 feedback, 1 labels") || strings.Contains(stdout+stderr, "13800138000") {
		t.Fatalf("forget: exit %d\n%s%s\nwant 2 decisions, 1 feedback, 1 label deleted and the id masked", code, stdout, stderr)
	}
	db, err = store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var left []string
	if err := db.Decisions(ctx, store.Query{}, func(d *store.Decision) error { left = append(left, d.MsgID); return nil }); err != nil {
		t.Fatal(err)
	}
	if strings.Join(left, ",") != "b1" {
		t.Errorf("decisions left: %v, want b1", left)
	}
	if code, _, stderr := runCLI(t, "", "forget", "--data-dir", dir); code != 2 || !strings.Contains(stderr, "--sender or --chat is required") {
		t.Errorf("forget without an id: exit %d, %s", code, stderr)
	}
}

// serve hashes an id as the gateway sent it, spaces and all: zhiyi records and forget given that
// id find it (a pasted id's spaces are not dropped before hashing), and records --chat ' ' shows
// the conversations of the ' ' ids older builds took (docs/operations.md, Upgrading).
func TestRecordsSpacedIDs(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	ds := []store.Decision{
		{MsgID: "s1", Time: time.Now(), SenderHash: db.Hash(" 13800138000"), Text: "我要开发票", Intent: "invoice"},
		{MsgID: "b1", Time: time.Now(), SenderHash: db.Hash("wm-other"), ChatHash: db.Hash(" "), Text: "发货了吗", Intent: "shipping_time"},
	}
	if _, err := db.AppendDecisions(ctx, ds); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if code, stdout, stderr := runCLI(t, "", "records", "--data-dir", dir, "--chat", " "); code != 0 || !strings.Contains(stdout, `"msg_id":"b1"`) || strings.Contains(stdout, `"msg_id":"s1"`) {
		t.Errorf("records --chat ' ': exit %d\n%s%s\nwant b1 alone", code, stdout, stderr)
	}
	if code, stdout, stderr := runCLI(t, " 13800138000\n", "forget", "--data-dir", dir, "--sender", "-"); code != 0 || !strings.Contains(stdout, "deleted 1 decisions") {
		t.Errorf("forget of ' 13800138000': exit %d\n%s%s\nwant its decision deleted", code, stdout, stderr)
	}
	if code, _, stderr := runCLI(t, " \n", "forget", "--data-dir", dir, "--sender", "-"); code != 1 || !strings.Contains(stderr, "empty") {
		t.Errorf("a line of white space on stdin: exit %d, %s; want it refused as empty", code, stderr)
	}
}

// POST /admin/forget deletes a customer's records, those still queued when it comes too: a
// customer who asks right after their last message leaves nothing behind. Without a subject it
// is a 400, without the token a 401.
func TestServeForget(t *testing.T) {
	bundle, err := fixtureBundle()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := serve.Config{ModelDir: bundle, AdminToken: "tok"}
	sf := serveFlags{record: true, storeFlags: storeFlags{dataDir: filepath.Join(t.TempDir(), "data")}, retain: "0"}
	w, srv := serveWired(t, ctx, cfg, sf, slog.New(slog.DiscardHandler))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	defer func() { cancel(); <-done }()
	base := "http://" + ln.Addr().String()
	post := func(path, token, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	for _, m := range []struct{ sender, text string }{{"wm-zhang", "我要开发票"}, {"wm-other", "发货了吗"}, {"wm-zhang", "地址写错了"}} {
		if code, body := post("/intent", "", `{"text":"`+m.text+`","sender_id":"`+m.sender+`"}`); code != http.StatusOK {
			t.Fatalf("/intent: %d %s", code, body)
		}
	}
	if code, body := post("/admin/forget", "", `{"sender_id":"wm-zhang"}`); code != http.StatusUnauthorized {
		t.Errorf("without the token: %d %s", code, body)
	}
	if code, body := post("/admin/forget", "tok", `{"sender_id":"  ","chat_id":"\t"}`); code != http.StatusBadRequest || !strings.Contains(body, "sender_id or chat_id") {
		t.Errorf("ids of white space alone: %d %s, want 400: they name nobody", code, body)
	}
	if code, body := post("/admin/forget", "tok", `{}`); code != http.StatusBadRequest || !strings.Contains(body, "sender_id or chat_id") {
		t.Errorf("without a subject: %d %s", code, body)
	}
	code, body := post("/admin/forget", "tok", `{"sender_id":"wm-zhang"}`)
	var got struct {
		Status    string
		Decisions int64
	}
	if err := json.Unmarshal([]byte(body), &got); code != http.StatusOK || err != nil || got.Status != "forgotten" || got.Decisions != 2 {
		t.Fatalf("forget: %d %s; want both of wm-zhang's decisions deleted", code, body)
	}
	var left []string
	if err := w.db.Decisions(ctx, store.Query{}, func(d *store.Decision) error { left = append(left, d.Text); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(left) != 1 || left[0] != "发货了吗" {
		t.Errorf("decisions left: %q, want the other customer's", left)
	}
	// an id the gateway sent with spaces is stored so, and forgotten by that id
	if code, body := post("/intent", "", `{"text":"我要开发票","sender_id":" wm-li "}`); code != http.StatusOK {
		t.Fatalf("/intent: %d %s", code, body)
	}
	code, body = post("/admin/forget", "tok", `{"sender_id":" wm-li ","chat_id":" "}`)
	if err := json.Unmarshal([]byte(body), &got); code != http.StatusOK || err != nil || got.Decisions != 1 {
		t.Errorf("forget of ' wm-li ': %d %s; want its decision deleted (and ' ' naming no conversation)", code, body)
	}
}
