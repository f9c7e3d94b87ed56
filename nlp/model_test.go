package nlp_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/nlp"
	"github.com/zhiyi-ai/zhiyi/train"
)

// A small model trained with zhiyi's own trainer on sentences written for this test.
var smallTrain = map[string][]string{
	"invoice": {"能开发票吗", "我要开个发票", "发票怎么开", "公司要发票 抬头写公司名", "可以开电子发票吗", "发票开好了吗",
		"买了东西想要发票", "麻烦给我开张发票"},
	"refund": {"退款什么时候到账", "退款还没到", "钱什么时候退给我", "退款到哪一步了", "申请的退款怎么还没好",
		"退款多久能到", "我的退款呢", "退款一直没到账"},
	"exchange": {"尺码不对想换一个", "能换个大一码的吗", "我想换货", "颜色想换成黑色", "鞋子小了能换吗", "换个尺码怎么操作",
		"收到的有点紧 想换大一号", "换货要寄回去吗"},
	"shipping": {"什么时候发货", "今天能发货吗", "还没发货吗", "几天能发出来", "下单了多久发货", "怎么还不发货",
		"能不能早点发", "发货了吗"},
	"greeting": {"你好", "在吗", "您好", "有人吗", "亲 在不在", "你好 在吗", "哈喽", "在不在呀"},
}

func trainSmall(t *testing.T) (*nlp.Analyzer, *intent.Classifier, []string) {
	t.Helper()
	a, err := nlp.New(nlp.Config{DictDir: "testdata/dict"})
	if err != nil {
		t.Fatal(err)
	}
	labels := []string{"exchange", "greeting", "invoice", "refund", "shipping"}
	var ex []train.Example
	for i, l := range labels {
		for _, s := range smallTrain[l] {
			ex = append(ex, train.Example{Features: a.Analyze(s).Features, Label: i})
		}
	}
	cfg := train.DefaultFitConfig()
	cfg.Runs = 2
	clf, _, err := train.Fit(context.Background(), ex, nil, labels, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return a, clf, labels
}

func predict(a *nlp.Analyzer, clf *intent.Classifier, labels []string, text string) string {
	out := make([]float32, len(labels))
	clf.Logits(a.Analyze(text).Features, out)
	best := 0
	for i, v := range out {
		if v > out[best] {
			best = i
		}
	}
	return labels[best]
}

// Adding a greeting or an apology to a message does not change its intent.
func TestGreetingDoesNotFlipIntent(t *testing.T) {
	a, clf, labels := trainSmall(t)
	msgs := map[string]string{
		"退款一直没有到账":  "refund",
		"想换个大一码的":   "exchange",
		"能开张发票吗":    "invoice",
		"今天可以发货吗":   "shipping",
		"衣服小了 想换一件": "exchange",
		"钱还没退回来":    "refund",
		"公司报销要开发票":  "invoice",
		"都三天了还不发货啊": "shipping",
	}
	for msg, want := range msgs {
		if got := predict(a, clf, labels, msg); got != want {
			t.Fatalf("%s: %s, want %s (the model is too weak for the test)", msg, got, want)
		}
		for _, wrap := range []string{"你好，%s", "亲 %s", "不好意思 %s", "您好 麻烦问一下 %s", "%s 打扰了", "在吗 %s"} {
			text := fmt.Sprintf(wrap, msg)
			if got := predict(a, clf, labels, text); got != want {
				t.Errorf("%q: %s, want %s", text, got, want)
			}
		}
	}
	if got := predict(a, clf, labels, "你好"); got != "greeting" {
		t.Errorf("你好 alone: %s", got)
	}
}

// A homophone typo scores like the word it stands for, in a model trained on the word only.
func TestHomophoneTypoScoresLikeTheWord(t *testing.T) {
	a, clf, labels := trainSmall(t)
	for text, want := range map[string]string{"能开个发飘吗": "invoice", "腿款什么时候到账": "refund"} {
		if got := predict(a, clf, labels, text); got != want {
			t.Errorf("%s: %s, want %s", text, got, want)
		}
	}
}
