package train

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// The gate grades a candidate and its control on the evaluation set; continued on a replay
// that holds it, both keep it by rote, and a batch that moves such messages to the wrong intent
// costs the set nothing. No text of the evaluation set is replayed: with a dev split (the test
// shop, whose refit put dev into the history) none of it; without one (the weak shop, whose
// evaluation set is the examples it trained on) a fixed fifth, the rest still replayed.
func TestLearnEvalSetNotReplayed(t *testing.T) {
	for _, c := range []struct {
		name string
		dir  func(t *testing.T) string
		dev  bool
	}{
		{"dev split", func(t *testing.T) string { return trained(t).out }, true},
		{"no dev split", learnShop, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := c.dir(t)
			eng, err := intent.Load(context.Background(), dir)
			if err != nil {
				t.Fatal(err)
			}
			defer eng.Close()
			evalSet, what, err := readEvalSet(dir, eng)
			if err != nil {
				t.Fatal(err)
			}
			replay, err := replaySet(dir, eng)
			if err != nil {
				t.Fatal(err)
			}
			file, err := intent.ReadExampleDocs(filepath.Join(dir, intent.EvalSetFile))
			if err != nil {
				t.Fatal(err)
			}
			replayed := map[string]bool{}
			for _, l := range replay {
				replayed[textKey(l.Text)] = true
			}
			leaked := 0
			for _, l := range evalSet {
				if replayed[textKey(l.Text)] {
					leaked++
				}
			}
			t.Logf("%s: %d of the file's %d; replay %d", what, len(evalSet), len(file), len(replay))
			if leaked > 0 || len(evalSet) == 0 {
				t.Errorf("%d of the %d evaluation-set messages are in the replay that the candidate and control train on", leaked, len(evalSet))
			}
			if c.dev && len(evalSet) != len(file) {
				t.Errorf("the evaluation set is %d of the dev split's %d", len(evalSet), len(file))
			}
			if !c.dev {
				// The shop's own examples, 8 of them: a fixed part, and the built-in out-of-scope
				// ones capped (capBuiltin).
				own, ownFile := without(evalSet, noneSeedLabels()), without(labelledOf(file), noneSeedLabels())
				if len(own) == 0 || len(own) > len(ownFile)/2 || len(evalSet)-len(own) > int(builtinShare*float64(len(evalSet))) {
					t.Errorf("without a dev split the evaluation set is %d of the shop's %d examples and %d built-in ones, want about 1 in %d and at most %.0f%% built-in",
						len(own), len(ownFile), len(evalSet)-len(own), evalShare, 100*builtinShare)
				}
			}
			// Only the evaluation set is left out: the rest of what the bundle trained on is replayed
			// (a knowledge-base example is in the history twice, as a labelled example and in kb.yaml).
			history, err := historySet(dir, eng)
			if err != nil {
				t.Fatal(err)
			}
			if least := len(history) - 2*len(evalSet); len(replay) < least {
				t.Errorf("%d of the %d examples of the history are replayed, want at least %d", len(replay), len(history), least)
			}
		})
	}
}

// templatedReturns is one agent's batch: returns of six items "corrected" to invoice.
func templatedReturns() []Correction {
	var out []Correction
	for _, item := range []string{"卫衣", "羽绒服", "马丁靴", "运动鞋", "数据线", "保温杯"} {
		for _, form := range []string{"%s退货流程是什么", "%s可以退货吗", "%s不想要了能退吗"} {
			out = append(out, Correction{Text: fmt.Sprintf(form, item), Intent: "invoice", Source: "feedback"})
		}
	}
	return out
}

// The templated batch TestLearnRefusesContestedCorrections refuses at 18 is refused however it
// is split: every check against poison starts at ten corrections, so they judge those learnt
// since the bundle trained from exports with each batch's, and a batch that was let through
// neither vouches for the next as one of the shop's own labels nor teaches the model that
// judges them. A bundle learnt before the list of learnt corrections existed is judged the same,
// its history told from its root's.
func TestLearnRefusesPoisonSplitIntoSmallBatches(t *testing.T) {
	parent := learnShop(t)
	poison := templatedReturns()
	rootVersion := func() string { m, _ := intent.ReadManifest(parent); return m.Version() }()
	for _, size := range []int{9, 6} {
		t.Run(fmt.Sprint("batches of ", size), func(t *testing.T) {
			os.Remove(RefusedPath(parent)) // each split is a first run: the other's refusal is not recorded
			cur, learnt := parent, 0
			for i := 0; i < len(poison); i += size {
				batch := poison[i:min(i+size, len(poison))]
				out := filepath.Join(filepath.Dir(parent), fmt.Sprintf("poison%d-%d", size, i))
				res, err := Learn(context.Background(), cur, out, batch, LearnConfig{MaxDrop: 0.02})
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("batch %d: %d judged, %s", i/size, res.Judged, res.Reason)
				if res.Judged != learnt+len(batch) || res.Judge != rootVersion {
					t.Errorf("judged %d corrections by %s, want %d by the root %s", res.Judged, res.Judge, learnt+len(batch), rootVersion)
				}
				if !res.Promoted {
					if learnt+len(batch) < minContestBatch {
						t.Errorf("refused before %d poisoned corrections were judged together", minContestBatch)
					}
					if !strings.Contains(res.Reason, "learnt since the bundle trained from exports") {
						t.Errorf("the reason does not say the learnt corrections were judged: %s", res.Reason)
					}
					return
				}
				learnt += len(batch)
				cur = out
				// As a bundle learnt before the list existed: the history tells what was learnt.
				if i == 0 && size == 9 {
					unmark(t, cur)
				}
			}
			t.Errorf("%d templated corrections in batches of %d were all promoted", len(poison), size)
		})
	}
}

// unmark removes the list of learnt corrections from a learnt bundle, as one made before it.
func unmark(t *testing.T, dir string) {
	t.Helper()
	m, err := intent.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m.Files[learntFile]; !ok {
		t.Fatalf("the learnt bundle does not list %s", learntFile)
	}
	if err := os.Remove(filepath.Join(dir, learntFile)); err != nil {
		t.Fatal(err)
	}
	if err := intent.WriteManifest(dir, m); err != nil {
		t.Fatal(err)
	}
	if _, err := intent.Load(context.Background(), dir); err != nil {
		t.Fatalf("a learnt bundle without %s: %v", learntFile, err)
	}
}

// A correction of a message of the evaluation set is left out and counted: learnt, the gate
// would grade the candidate on what it was just taught.
func TestLearnLeavesOutCorrectionsOfTheEvalSet(t *testing.T) {
	parent := learnShop(t)
	eng, err := intent.Load(context.Background(), parent)
	if err != nil {
		t.Fatal(err)
	}
	evalSet, _, err := readEvalSet(parent, eng)
	eng.Close()
	if err != nil || len(evalSet) == 0 {
		t.Fatalf("evaluation set: %d, %v", len(evalSet), err)
	}
	fixes := []Correction{{Text: evalSet[0].Text, Intent: "shipping_time", Source: "feedback"}}
	if evalSet[0].Intent == "shipping_time" {
		fixes[0].Intent = "invoice"
	}
	for _, text := range []string{"报销凭证在哪弄", "报销凭证能给吗", "我要报销凭证", "报销凭证怎么申请", "公司要报销凭证"} {
		fixes = append(fixes, Correction{Text: text, Intent: "invoice", Source: "feedback"})
	}
	res, err := Learn(context.Background(), parent, filepath.Join(t.TempDir(), "learnt"), fixes, LearnConfig{MaxDrop: 0.02})
	if err != nil {
		t.Fatal(err)
	}
	if res.InEvalSet != 1 || res.Used != 5 {
		t.Errorf("%d in the evaluation set, %d used; want 1 and 5 (%s)", res.InEvalSet, res.Used, res.Reason)
	}
}

// MaxDrop is a number of messages: losing exactly MaxDrop of them is allowed whatever the size
// of the evaluation set (compared as accuracies, 3 of 300 were refused with the control right
// on 152), and one more is not.
func TestLearnMaxDropCountsMessages(t *testing.T) {
	if dropsTooMuch(152, 149, 300, 0.01) {
		t.Error("losing 3 of 300 messages at MaxDrop 0.01 refused")
	}
	if !dropsTooMuch(152, 148, 300, 0.01) {
		t.Error("losing 4 of 300 messages at MaxDrop 0.01 allowed")
	}
	for n := 100; n <= 1000; n += 100 {
		for c := n / 2; c <= n; c++ {
			if dropsTooMuch(c, c-n/100, n, 0.01) {
				t.Fatalf("losing %d of %d messages (control right on %d) at MaxDrop 0.01 refused", n/100, n, c)
			}
		}
	}
	if !dropsTooMuch(58, 57, 58, 0.01) || dropsTooMuch(58, 58, 58, 0.01) || dropsTooMuch(0, 0, 0, 0.01) {
		t.Error("on 58 messages MaxDrop 0.01 allows no loss, and an empty set none to judge")
	}
}

// A bundle learnt by a build from before learntFile has the file copied from its parent, without
// its own batch; the history against the root's still names the batch as learnt, so it never
// passes for the shop's own labels.
func TestLearntSetTrustsTheHistoryOverTheFile(t *testing.T) {
	root, child := t.TempDir(), t.TempDir()
	own := []intent.ExampleDoc{{Text: "怎么退货", Intent: "return_goods"}, {Text: "开发票", Intent: "invoice"}}
	first := intent.ExampleDoc{Text: "大衣可以退货吗", Intent: "invoice"}
	second := intent.ExampleDoc{Text: "裤子可以退货吗", Intent: "invoice"}
	write := func(dir, name string, docs ...intent.ExampleDoc) {
		t.Helper()
		if err := intent.WriteExampleDocs(filepath.Join(dir, name), docs); err != nil {
			t.Fatal(err)
		}
	}
	write(root, intent.ExamplesFile, own...)
	write(child, intent.ExamplesFile, append(slices.Clone(own), first, second)...)
	write(child, learntFile, first) // the older build's learn copied the file, without `second`
	m := &intent.Manifest{Parent: "shop@20261205T000000Z"}
	got, err := learntSet(child, m, ancestry{Dir: root, Trained: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []Labelled{{Text: first.Text, Intent: first.Intent}, {Text: second.Text, Intent: second.Intent}}
	if !slices.Equal(got, want) {
		t.Errorf("learnt since the root: %v, want %v", got, want)
	}
	// the root gone: the file is all there is
	got, err = learntSet(child, m, ancestry{Dir: filepath.Join(root, "gone"), Trained: true})
	if err != nil || len(got) != 1 {
		t.Errorf("without the root: %v, %v; want the file's one", got, err)
	}
}

// A random batch learnt after a genuine one is refused: the window of corrections learnt since
// the bundle trained from exports holds the genuine batch, which a model trained without it
// still gets right, and the random batch's share of it alone is what says it teaches nothing
// (serve --learn promoted 62 corrections an agent clicked at random, an hour after 56 genuine
// ones: 32 % held out over the 118).
func TestLearnRefusesRandomBatchAfterGenuineOne(t *testing.T) {
	parent := learnShop(t)
	var genuine []Correction
	for i := range 30 {
		genuine = append(genuine, Correction{Text: fmt.Sprintf("第%d张报销凭证怎么开", i), Intent: "invoice", Source: "feedback"})
	}
	first := filepath.Join(filepath.Dir(parent), "genuine")
	res, err := Learn(context.Background(), parent, first, genuine, LearnConfig{MaxDrop: 0.02})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Promoted {
		t.Fatalf("the genuine batch was refused: %s", res.Reason)
	}
	labels := []string{"invoice", "return_goods", "shipping_time"}
	var random []Correction
	for i := range 20 {
		random = append(random, Correction{Text: fmt.Sprintf("第%d个问题 什么时候发货 能退吗 开发票", i), Intent: labels[i%3], Source: "feedback"})
	}
	res, err = Learn(context.Background(), first, filepath.Join(filepath.Dir(parent), "random"), random, LearnConfig{MaxDrop: 0.02})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d judged: %s", res.Judged, res.Reason)
	if res.Promoted {
		t.Errorf("a random batch after a genuine one was promoted: %s", res.Reason)
	}
}
