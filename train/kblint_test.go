package train

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestRunRefusesKBWithFindings: an answer promising 全网最低价 stops training with the
// finding's file:line and term; the same answer with a waiver trains.
func TestRunRefusesKBWithFindings(t *testing.T) {
	const answer = "        text: 亲，付款后 48 小时内发货。\n"
	const bad = "        text: 亲，付款后 48 小时内发货，全网最低价。\n"
	const waiver = "        waive:\n          - term: 最低\n            reason: 平台比价页每日核对，法务已确认\n"
	if !strings.Contains(shopKB, answer) {
		t.Fatal("the test shop's knowledge base changed: update the test")
	}
	line := strings.Count(shopKB[:strings.Index(shopKB, answer)], "\n") + 1
	for _, tc := range []struct {
		name, kb string
		wantErr  []string // nil: trains
	}{
		{"finding", strings.Replace(shopKB, answer, bad, 1),
			[]string{"kb.yaml:" + strconv.Itoa(line) + ":", "intent shipping_time answer shipping_time.a", "最低", "waive"}},
		{"waived", strings.Replace(shopKB, answer, bad+waiver, 1), nil},
		{"unused waiver", strings.Replace(shopKB, answer, answer+waiver, 1),
			[]string{"kb.yaml:" + strconv.Itoa(line+2) + ":19:", "最低", "waiver matches no finding"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			files := writeShop(t, filepath.Join(dir, "shop"), shopOptions{perIntent: 20})
			if err := os.WriteFile(files.kb, []byte(tc.kb), 0o644); err != nil {
				t.Fatal(err)
			}
			models := filepath.Join(dir, "models")
			_, err := Run(context.Background(), shopConfig(files, filepath.Join(models, "m")))
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("Run with the finding waived: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrKBFindings) {
				t.Fatalf("Run = %v, want ErrKBFindings", err)
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			checkOnly(t, models)
		})
	}
}

// train --labels with new:<标签> writes a kb.yaml stub whose answer is "（请填写答案）". An
// operator pasted it under kb.yaml's intents as it was, meaning to write the answer later:
// training accepted it and shipped a bundle that sent customers "（请填写答案）". It is refused,
// naming kb.yaml:line and the intent; the shipped shop's knowledge base has none.
func TestRunRefusesTheStubsPlaceholderAnswer(t *testing.T) {
	dir := t.TempDir()
	files := writeShop(t, filepath.Join(dir, "shop"), shopOptions{perIntent: 20})
	stub := "  - id: new_intent_1\n    label: 物流查询\n    category: 咨询\n    priority: 2\n    handoff: false\n" +
		"    examples:\n      - 快递到哪了\n      - 物流怎么不动了\n    answers:\n      - id: new_intent_1.a\n        text: " + stubPlaceholder + "\n"
	kb := shopKB + stub
	writeFile(t, files.kb, kb)
	line := strings.Count(kb, "\n") // the stub's text is the last line
	_, err := Run(t.Context(), shopConfig(files, filepath.Join(dir, "m")))
	want := files.kb + ":" + strconv.Itoa(line) + `: intent "new_intent_1"`
	if !errors.Is(err, ErrKBStubAnswer) || !strings.Contains(err.Error(), want) {
		t.Errorf("Run with the stub's placeholder answer in kb.yaml: %v; want it refused with %q", err, want)
	}
	if err := refuseStubAnswers(filepath.Join("..", "corpora", "shop", "kb.yaml")); err != nil {
		t.Errorf("the sample shop's knowledge base: %v", err)
	}
}

// TestRunRefusesAnExampleUnderTwoIntents: one example question under two intents (here 什么时候发货
// under return_goods as well, in traditional script) teaches the classifier both that it is one
// and that it is not; training refuses it, naming both places. The sample shop has none.
func TestRunRefusesAnExampleUnderTwoIntents(t *testing.T) {
	dir := t.TempDir()
	files := writeShop(t, filepath.Join(dir, "shop"), shopOptions{perIntent: 20})
	kb := strings.Replace(shopKB, "      - 我想退货\n", "      - 我想退货\n      - 什麼時候發貨\n", 1)
	writeFile(t, files.kb, kb)
	_, err := Run(t.Context(), shopConfig(files, filepath.Join(dir, "m")))
	want := files.kb + `:20: example "什么时候发货" of intent "shipping_time" is also under intent "return_goods" (line 10)`
	if !errors.Is(err, ErrKBSharedExample) || !strings.Contains(err.Error(), want) {
		t.Errorf("Run with an example under two intents: %v; want it refused with %q", err, want)
	}
	for _, kb := range []string{filepath.Join("..", "corpora", "shop", "kb.yaml"), filepath.Join("..", "intent", "testdata", "shop", "kb.yaml")} {
		if err := refuseSharedExamples(kb); err != nil {
			t.Errorf("%s: %v", kb, err)
		}
	}
}

// TestRunRefusesFoldedExamples: an example indented a space short of the items after it is valid
// YAML that reads them all as one example; training refuses it, naming its line. index.ParseKB
// no longer does, so that a bundle an older zhiyi trained from such a kb.yaml still loads.
func TestRunRefusesFoldedExamples(t *testing.T) {
	dir := t.TempDir()
	files := writeShop(t, filepath.Join(dir, "shop"), shopOptions{perIntent: 20})
	kb := strings.Replace(shopKB, "      - 我想退货\n", "     - 我想退货\n", 1)
	if kb == shopKB {
		t.Fatal("the shop's kb.yaml changed: 我想退货 is not an example line")
	}
	writeFile(t, files.kb, kb)
	_, err := Run(t.Context(), shopConfig(files, filepath.Join(dir, "m")))
	want := files.kb + `:9: intent "return_goods": example "我想退货 - 东西不要了怎么寄回去`
	if !errors.Is(err, ErrKBFoldedExamples) || !strings.Contains(err.Error(), want) {
		t.Errorf("Run with folded examples in kb.yaml: %v; want it refused with %q", err, want)
	}
	for _, kb := range []string{filepath.Join("..", "corpora", "shop", "kb.yaml"), filepath.Join("..", "intent", "testdata", "shop", "kb.yaml")} {
		if err := refuseFoldedExamples(kb); err != nil {
			t.Errorf("%s: %v", kb, err)
		}
	}
}
