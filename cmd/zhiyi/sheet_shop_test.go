package main

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/store"
)

// An agency keeps its shops' unmatched sheets side by side; shop C's given to shop A's zhiyi learn
// --labels named message ids shop A's log has too (a gateway numbering messages m-1, m-2 … in
// every shop), and labelled shop A's unrelated messages with the intents chosen for shop C's.
// The sheet's samples are its members' texts: a sheet none of whose members here has one is
// refused, naming its line; in the shop it came from it is taken.
func TestLearnLabelsRefusesAnotherShopsSheet(t *testing.T) {
	bundle, err := fixtureBundle()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	logOf := func(texts ...string) string {
		dir := t.TempDir()
		db, err := store.Open(ctx, store.Config{DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var ds []store.Decision
		for i, text := range texts {
			ds = append(ds, store.Decision{MsgID: "m-" + string(rune('1'+i)), Time: day1.Add(time.Duration(i+9) * time.Hour), Channel: "wecom", Text: text, Intent: "none", Route: "handoff", Confidence: 0.1})
		}
		if _, err := db.AppendDecisions(ctx, ds); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	shopC := logOf("宽带断网了怎么办", "宽带断网了怎么回事", "家里宽带断网了")
	shopA := logOf("这件衣服有货吗", "今天能发货吗", "尺码偏大吗")
	sheet := filepath.Join(t.TempDir(), "unmatched-c.jsonl")
	if code, _, stderr := runCLI(t, "", "unmatched", "--model", bundle, "--data-dir", shopC, "--since", "2026-11-01", "--until", "2026-11-03", "--min-similarity", "0.1", "--out", sheet); code != 0 {
		t.Fatalf("unmatched: exit %d\n%s", code, stderr)
	}
	// the operator labels every cluster of shop C's sheet
	filled := labelSheet(t, sheet, "return_goods")
	for _, c := range []struct {
		name, log string
		refused   bool
	}{
		{"shop A's log", shopA, true},
		{"shop C's own log", shopC, false},
	} {
		db, err := store.Open(ctx, store.Config{DataDir: c.log})
		if err != nil {
			t.Fatal(err)
		}
		fixes, _, err := labelsToCorrections(ctx, db, filled)
		db.Close()
		if c.refused {
			if err == nil || !strings.Contains(err.Error(), filled+":1") || !strings.Contains(err.Error(), "another shop") {
				t.Errorf("%s: %d corrections (%v), %v; want the sheet refused naming its line", c.name, len(fixes), fixes, err)
			}
			continue
		}
		if err != nil || len(fixes) != 3 {
			t.Errorf("%s: %v, %v; want its 3 messages labelled", c.name, fixes, err)
		}
	}
}

// labelSheet writes a copy of sheet with every line's intent set.
func labelSheet(t *testing.T, sheet, intent string) string {
	t.Helper()
	f, err := os.Open(sheet)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []byte
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatal(err)
		}
		line["intent"] = intent
		b, _ := json.Marshal(line)
		out = append(append(out, b...), '\n')
	}
	if len(out) == 0 {
		t.Fatal("the sheet is empty")
	}
	path := filepath.Join(t.TempDir(), "filled.jsonl")
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
