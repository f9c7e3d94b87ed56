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

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/nlp"
	"github.com/zhiyi-ai/zhiyi/store"
)

// A label given in the console's 未识别 page (or a zhiyi unmatched sheet) for an intent kb.yaml
// lacked stayed in the log's labels table: learn skips new: labels, and train read none from the
// log. zhiyi export now writes it on the message's row, and train takes it as the row's gold once
// kb.yaml has the intent: the later of a label and an agent's correction wins.
func TestExportedLabelsTrainANewIntent(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(-time.Hour)
	sizes := []string{"这件外套能换大一码吗", "卫衣小了想换个XL", "尺码偏小可以换L码不", "能换成M码吗", "鞋子大了半码能换吗", "换个大一号的码数"}
	var ds []store.Decision
	var ls []store.Label
	for i, text := range sizes {
		id := "s" + string(rune('0'+i))
		ds = append(ds, store.Decision{MsgID: id, Time: at.Add(time.Duration(i) * time.Second), SenderHash: db.Hash("wmSIZE"),
			Text: text, Intent: "return_goods", Confidence: 0.4, Route: store.RouteSuggest})
		ls = append(ls, store.Label{Key: id, Text: text, Intent: "new:换尺码", Source: "console", Time: at.Add(10 * time.Minute)})
	}
	// A label an agent corrected after: the correction is the gold.
	ds = append(ds, store.Decision{MsgID: "r1", Time: at, SenderHash: db.Hash("wmRET"), Text: "这个我不要了想退掉", Intent: "invoice",
		Confidence: 0.4, Route: store.RouteSuggest})
	ls = append(ls, store.Label{Key: "r1", Text: "这个我不要了想退掉", Intent: "new:换尺码", Source: "console", Time: at.Add(10 * time.Minute)})
	if _, err := db.AppendDecisions(ctx, ds); err != nil {
		t.Fatal(err)
	}
	if err := db.AddLabels(ctx, ls); err != nil {
		t.Fatal(err)
	}
	// An agent's correction before its label: the label is the gold.
	for _, f := range []store.Feedback{
		{MsgID: "s0", CorrectIntent: "shipping_time", AgentID: "a1", Time: at.Add(time.Minute)},
		{MsgID: "r1", CorrectIntent: "return_goods", AgentID: "a1", Time: at.Add(20 * time.Minute)},
	} {
		if err := db.AddFeedback(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	kb, err := os.ReadFile(filepath.Join(fixture, "kb.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	kbPath := filepath.Join(t.TempDir(), "kb.yaml")
	kb = append(kb, []byte(`  - id: exchange_size
    label: 换尺码
    category: 咨询
    priority: 2
    examples:
      - 尺码不合适怎么换
      - 想换个尺码
    answers:
      - id: exchange_size.a
        text: 亲，签收七天内可以在订单详情申请换尺码哦。
`)...)
	if err := os.WriteFile(kbPath, kb, 0o600); err != nil {
		t.Fatal(err)
	}

	log := filepath.Join(t.TempDir(), "log.jsonl")
	if code, stdout, stderr := runCLI(t, "", "export", "--data-dir", dir, "--since", "7d", "--format", "jsonl", "--out", log); code != 0 {
		t.Fatalf("export: exit %d\n%s%s", code, stdout, stderr)
	}
	rows, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(rows), `"label":"new:换尺码"`); n != len(sizes) {
		t.Errorf("%d rows carry the label new:换尺码, want %d (the corrected-after one without it):\n%s", n, len(sizes), rows)
	}

	out := filepath.Join(t.TempDir(), "m")
	code, _, stderr := runCLI(t, "", "train", "--data", filepath.Join(fixture, "data.jsonl"), "--data", log, "--kb", kbPath,
		"--dict", filepath.Join(fixture, "dict"), "--out", out)
	if code != 0 {
		t.Fatalf("train: exit %d\n%s", code, stderr)
	}
	gold := map[string]string{}
	f, err := os.Open(filepath.Join(out, intent.ExamplesFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var d intent.ExampleDoc
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			t.Fatal(err)
		}
		gold[d.Text] = d.Intent
	}
	for _, text := range sizes {
		key, _ := nlp.Mask(nlp.Normalize(text)) // as the bundle keeps its examples
		if gold[key] != "exchange_size" {
			t.Errorf("the bundle's examples give %q %q, want exchange_size (its label)", text, gold[key])
		}
	}
	if gold["这个我不要了想退掉"] != "return_goods" {
		t.Errorf("the bundle's examples give 这个我不要了想退掉 %q, want return_goods (the correction given after its label)", gold["这个我不要了想退掉"])
	}
	eng, err := intent.Load(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	if got := eng.Classify(ctx, intent.Request{Text: sizes[2]}).Intent; got != "exchange_size" {
		t.Errorf("the trained bundle answers %q with %q, want exchange_size", sizes[2], got)
	}
}
