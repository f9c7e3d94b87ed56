package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/store"
)

// zhiyi forget deletes a customer's decisions, their feedback and labels from the log, the id
// read from stdin and shown masked; the other customers' stay.
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

	code, stdout, stderr := runCLI(t, "13800138000\n", "forget", "--data-dir", dir, "--sender", "-")
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
