package train

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// learnShop trains the weak shop (writeWeakShop) without self-training, so 报销凭证 is unknown to
// it: the corrections must teach it.
func learnShop(t *testing.T) string {
	t.Helper()
	return weakShop(t, -1)
}

// weakShop trains the weak shop with rounds of self-training (-1: none, and the shop's history is
// its knowledge base's examples alone: kbAlone).
func weakShop(t *testing.T, rounds int) string {
	t.Helper()
	dir := t.TempDir()
	kb, data := writeWeakShop(t, dir)
	cfg := DefaultConfig()
	cfg.Data, cfg.KB, cfg.Out, cfg.Progress = []string{data}, kb, filepath.Join(dir, "models", "shop"), io.Discard
	cfg.Weak.Rounds = rounds
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	return cfg.Out
}

func classifyIn(t *testing.T, dir, text string) string {
	t.Helper()
	eng, err := intent.Load(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	return eng.Classify(context.Background(), intent.Request{Text: text}).Intent
}

func TestLearnFromCorrections(t *testing.T) {
	parent := learnShop(t)
	probe := "报销凭证多久能弄好"
	if got := classifyIn(t, parent, probe); got == "invoice" {
		t.Fatalf("the parent already knows %q", probe)
	}
	var fixes []Correction
	for _, text := range []string{"报销凭证在哪弄", "报销凭证能给吗", "我要报销凭证", "报销凭证怎么申请", "公司要报销凭证",
		"报销凭证开一下", "能给个报销凭证不", "报销凭证发我邮箱", "报销凭证可以吗", "需要报销凭证", "报销凭证哪里申请", "报销凭证电子的行吗"} {
		fixes = append(fixes, Correction{Text: text, Intent: "invoice", Source: "feedback"})
	}
	// one text corrected two ways: both left out
	fixes = append(fixes, Correction{Text: "那个单子", Intent: "invoice"}, Correction{Text: "那个单子", Intent: "return_goods"},
		Correction{Text: "包邮吗", Intent: "gift_wrap"},                      // an intent the model does not have
		Correction{Text: "订单号 4492018376655401", Intent: "invoice"},       // only data: the conversation's intent
		Correction{Text: "我要报销凭证", Intent: "invoice", Source: "feedback"}) // the same text again: one example
	out := filepath.Join(filepath.Dir(parent), "shop-learnt")
	// The tiny shop's evaluation set is its 373 seeds; twelve corrections move a few of them.
	var progress strings.Builder
	res, err := Learn(context.Background(), parent, out, fixes, LearnConfig{MaxDrop: 0.02, Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Promoted || res.Used != 12 || res.Contradictory != 1 || res.Repeats != 2 || res.Unknown != 1 || res.DataOnly != 1 || res.Bundle != out {
		t.Fatalf("result %+v", res)
	}
	// The intent the model lacks is named (a rename's stored corrections were only counted).
	if want := `learn: warning: 1 corrections name intents the model does not have, left out: "gift_wrap" (1)`; !strings.Contains(progress.String(), want) ||
		res.UnknownIntents["gift_wrap"] != 1 {
		t.Errorf("unknown intents %v, progress:\n%s\nwant %q", res.UnknownIntents, progress.String(), want)
	}
	// what the progress line prints adds up to the corrections given
	if sum := res.Used + res.Repeats + res.Contradictory + res.Unknown + res.DataOnly + res.Known + res.InEvalSet + res.RefusedBefore; sum != res.Corrections {
		t.Errorf("the parts of %d corrections add up to %d: %+v", res.Corrections, sum, res)
	}
	if got := classifyIn(t, out, probe); got != "invoice" {
		t.Errorf("after learning, %q is %s, want invoice", probe, got)
	}
	pm, _ := intent.ReadManifest(parent)
	m, err := intent.ReadManifest(out)
	if err != nil || m.Parent != pm.Version() || m.LearntFrom == nil || m.LearntFrom.Corrections != 12 {
		t.Errorf("manifest %+v (%v): want the parent %s and 12 corrections", m, err, pm.Version())
	} else if l := m.LearntFrom; l.ControlEvalAccuracy != res.ControlAccuracy || l.ControlEvalAccuracy == 0 || l.EvalAccuracy != res.CandidateAccuracy {
		t.Errorf("learnt from %+v: want the gate's control %v and candidate %v", l, res.ControlAccuracy, res.CandidateAccuracy)
	}
	// The answers are the parent's, served since it was created: a gray period counts from then,
	// not again from each promotion.
	if m != nil && !m.AnswersFrom().Equal(pm.CreatedAt) {
		t.Errorf("the learnt bundle's answers are served from %v, want its parent's creation %v", m.AnswersFrom(), pm.CreatedAt)
	}
	// The same corrections again (a labels sheet given twice): learnt already, nothing to learn.
	again, err := Learn(context.Background(), out, filepath.Join(filepath.Dir(parent), "again"), fixes, LearnConfig{MaxDrop: 0.02})
	if !errors.Is(err, ErrNothingToLearn) || again == nil || again.Known != 12 {
		t.Errorf("the same corrections again: %+v, %v; want nothing to learn, 12 known", again, err)
	}
}

func TestLearnRefusesRandomCorrections(t *testing.T) {
	parent := learnShop(t)
	labels := []string{"invoice", "return_goods", "shipping_time"}
	var fixes []Correction
	for i := range 40 {
		// ordinary questions "corrected" to intents in rotation: nothing consistent to learn
		fixes = append(fixes, Correction{Text: fmt.Sprintf("第%d个问题 什么时候发货 能退吗 开发票", i), Intent: labels[i%3]})
	}
	out := filepath.Join(filepath.Dir(parent), "poisoned")
	res, err := Learn(context.Background(), parent, out, fixes, LearnConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Promoted || res.Bundle != "" {
		t.Errorf("a random batch was promoted: %+v", res)
	}
	if _, err := intent.ReadManifest(out); err == nil {
		t.Error("a refused candidate wrote a bundle")
	}
	if _, err := Learn(context.Background(), parent, out, nil, LearnConfig{}); !errors.Is(err, ErrNothingToLearn) {
		t.Errorf("no corrections: %v, want ErrNothingToLearn", err)
	}
	// An operator's label file naming an intent the model lacks is a typo: it fails, naming
	// the line, where an agent's correction of that kind is only counted.
	typo := append(fixes[:12:12], Correction{Text: "包邮吗", Intent: "shiping_time", Source: "sheet.jsonl:3", Checked: true})
	if _, err := Learn(context.Background(), parent, out, typo, LearnConfig{}); err == nil || !strings.Contains(err.Error(), `sheet.jsonl:3: unknown intent "shiping_time"`) {
		t.Errorf("a label file's unknown intent: %v, want an error naming sheet.jsonl:3", err)
	}
}

// A continued model may grow rows for the corrections' features, and for no others: the replay's
// features its parent was pruned of stay out.
func TestLearnableFeatures(t *testing.T) {
	parent, err := intent.NewClassifier([]string{"a", "b"}, []uint32{1, 2}, make([]float32, 4), make([]float32, 2))
	if err != nil {
		t.Fatal(err)
	}
	keep := learnableFeatures(parent, []Example{{Features: []uint32{2, 3}}, {Features: []uint32{5}}})
	for _, f := range []uint32{1, 2, 3, 5} {
		if _, ok := keep[f]; !ok {
			t.Errorf("feature %d may not have a row", f)
		}
	}
	if len(keep) != 4 {
		t.Errorf("%d features may have rows, want 4", len(keep))
	}
	replay := []Example{{Features: []uint32{1, 4}, Label: 0}, {Features: []uint32{2, 6}, Label: 1}}
	cfg := DefaultFitConfig()
	cfg.Warm, cfg.Keep, cfg.Epochs, cfg.Runs = parent, keep, 2, 1
	clf, _, err := Fit(context.Background(), append(replay, Example{Features: []uint32{3}, Label: 1}), nil, []string{"a", "b"}, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := keptFeatures(clf); fmt.Sprint(got) != "[1 2 3]" {
		t.Errorf("the continued model has rows for %v, want [1 2 3]", got)
	}
}

// One agent's templated batch: returns of every kind of item "corrected" to invoice. No message
// of the evaluation set is like it, so it costs the set nothing and every other check lets it
// through; the parent answers each with confidence, and the shop's labelled returns say
// return_goods. Diluted by genuine corrections below half of the batch, the one move it makes
// still refuses it.
func TestLearnRefusesContestedCorrections(t *testing.T) {
	parent := learnShop(t)
	var templated, genuine []Correction
	for _, item := range []string{"卫衣", "羽绒服", "马丁靴", "运动鞋", "数据线", "保温杯"} {
		for _, form := range []string{"%s退货流程是什么", "%s可以退货吗", "%s不想要了能退吗"} {
			templated = append(templated, Correction{Text: fmt.Sprintf(form, item), Intent: "invoice", Source: "feedback"})
		}
	}
	for _, text := range []string{"报销凭证在哪弄", "报销凭证能给吗", "我要报销凭证", "报销凭证怎么申请", "公司要报销凭证",
		"报销凭证开一下", "能给个报销凭证不", "报销凭证发我邮箱", "报销凭证可以吗", "需要报销凭证", "报销凭证哪里申请", "报销凭证电子的行吗"} {
		genuine = append(genuine, Correction{Text: text, Intent: "invoice", Source: "feedback"})
	}
	for _, c := range []struct {
		name  string
		fixes []Correction
		want  string
	}{
		{"templated alone", templated, "contradict the shop's own labels"},
		{"templated among genuine ones", append(slices.Clip(genuine), templated...), "move messages the parent answers as return_goods"},
	} {
		t.Run(c.name, func(t *testing.T) {
			os.Remove(RefusedPath(parent)) // each case is a first run: the other's refusal is not recorded
			out := filepath.Join(t.TempDir(), "learnt")
			res, err := Learn(context.Background(), parent, out, c.fixes, LearnConfig{MaxDrop: 0.02})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d of %d contested: %s", res.Contested, res.Used, res.Reason)
			if res.Promoted || !strings.Contains(res.Reason, c.want) {
				t.Errorf("%s (%d of %d contested), want refused: %q", res.Reason, res.Contested, res.Used, c.want)
			}
			if _, err := intent.ReadManifest(out); err == nil {
				t.Error("a refused candidate wrote a bundle")
			}
		})
	}
}

func TestNeighbours(t *testing.T) {
	nb := newNeighbours([]Example{
		{Features: []uint32{1, 2, 3}}, {Features: []uint32{1, 4}}, {Features: []uint32{5}}, {Features: []uint32{1, 2}},
	})
	for _, c := range []struct {
		name     string
		features []uint32
		k        int
		want     string
		top      float64 // the first's similarity (-1: not checked)
	}{
		{"the same message first, then by what they share", []uint32{3, 2, 1, 3}, 5, "[0 3 1]", 1},
		{"at most k", []uint32{1, 2, 3}, 2, "[0 3]", 1},
		{"nothing shared: none", []uint32{9}, 5, "[]", 0},
		{"a word several have: the one it is most of first", []uint32{1}, 5, "[3 1 0]", -1},
	} {
		got, top := nb.nearest(c.features, c.k, nil)
		if fmt.Sprint(got) != c.want || c.top >= 0 && math.Abs(top-c.top) > 1e-9 {
			t.Errorf("%s: nearest %v = %v (%.3f), want %s (%.3f)", c.name, c.features, got, top, c.want, c.top)
		}
	}
	// A word no labelled message has makes them all less like the message.
	_, known := nb.nearest([]uint32{4}, 1, nil)
	if _, unseen := nb.nearest([]uint32{4, 9}, 1, nil); !(unseen < known) {
		t.Errorf("similarity with an unseen feature %.3f, without %.3f: want it lower", unseen, known)
	}
}

// A bundle trained before messages that only give data were left out keeps them in its history:
// continued training must not replay them (Learn leaves out such corrections for the same reason).
func TestHistorySetLeavesOutMessagesThatOnlyGiveData(t *testing.T) {
	parent := learnShop(t)
	path := filepath.Join(parent, intent.ExamplesFile)
	old, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data := []string{"订单号 <ORDER>", "手机号<PHONE>", "单号<ORDER> 谢谢"}
	var b strings.Builder
	b.Write(old)
	for _, text := range data {
		fmt.Fprintf(&b, "{\"text\":%q,\"intent\":\"invoice\"}\n", text)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := intent.ReadManifest(parent); err == nil {
		t.Fatal("the manifest still matches a changed history")
	}
	m, err := intent.PeekManifest(parent)
	if err != nil {
		t.Fatal(err)
	}
	if err := intent.WriteManifest(parent, m); err != nil {
		t.Fatal(err)
	}
	eng, err := intent.Load(context.Background(), parent)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	history, err := historySet(parent, eng)
	if err != nil {
		t.Fatal(err)
	}
	if len(history) == 0 {
		t.Fatal("no history")
	}
	for _, l := range history {
		if slices.Contains(data, l.Text) {
			t.Errorf("history replays %q (%s), which only gives data", l.Text, l.Intent)
		}
	}
}

// A sheet's line labels every member of its cluster: a typo on it is one label, named once.
func TestCheckIntentsNamesALineOnce(t *testing.T) {
	fixes := []Correction{
		{Text: "人工", Intent: "retrun_goods", Source: "sheet.jsonl:3", Checked: true},
		{Text: "rg", Intent: "retrun_goods", Source: "sheet.jsonl:3", Checked: true},
		{Text: "包邮吗", Intent: "shiping_time", Source: "sheet.jsonl:7", Checked: true},
	}
	err := CheckIntents([]string{"return_goods", "shipping_time", "none"}, fixes)
	want := `2 label(s) name an intent the model does not have (learning takes the model's intent ids and none; a new intent is trained by zhiyi train --labels): sheet.jsonl:3: unknown intent "retrun_goods"; sheet.jsonl:7: unknown intent "shiping_time"`
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}
