package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/shoptest"
	"github.com/zhiyi-ai/zhiyi/store"
)

// Messages that only give personal data are read and left off: when so many of them end the
// reading (twice --max) before the period does, the warning says how many the sheet holds, not
// that it holds --max of them.
func TestUnmatchedTruncatedByDataOnly(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(context.Background(), store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	ds := []store.Decision{{MsgID: "old", Time: day1.Add(time.Hour), Text: "今天天气怎么样", Intent: "none", Route: "handoff", Confidence: 0.1}}
	for i := range 6 {
		ds = append(ds, store.Decision{MsgID: fmt.Sprintf("d%d", i), Time: day1.Add(time.Duration(2+i) * time.Hour),
			Text: "订单号 4429103857611294", Intent: "none", Route: "handoff", Confidence: 0.1})
	}
	if _, err := db.AppendDecisions(context.Background(), ds); err != nil {
		t.Fatal(err)
	}
	db.Close()
	bundle := filepath.Join(t.TempDir(), "tiny")
	if err := shoptest.TrainTiny(bundle); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, "", "unmatched", "--data-dir", dir, "--since", "2026-11-02", "--until", "2026-11-04",
		"--model", bundle, "--out", filepath.Join(t.TempDir(), "sheet.jsonl"), "--max", "2")
	if code != 0 {
		t.Fatalf("unmatched: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "0 unmatched messages") || !strings.Contains(stderr, "left out 6 unmatched messages that only give personal data") {
		t.Fatalf("stderr:\n%s", stderr)
	}
	if strings.Contains(stderr, "only the newest 2 are in the sheet") || !strings.Contains(stderr, "the sheet's 0") {
		t.Errorf("a sheet of none said to hold the newest 2:\n%s", stderr)
	}
}
