package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/serve"
	"github.com/zhiyi-ai/zhiyi/store"
	"github.com/zhiyi-ai/zhiyi/train"
)

// dataOnlyLabels writes a labels file of n corrections of messages that only give personal data
// (订单号<ORDER>, 手机号 <PHONE>: learn leaves them out, their conversation decides them) and the
// lines more.
func dataOnlyLabels(t *testing.T, n int, more ...string) string {
	t.Helper()
	var lines []string
	for i := range n {
		text := fmt.Sprintf("订单号 44920183766554%02d", i)
		if i%2 == 1 {
			text = fmt.Sprintf("手机号 137642188%02d", i)
		}
		line, _ := json.Marshal(map[string]string{"text": text, "intent": "shipping_time"})
		lines = append(lines, string(line))
	}
	p := filepath.Join(t.TempDir(), "labels.jsonl")
	if err := os.WriteFile(p, []byte(strings.Join(append(lines, more...), "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestLearnDataOnlyNotCounted: corrections of messages that only give personal data are left
// out by learning, so they count toward --min no more than the corrections learnt already or
// refused before: 3 of them beside 2 others are 2 corrections, fewer than --min 3. All of them
// alone are nothing to learn, said as such (not "contradicting another"), with data_only in the
// JSON result.
func TestLearnDataOnlyNotCounted(t *testing.T) {
	bundle := tinyEmptyLog(t)
	out := filepath.Join(t.TempDir(), "learnt")
	mixed := dataOnlyLabels(t, 3, `{"text":"票据怎么弄","intent":"invoice"}`, `{"text":"啥时候能寄出","intent":"shipping_time"}`)
	code, _, stderr := runCLI(t, "", "learn", "--model", bundle, "--out", out, "--labels", mixed, "--min", "3")
	if code != 1 || !strings.Contains(stderr, "3 correction(s) only give personal data") || !strings.Contains(stderr, "2 correction(s) since") {
		t.Errorf("learn with 3 data-only and 2 other corrections, --min 3: exit %d, stderr %q; want 1, the 3 left out and 2 counted", code, stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a refused learn wrote %s", out)
	}
	only := dataOnlyLabels(t, 4)
	code, stdout, stderr := runCLI(t, "", "learn", "--model", bundle, "--out", out+"2", "--labels", only, "--min", "1", "--json")
	if code != 0 || !strings.Contains(stderr, "nothing to learn") || strings.Contains(stderr, "contradicting") {
		t.Fatalf("learn with 4 data-only corrections: exit %d, stderr %q; want 0, nothing to learn for giving only personal data", code, stderr)
	}
	var res train.LearnResult
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatalf("learn --json printed %q: %v", stdout, err)
	}
	if res.Corrections != 4 || res.DataOnly != 4 || !strings.Contains(res.Reason, "only give personal data") {
		t.Errorf("learn --json with 4 data-only corrections: %+v; want 4 corrections, data_only 4 and the reason", res)
	}
}

// A serve --learn tick counts toward --learn-min only the corrections learning would use: 25
// that only give personal data start no run, which failed as "learning failed" (and counted
// zhiyi_learn_runs_total{result="error"}) at every tick, for as long as they stayed in the window.
func TestLearnLoopDataOnlyNotCounted(t *testing.T) {
	parent, _ := learntCopy(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sf := serveFlags{learn: true, learnEvery: time.Hour, learnMin: 20, record: true,
		storeFlags: storeFlags{dataDir: filepath.Join(t.TempDir(), "data")}, retain: "0"}
	w, srv := serveWired(t, ctx, serve.Config{ModelDir: parent}, sf, slog.New(slog.DiscardHandler))
	// agents correcting "订单号<ORDER>" to what each conversation was about
	intents := []string{"shipping_time", "invoice", "return_goods"}
	var ds []store.Decision
	for i := range 25 {
		ds = append(ds, store.Decision{MsgID: fmt.Sprintf("d%d", i), Time: time.Now().Add(2 * time.Hour), Channel: "kf",
			Text: fmt.Sprintf("订单号 44920183766554%02d", i), Intent: "none", Route: "handoff", Confidence: 0.2})
	}
	if _, err := w.db.AppendDecisions(ctx, ds); err != nil {
		t.Fatal(err)
	}
	for i, d := range ds {
		if err := w.db.AddFeedback(ctx, store.Feedback{MsgID: d.MsgID, CorrectIntent: intents[i%len(intents)]}); err != nil {
			t.Fatal(err)
		}
	}
	w.learnOnce(ctx)
	body := handle(t, srv, "GET", "/metrics", "")
	for _, want := range []string{`zhiyi_learn_runs_total{result="error"} 0`, `zhiyi_learn_runs_total{result="refused"} 0`} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("after a tick with 25 corrections that only give personal data: /metrics lacks %q", want)
		}
	}
}
