package train

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// weakKB is a shop whose examples never say 报销凭证: only the conversations can teach it.
const weakKB = `shop: 弱标注小铺
version: 1
intents:
  - id: invoice
    label: 开发票
    category: 咨询
    priority: 2
    examples: [怎么开发票, 发票怎么开, 可以开发票吗, 开个发票, 电子发票能开吗]
    answers:
      - {id: invoice.a, text: 亲，确认收货后在订单详情里申请开票，电子发票一到三个工作日发到您邮箱}
  - id: return_goods
    label: 退货
    category: 咨询
    priority: 2
    examples: [怎么退货, 我要退货, 可以退货吗, 退货流程是什么, 不想要了能退吗]
    answers:
      - {id: return_goods.a, text: 亲，签收七天内可以在订单详情申请退货退款}
  - id: shipping_time
    label: 发货时间
    category: 咨询
    priority: 2
    examples: [什么时候发货, 几天发货, 几天能到, 多久发货, 今天能发吗]
    answers:
      - {id: shipping_time.a, text: 亲，付款后四十八小时内发货，一般两到四天送达}
`

// writeWeakShop writes weakKB and a WeCom export of conversations in which customers ask for 报销凭证
// and agents answer with the invoice answer, plus conversations about the other intents; no line
// carries a label.
func writeWeakShop(t *testing.T, dir string) (kb, data string) {
	t.Helper()
	kb, data = filepath.Join(dir, "kb.yaml"), filepath.Join(dir, "wecom.jsonl")
	writeFile(t, kb, weakKB)
	ask := map[string][]string{
		"invoice": {"报销凭证在哪弄", "报销凭证能给吗", "我要报销凭证", "报销凭证怎么申请", "公司要报销凭证", "报销凭证开一下",
			"能给个报销凭证不", "报销凭证发我邮箱", "报销凭证可以吗", "需要报销凭证", "报销凭证哪里申请", "报销凭证电子的行吗"},
		"return_goods":  {"东西我不要了", "想退掉", "这个退了吧", "不合适想退", "退掉怎么弄", "我想退掉这件"},
		"shipping_time": {"啥时候发出", "能快点发出吗", "还没发出吗", "明天能发出吗", "哪天发出", "发出要几天"},
	}
	reply := map[string]string{
		"invoice":       "亲，确认收货后在订单详情里申请开票，电子发票一到三个工作日发到您邮箱",
		"return_goods":  "亲，签收七天内可以在订单详情申请退货退款",
		"shipping_time": "亲，付款后四十八小时内发货，一般两到四天送达",
	}
	var b strings.Builder
	ms := int64(1785539051000)
	n := 0
	for _, id := range []string{"invoice", "return_goods", "shipping_time"} {
		for i, text := range ask[id] {
			n++
			cust := fmt.Sprintf("wmWEAK%04d", n)
			for _, line := range []map[string]any{
				{"msgid": fmt.Sprintf("c%d", n), "action": "send", "from": cust, "tolist": []string{"liuyang"}, "roomid": "",
					"msgtime": ms, "msgtype": "text", "text": map[string]string{"content": text}},
				{"msgid": fmt.Sprintf("a%d", n), "action": "send", "from": "liuyang", "tolist": []string{cust}, "roomid": "",
					"msgtime": ms + 30_000, "msgtype": "text", "text": map[string]string{"content": reply[id]}},
			} {
				data, _ := json.Marshal(line)
				b.Write(data)
				b.WriteByte('\n')
			}
			ms += int64(3600_000 * (1 + i))
		}
	}
	writeFile(t, data, b.String())
	return kb, data
}

// TestSelfTrainingLearnsFromConversations trains a shop with no labels at all: the seeds alone
// cannot know that 报销凭证 asks for an invoice; the agents' replies in the conversations can.
func TestSelfTrainingLearnsFromConversations(t *testing.T) {
	dir := t.TempDir()
	kb, data := writeWeakShop(t, dir)
	probe := "报销凭证几天能好"
	classify := func(rounds int) intent.Result {
		t.Helper()
		cfg := DefaultConfig()
		cfg.Data, cfg.KB, cfg.Out, cfg.Progress = []string{data}, kb, filepath.Join(dir, fmt.Sprintf("m%d", rounds)), io.Discard
		cfg.Weak.Rounds = rounds
		sum, err := Run(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		if rounds > 0 && sum.SelfLabelled == 0 {
			t.Errorf("self-training labelled nothing")
		}
		eng, err := intent.Load(context.Background(), cfg.Out)
		if err != nil {
			t.Fatal(err)
		}
		defer eng.Close()
		return eng.Classify(context.Background(), intent.Request{Text: probe})
	}
	if res := classify(-1); res.Intent == "invoice" {
		t.Fatalf("seeds alone classify %q as invoice (%.3f): the test shop teaches nothing", probe, res.Confidence)
	}
	if res := classify(4); res.Intent != "invoice" {
		t.Errorf("with self-training %q is %s (%.3f), want invoice", probe, res.Intent, res.Confidence)
	}
}

// TestTrainDeterministic trains the same unlabelled data twice: every file of the bundle but the
// manifest (which records the time) must be byte-identical, and the report but for the version
// it names (the manifest's, with its time).
func TestTrainDeterministic(t *testing.T) {
	dir := t.TempDir()
	kb, data := writeWeakShop(t, dir)
	var outs []string
	for i := range 2 {
		cfg := DefaultConfig()
		cfg.Data, cfg.KB, cfg.Progress = []string{data}, kb, io.Discard
		cfg.Out, cfg.Name = filepath.Join(dir, fmt.Sprintf("run%d", i)), "m"
		if _, err := Run(context.Background(), cfg); err != nil {
			t.Fatal(err)
		}
		outs = append(outs, cfg.Out)
	}
	for _, name := range []string{intent.ClassifierFile, intent.PolicyFile, intent.ExamplesFile, intent.ReportJSONFile,
		"subword/vocab.json", "subword/merges.txt"} {
		a, errA := os.ReadFile(filepath.Join(outs[0], name))
		b, errB := os.ReadFile(filepath.Join(outs[1], name))
		if errA != nil || errB != nil {
			t.Errorf("%s: %v %v", name, errA, errB)
			continue
		}
		if name == intent.ReportJSONFile {
			a, b = withoutModel(t, a), withoutModel(t, b)
		}
		if string(a) != string(b) {
			t.Errorf("%s differs between two runs on the same data and seed", name)
		}
	}
}

// withoutModel returns report.json with its model version (name@time) left out.
func withoutModel(t *testing.T, raw []byte) []byte {
	t.Helper()
	var rep map[string]any
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatal(err)
	}
	if m, _ := rep["model"].(string); !strings.HasPrefix(m, "m@") {
		t.Errorf("report.json names model %q, want the bundle's version m@…", m)
	}
	delete(rep, "model")
	out, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Without a labelled dev split the estimate also scores the shop's own examples apart from the
// built-in out-of-scope ones, which are easy and may be most of the set.
func TestEstimateWithoutBuiltinExamples(t *testing.T) {
	dir := t.TempDir()
	kb, data := writeWeakShop(t, dir)
	cfg := DefaultConfig()
	var prog strings.Builder
	cfg.Data, cfg.KB, cfg.Out, cfg.Progress = []string{data}, kb, filepath.Join(dir, "m"), &prog
	cfg.Weak.Rounds = -1
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	m, err := intent.PeekManifest(cfg.Out)
	if err != nil {
		t.Fatal(err)
	}
	acc, ok := m.Metrics["accuracy_without_builtin"]
	if !ok || acc < 0 || acc > 1 || !strings.Contains(prog.String(), "estimated on the shop's own examples") {
		t.Errorf("accuracy without the built-in examples: %v (%v); progress:\n%s", acc, ok, prog.String())
	}
}
