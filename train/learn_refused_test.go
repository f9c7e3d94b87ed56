package train

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// A refused batch is collected again at the next run (serve --learn takes the corrections since
// the serving bundle was made). Diluted among genuine corrections, 12 random ones the gate
// refused alone passed and were learnt; recorded beside the bundles, they are left out of every
// later run, and the genuine ones are learnt without them.
func TestLearnRefusedBatchIsNotLearntLater(t *testing.T) {
	parent := learnShop(t)
	labels := []string{"invoice", "return_goods", "shipping_time"}
	var poison, genuine []Correction
	for i := range 12 {
		poison = append(poison, Correction{Text: fmt.Sprintf("第%d个问题 什么时候发货 能退吗 开发票", i), Intent: labels[i%3], Source: "feedback"})
	}
	for intent, texts := range map[string][]string{
		"invoice": {"报销凭证在哪弄", "报销凭证能给吗", "我要报销凭证", "报销凭证怎么申请", "公司要报销凭证", "报销凭证开一下",
			"能给个报销凭证不", "报销凭证发我邮箱", "报销凭证可以吗", "需要报销凭证", "报销凭证哪里申请", "报销凭证电子的行吗"},
		"return_goods":  {"东西我不要了", "想退掉", "这个退了吧", "不合适想退", "退掉怎么弄", "我想退掉这件", "鞋子想退掉", "衣服退掉吧"},
		"shipping_time": {"啥时候发出", "能快点发出吗", "还没发出吗", "明天能发出吗", "哪天发出", "发出要几天", "今天能发出不", "什么时候能发出"},
	} {
		for _, text := range texts {
			genuine = append(genuine, Correction{Text: text, Intent: intent, Source: "feedback"})
		}
	}
	ctx := context.Background()
	res, err := Learn(ctx, parent, filepath.Join(t.TempDir(), "first"), poison, LearnConfig{MaxDrop: 0.02})
	if err != nil {
		t.Fatal(err)
	}
	if res.Promoted || !strings.Contains(res.Reason, RefusedFile) {
		t.Fatalf("the random batch alone: %s; want refused, naming %s", res.Reason, RefusedFile)
	}
	rs, err := ReadRefused(parent)
	if err != nil || len(rs) != len(poison) {
		t.Fatalf("%d refusals recorded (%v), want %d", len(rs), err, len(poison))
	}
	pm, _ := intent.ReadManifest(parent)
	if r := rs[0]; r.Bundle != pm.Version() || !strings.HasPrefix(r.Reason, "refused: ") || r.Time.IsZero() {
		t.Errorf("a refusal records %+v; want the bundle %s, the reason and the time", r, pm.Version())
	}
	// The next run: the same corrections and newer genuine ones.
	out := filepath.Join(filepath.Dir(parent), "second")
	res, err = Learn(ctx, parent, out, append(slices.Clip(poison), genuine...), LearnConfig{MaxDrop: 0.02})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res.Reason)
	if res.RefusedBefore != len(poison) || res.Used != len(genuine) || !res.Promoted {
		t.Errorf("%d refused before, %d used, promoted %v; want %d, %d, promoted", res.RefusedBefore, res.Used, res.Promoted, len(poison), len(genuine))
	}
	learnt, err := intent.ReadExampleDocs(filepath.Join(out, learntFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range learnt {
		if strings.HasPrefix(d.Text, "第") {
			t.Fatalf("a refused correction was learnt diluted among genuine ones: %v", d)
		}
	}
}

// LeaveOutRefused matches a correction to a refusal by its text as stored (normalised, masked)
// and intent; an operator's label is judged again.
func TestLeaveOutRefused(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "shop")
	if keep, refused, err := LeaveOutRefused(model, []Correction{{Text: "怎么退货", Intent: "invoice"}}); err != nil || len(keep) != 1 || len(refused) != 0 {
		t.Fatalf("no file: %v %v %v; want all kept", keep, refused, err)
	}
	if err := recordRefused(model, "shop@x", "refused: test", []Labelled{{Text: textKey("怎么退货 ABC"), Intent: "invoice"}}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		c    Correction
		left bool
	}{
		{"the same", Correction{Text: "怎么退货 ABC", Intent: "invoice"}, true},
		{"the same once normalised (full-width)", Correction{Text: "怎么退货 ＡＢＣ", Intent: "invoice"}, true},
		{"another intent", Correction{Text: "怎么退货 ABC", Intent: "return_goods"}, false},
		{"another text", Correction{Text: "怎么退货呢", Intent: "invoice"}, false},
		{"an operator's label", Correction{Text: "怎么退货 ABC", Intent: "invoice", Checked: true}, false},
	} {
		keep, refused, err := LeaveOutRefused(model, []Correction{c.c})
		if err != nil || len(refused) == 1 != c.left || len(keep)+len(refused) != 1 {
			t.Errorf("%s: kept %v, left out %v (%v); want left out %v", c.name, keep, refused, err, c.left)
		}
	}
	// Every line is a labels-file line: an operator re-labels from it.
	ls, err := ReadLabels(RefusedPath(model))
	if err != nil || len(ls) != 1 || ls[0].Intent != "invoice" || ls[0].Text == "" {
		t.Errorf("the refusals read as labels: %+v, %v", ls, err)
	}
	// A damaged file fails: read in part, it would let refused corrections through.
	f, err := os.OpenFile(RefusedPath(model), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("{\"text\":\"cut\n")
	f.Close()
	if _, _, err := LeaveOutRefused(model, nil); err == nil || !strings.Contains(err.Error(), RefusedFile+":2") {
		t.Errorf("a damaged file: %v, want an error naming its line 2", err)
	}
}

// TestRefusedFileWholeAfterFullDisk: a full disk part way through recording a refused batch used
// to leave a torn last line, and every later learn failed on it even once space was back. The
// failed write is reported and cut back, so the batch recorded before and the next one still read.
func TestRefusedFileWholeAfterFullDisk(t *testing.T) {
	model := filepath.Join(t.TempDir(), "shop")
	first := []Labelled{{Text: textKey("怎么退货"), Intent: "invoice"}}
	if err := recordRefused(model, "shop@1", "refused: test", first); err != nil {
		t.Fatal(err)
	}
	var batch []Labelled
	for i := range 40 {
		batch = append(batch, Labelled{Text: textKey(fmt.Sprintf("第%d个问题 什么时候发货 能退吗 开发票", i)), Intent: "invoice"})
	}
	write := refusedWrite
	t.Cleanup(func() { refusedWrite = write })
	refusedWrite = func(f *os.File, b []byte) (int, error) {
		n, _ := f.Write(b[:len(b)/2]) // the disk fills half way through a line
		return n, syscall.ENOSPC
	}
	if err := recordRefused(model, "shop@2", "refused: test", batch); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("recording on a full disk: %v; want ENOSPC reported", err)
	}
	refusedWrite = write // space is back
	if rs, err := ReadRefused(model); err != nil || len(rs) != len(first) {
		t.Fatalf("after the full disk: %d refusals, %v; want the %d recorded before, the file whole", len(rs), err, len(first))
	}
	if _, _, err := LeaveOutRefused(model, []Correction{{Text: "我要开发票", Intent: "invoice"}}); err != nil {
		t.Fatalf("learning after the full disk: %v", err)
	}
	if err := recordRefused(model, "shop@3", "refused: test", batch); err != nil {
		t.Fatal(err)
	}
	if rs, err := ReadRefused(model); err != nil || len(rs) != len(first)+len(batch) {
		t.Fatalf("%d refusals, %v; want %d", len(rs), err, len(first)+len(batch))
	}
}
