package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/shoptest"
	"github.com/zhiyi-ai/zhiyi/store"
	"github.com/zhiyi-ai/zhiyi/train"
)

// TestLearnMin: zhiyi learn refuses to learn from fewer corrections than --min (default zhiyi
// serve's --learn-min), saying how many it has and needs, and learns once --min allows it.
func TestLearnMin(t *testing.T) {
	// the bundle first, the corrections of its answers after: learn takes those since it was made
	bundle := filepath.Join(t.TempDir(), "tiny")
	if err := shoptest.TrainTiny(bundle); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	twoCorrections(t, dir)
	t.Setenv("ZHIYI_DATA_DIR", dir)
	t.Setenv("ZHIYI_DB", "")
	out := filepath.Join(t.TempDir(), "learnt")
	learn := []string{"learn", "--model", bundle, "--out", out}

	code, _, stderr := runCLI(t, "", learn...)
	if code != 1 || !strings.Contains(stderr, "2 correction(s) since") || !strings.Contains(stderr, "needs at least 20 (--min)") {
		t.Errorf("learn with 2 corrections: exit %d, stderr %q; want 1, naming 2 and 20", code, stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a refused learn wrote %s", out)
	}
	// --json: a script reads one object whether or not anything was learnt, too few included
	code, stdout, _ := runCLI(t, "", append(learn, "--json")...)
	var res train.LearnResult
	if err := json.Unmarshal([]byte(stdout), &res); code != 1 || err != nil || res.Promoted || res.Corrections != 2 || !strings.Contains(res.Reason, "needs at least 20 (--min)") {
		t.Errorf("learn --json with 2 corrections: exit %d, stdout %q (%v); want 1 and the result naming 2 and 20", code, stdout, err)
	}
	t.Setenv("ZHIYI_LEARN_MIN", "3") // as zhiyi serve --learn-min takes it
	if code, _, stderr = runCLI(t, "", learn...); code != 1 || !strings.Contains(stderr, "needs at least 3 (--min)") {
		t.Errorf("learn with ZHIYI_LEARN_MIN=3: exit %d, stderr %q", code, stderr)
	}
	if code, _, stderr = runCLI(t, "", append(learn, "--min", "0")...); code != 2 || !strings.Contains(stderr, "--min 0") {
		t.Errorf("learn --min 0: exit %d, stderr %q; want a usage error", code, stderr)
	}
	if code, _, stderr = runCLI(t, "", append(learn, "--min", "2")...); code != 0 {
		t.Fatalf("learn --min 2: exit %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "manifest.json")); err != nil {
		t.Errorf("learn --min 2 --out: %v", err)
	}
	// The learnt bundle was made after the corrections: learning from it finds none to learn again.
	if code, _, stderr := runCLI(t, "", "learn", "--model", out, "--min", "2"); code != 0 || !strings.Contains(stderr, "nothing to learn: no corrections since") {
		t.Errorf("learn from the learnt bundle: exit %d, stderr %q; want nothing to learn", code, stderr)
	}
	// Bundles are never overwritten: not the one just written, not the parent.
	for _, dst := range []string{out, bundle} {
		before, _ := os.ReadFile(filepath.Join(dst, "manifest.json"))
		code, _, stderr := runCLI(t, "", "learn", "--model", bundle, "--out", dst, "--min", "2")
		if after, _ := os.ReadFile(filepath.Join(dst, "manifest.json")); code != 1 || !strings.Contains(stderr, "exists") || string(after) != string(before) {
			t.Errorf("learn --out %s (exists): exit %d, stderr %q, manifest changed %v", dst, code, stderr, string(after) != string(before))
		}
	}
}

// TestLearnLabelFile: a label file's typo is reported by file and line before the --min count
// (which would otherwise call it too few corrections), and lines naming a new intent are
// counted as left out rather than dropped unsaid.
func TestLearnLabelFile(t *testing.T) {
	bundle := tinyEmptyLog(t)
	write := func(lines ...string) string {
		p := filepath.Join(t.TempDir(), "labels.jsonl")
		if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	typo := write(`{"text":"票据怎么弄","intent":"invoice"}`, `{"text":"啥时候能寄出","intent":"shiping_time"}`)
	out := filepath.Join(t.TempDir(), "learnt")
	code, _, stderr := runCLI(t, "", "learn", "--model", bundle, "--out", out, "--labels", typo)
	if code != 1 || !strings.Contains(stderr, "labels.jsonl:2: unknown intent \"shiping_time\"") || strings.Contains(stderr, "--min") {
		t.Errorf("learn with a typo: exit %d, stderr %q; want the typo's file:line, not the --min count", code, stderr)
	}
	fresh := write(`{"text":"能开专票吗","intent":"new:专票"}`, `{"text":"有专用发票吗","intent":"new:专票"}`, `{"text":"票据怎么弄","intent":"invoice"}`)
	code, _, stderr = runCLI(t, "", "learn", "--model", bundle, "--out", out, "--labels", fresh)
	// and how to train them: an unmatched sheet's members are the log's, which train reads exported
	if code != 1 || !strings.Contains(stderr, "2 label(s) name a new intent") || !strings.Contains(stderr, "1 correction(s)") ||
		!strings.Contains(stderr, "zhiyi export --format jsonl, as --data") {
		t.Errorf("learn with new intents: exit %d, stderr %q; want 2 left out, 1 counted", code, stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a refused learn wrote %s", out)
	}
}

// TestLearnLabelUnknownIDMasked: a label naming a message id the decision log lacks is
// reported with the id masked, as /feedback reports it, and the message says where a sheet of the
// exports' messages (zhiyi cluster) goes instead.
func TestLearnLabelUnknownIDMasked(t *testing.T) {
	bundle := tinyEmptyLog(t)
	labels := filepath.Join(t.TempDir(), "labels.jsonl")
	if err := os.WriteFile(labels, []byte(`{"msgid":"13800138000","intent":"invoice"}`+"\n"+`{"msgid":"2102838273948937309","intent":"invoice"}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "", "learn", "--model", bundle, "--out", filepath.Join(t.TempDir(), "learnt"), "--labels", labels)
	if code != 1 || strings.Contains(stdout+stderr, "13800138000") || !strings.Contains(stderr, "labels.jsonl:1: <PHONE>") ||
		!strings.Contains(stderr, "labels.jsonl:2: 2102838273948937309") || !strings.Contains(stderr, "zhiyi train --labels") {
		t.Errorf("learn --labels with unknown ids: exit %d\n%s%s\nwant the phone masked, the order-like id kept, and where a sheet of exports goes", code, stdout, stderr)
	}
}

// TestLearnRefusedBatch: a batch the gate refuses is recorded beside the bundle, and the next
// zhiyi learn — which collects the same corrections again, since the bundle was made — leaves
// them out and says so, instead of judging them again (and, diluted among newer ones, learning
// them). The refusal and its file are in the output.
func TestLearnRefusedBatch(t *testing.T) {
	bundle := filepath.Join(t.TempDir(), "models", "tiny")
	if err := shoptest.TrainTiny(bundle); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	// An agent clicking at random: ordinary questions "corrected" to intents in rotation.
	labels := []string{"invoice", "return_goods", "shipping_time", "human_agent"}
	var ds []store.Decision
	var fbs []store.Feedback
	for i := range 16 {
		id := fmt.Sprintf("r%d", i)
		ds = append(ds, store.Decision{MsgID: id, Time: time.Now(), Channel: "kf", Text: fmt.Sprintf("第%d个问题 什么时候发货 能退吗 开发票", i),
			Intent: "none", Route: "handoff", Confidence: 0.2})
		fbs = append(fbs, store.Feedback{MsgID: id, CorrectIntent: labels[i%len(labels)]})
	}
	if _, err := db.AppendDecisions(ctx, ds); err != nil {
		t.Fatal(err)
	}
	for _, f := range fbs {
		if err := db.AddFeedback(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	t.Setenv("ZHIYI_DATA_DIR", dir)
	t.Setenv("ZHIYI_DB", "")
	learn := []string{"learn", "--model", bundle, "--min", "2"}
	code, stdout, stderr := runCLI(t, "", learn...)
	if code != 0 || !strings.HasPrefix(stdout, "refused: ") || !strings.Contains(stdout, train.RefusedFile) {
		t.Fatalf("learn from random corrections: exit %d, stdout %q, stderr %q; want refused, naming %s", code, stdout, stderr, train.RefusedFile)
	}
	code, stdout, stderr = runCLI(t, "", learn...)
	if code != 0 || !strings.Contains(stderr, "16 correction(s) are of a batch the gate refused before") || !strings.Contains(stderr, "were all refused before") {
		t.Errorf("learn again: exit %d, stdout %q, stderr %q; want the 16 left out, nothing to learn", code, stdout, stderr)
	}
}

// TestLearnJSONNothingToLearn: with --json, a run with nothing to learn prints its result as
// JSON too (promoted false, the reason), as a promoted or refused one does: a script reading
// stdout got nothing at all and could not tell the run happened.
func TestLearnJSONNothingToLearn(t *testing.T) {
	bundle := tinyEmptyLog(t)
	code, stdout, stderr := runCLI(t, "", "learn", "--model", bundle, "--json")
	if code != 0 || !strings.Contains(stderr, "nothing to learn") {
		t.Fatalf("learn --json with no corrections: exit %d, stderr %q; want 0 and nothing to learn", code, stderr)
	}
	var res train.LearnResult
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatalf("learn --json with no corrections printed %q, not a JSON result: %v", stdout, err)
	}
	if res.Promoted || !strings.HasPrefix(res.Reason, "nothing to learn: no corrections since") {
		t.Errorf("learn --json with no corrections: %+v; want promoted false and the reason", res)
	}
}

// twoCorrections writes, in a decision log in dir, two messages the model did not place and an
// agent's correction of each (invoice, shipping_time), given now.
func twoCorrections(t *testing.T, dir string) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ds := []store.Decision{
		{MsgID: "c1", Time: now, Channel: "kf", Text: "票据怎么弄", Intent: "none", Route: "handoff", Confidence: 0.2},
		{MsgID: "c2", Time: now, Channel: "kf", Text: "啥时候能寄出", Intent: "none", Route: "handoff", Confidence: 0.2},
	}
	if _, err := db.AppendDecisions(ctx, ds); err != nil {
		t.Fatal(err)
	}
	for _, f := range []store.Feedback{{MsgID: "c1", CorrectIntent: "invoice"}, {MsgID: "c2", CorrectIntent: "shipping_time"}} {
		if err := db.AddFeedback(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
}

// tinyEmptyLog trains the tiny shop and points the commands (ZHIYI_DATA_DIR) at an empty decision
// log; it returns the bundle.
func tinyEmptyLog(t *testing.T) string {
	t.Helper()
	bundle := filepath.Join(t.TempDir(), "tiny")
	if err := shoptest.TrainTiny(bundle); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	db, err := store.Open(context.Background(), store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	t.Setenv("ZHIYI_DATA_DIR", dir)
	t.Setenv("ZHIYI_DB", "")
	return bundle
}
