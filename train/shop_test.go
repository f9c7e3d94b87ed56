package train

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// A tiny synthetic shop: four intents (one always handed to a person), out-of-scope chat
// labelled none, a few mis-tagged messages, some unlabelled ones, and a few labelled with an
// intent the knowledge base does not have.

const shopKB = `shop: 测试小铺
version: 1
intents:
  - id: return_goods
    label: 退货
    category: 咨询
    priority: 2
    examples:
      - 我想退货
      - 东西不要了怎么寄回去
    answers:
      - id: return_goods.a
        text: 亲，签收 7 天内可以在订单详情申请退货哦。
  - id: shipping_time
    label: 发货时间
    category: 咨询
    priority: 2
    examples:
      - 什么时候发货
      - 多久能发出
    answers:
      - id: shipping_time.a
        text: 亲，付款后 48 小时内发货。
  - id: invoice
    label: 发票
    category: 咨询
    priority: 3
    examples:
      - 怎么开发票
      - 可以开专票吗
    answers:
      - id: invoice.a
        text: 亲，确认收货后在订单详情申请开票即可。
  - id: human_agent
    label: 转人工
    category: 咨询
    priority: 1
    handoff: true
    examples:
      - 转人工
      - 我要找人工客服
    answers:
      - id: human_agent.a
        text: 亲，正在为您转接人工客服，请稍候。
`

var shopDict = map[string]string{
	"userdict.txt":  "# test shop\n七天无理由 2000 n\n专票 2000 n\n转人工 3000 v\n",
	"synonyms.txt":  "退货: 东西不要了, 不想要了\n开票: 要发票, 开发票\n人工: 真人, 人工客服\n",
	"stopwords.txt": "的\n了\n吧\n呢\n啊\n亲\n请问\n一下\n",
}

var shopPhrases = map[string][]string{
	"return_goods": {"我想退货", "东西不要了怎么寄回去", "不想要了能退吗", "怎么申请退货", "退货流程是什么",
		"可以七天无理由退货吗", "退货地址在哪", "买错了想退掉"},
	"shipping_time": {"什么时候发货", "多久能发货", "今天能发出吗", "下单后几天发货", "怎么还不发货",
		"发货要等多久", "能不能快点发货", "付款后多久发出"},
	"invoice": {"怎么开发票", "可以开专票吗", "要发票", "发票在哪里申请", "能开电子发票吗",
		"发票抬头写错了", "开票要多久", "公司报销需要发票"},
	"human_agent": {"转人工", "我要找人工客服", "人工服务", "叫你们客服出来", "机器人听不懂找真人",
		"有没有人工", "帮我转接人工", "给我换个真人客服"},
	intent.NoneIntent: {"今天天气怎么样", "你会唱歌吗", "讲个笑话吧", "你是男的还是女的", "推荐一部电影",
		"中午吃什么好", "哈哈哈哈", "周末去哪玩"},
}

var (
	shopPrefixes = []string{"", "你好 ", "请问", "亲 ", "在吗 "}
	shopItems    = []string{"", "这件卫衣", "这双鞋", "手机壳", "数据线", "那件外套", "羽绒服"}
	noneSuffixes = []string{"", "呀", "哈", "？", "啊"}
)

type shopLine struct {
	Text   string `json:"text"`
	Intent string `json:"intent,omitempty"`
	SentAt int64  `json:"sent_at"`
}

// shopOptions vary the shop for one test.
type shopOptions struct {
	perIntent int               // labelled messages per intent (none included); default 45
	intents   []string          // intents to write; default all
	unknown   int               // labelled messages with an intent missing from the KB
	dict      map[string]string // dictionary files; default shopDict
	extra     []shopLine        // appended to the data
	noSeeds   bool              // train without seeds (set by the test on its Config)
}

type shopFiles struct {
	kb, dict, data string
	lines          []shopLine
}

func writeShop(t *testing.T, dir string, o shopOptions) shopFiles {
	t.Helper()
	f, err := makeShop(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// makeShop writes kb.yaml, dict/ and data.jsonl into dir: ~200 labelled messages spread evenly
// over four weeks (sent_at alternately in ms and s), 20 unlabelled ones, and o.unknown labelled
// with an intent the knowledge base lacks. The content depends only on o.
func makeShop(dir string, o shopOptions) (shopFiles, error) {
	if o.perIntent == 0 {
		o.perIntent = 45
	}
	if o.intents == nil {
		o.intents = []string{"return_goods", "shipping_time", "invoice", "human_agent", intent.NoneIntent}
	}
	if o.dict == nil {
		o.dict = shopDict
	}
	rng := rand.New(rand.NewPCG(42, 42))
	var lines []shopLine
	for _, name := range o.intents {
		var all []string
		for _, ph := range shopPhrases[name] {
			for _, pre := range shopPrefixes {
				if name == intent.NoneIntent {
					for _, suf := range noneSuffixes {
						all = append(all, pre+ph+suf)
					}
					continue
				}
				for _, item := range shopItems {
					all = append(all, pre+item+ph)
				}
			}
		}
		for _, i := range rng.Perm(len(all))[:min(o.perIntent, len(all))] {
			lines = append(lines, shopLine{Text: all[i], Intent: name})
		}
	}
	// Agents mis-tag now and then: one message in fifteen carries the next intent's label.
	for i := 7; i < len(lines) && len(o.intents) > 1; i += 15 {
		next := (slices.Index(o.intents, lines[i].Intent) + 1) % len(o.intents)
		lines[i].Intent = o.intents[next]
	}
	for i := range o.unknown {
		lines = append(lines, shopLine{Text: fmt.Sprintf("能帮我包装成礼物吗 第%d件", i+1), Intent: "gift_wrap"})
	}
	for i, ph := range []string{"你好", "在吗", "好的", "谢谢", "嗯嗯", "收到了", "知道了", "稍等", "那我再看看", "行吧"} {
		lines = append(lines, shopLine{Text: ph}, shopLine{Text: fmt.Sprintf("%s %d", ph, i)})
	}
	rng.Shuffle(len(lines), func(i, j int) { lines[i], lines[j] = lines[j], lines[i] })
	lines = append(lines, o.extra...)
	start := time.Date(2026, 8, 3, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))
	step := 28 * 24 * time.Hour / time.Duration(len(lines))
	var b strings.Builder
	for i := range lines {
		at := start.Add(time.Duration(i) * step)
		if lines[i].SentAt == 0 {
			lines[i].SentAt = at.UnixMilli()
			if i%2 == 1 {
				lines[i].SentAt = at.Unix()
			}
		}
		data, err := json.Marshal(lines[i])
		if err != nil {
			return shopFiles{}, err
		}
		b.Write(data)
		b.WriteByte('\n')
	}
	f := shopFiles{kb: filepath.Join(dir, "kb.yaml"), dict: filepath.Join(dir, "dict"), data: filepath.Join(dir, "data.jsonl"), lines: lines}
	files := map[string]string{f.kb: shopKB, f.data: b.String()}
	for name, content := range o.dict {
		files[filepath.Join(f.dict, name)] = content
	}
	for path, content := range files {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return f, err
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			return f, err
		}
	}
	return f, nil
}

func shopConfig(f shopFiles, out string) Config {
	cfg := DefaultConfig()
	cfg.Data = []string{f.data}
	cfg.KB = f.kb
	cfg.DictDir = f.dict
	cfg.Out = out
	cfg.DevDays = 7 // of four weeks: a quarter of the data is dev
	cfg.Progress = io.Discard
	return cfg
}

// testRoot holds what the package's tests share; TestMain removes it.
var testRoot string

func TestMain(m *testing.M) {
	code := m.Run()
	if testRoot != "" {
		os.RemoveAll(testRoot)
	}
	os.Exit(code)
}

type trainedShop struct {
	files    shopFiles
	out      string
	summary  *Summary
	progress string // what training printed
}

// shopBundle trains the shop once for every test that only reads the bundle.
var shopBundle = sync.OnceValues(func() (*trainedShop, error) {
	root, err := os.MkdirTemp("", "zhiyi-train-test-")
	if err != nil {
		return nil, err
	}
	testRoot = root
	files, err := makeShop(filepath.Join(root, "shop"), shopOptions{unknown: 6})
	if err != nil {
		return nil, err
	}
	out := filepath.Join(root, "models", "shop")
	cfg := shopConfig(files, out)
	var progress strings.Builder
	cfg.Progress = &progress
	sum, err := Run(context.Background(), cfg)
	if err != nil {
		return nil, err
	}
	return &trainedShop{files: files, out: out, summary: sum, progress: progress.String()}, nil
})

func trained(t *testing.T) *trainedShop {
	t.Helper()
	s, err := shopBundle()
	if err != nil {
		t.Fatalf("training the test shop: %v", err)
	}
	return s
}
