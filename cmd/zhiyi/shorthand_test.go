package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestShorthandMinesCandidates(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"dict/synonyms.txt": "快递: kd\n",
		"dict/userdict.txt": "优惠券 2000 n\n运费险 2000 n\n",
		"kb.yaml": `shop: t
version: 1
intents:
  - id: coupon
    label: 优惠券
    category: 咨询
    priority: 2
    examples: [优惠券怎么领, 有没有优惠券, 优惠券能叠加吗, xl有货吗]
    answers: [{id: coupon.a, text: 在首页领取}]
  - id: shipping
    label: 发货
    category: 咨询
    priority: 2
    examples: [什么时候发货]
    answers: [{id: shipping.a, text: 48小时内发货}]
`,
		"chats.jsonl": chatLines("yhq咋领", "有yhq吗", "yhq能叠加不", "yfx怎么买", "yfx包含吗", "有yfx吗", "kd到哪了", "kd到了吗",
			"kd呢", "xl有吗", "xl有货吗", "xl还有吗", "身高170cm", "170cm穿啥", "180cm呢", "电话13812345678 qq", "qq", "qq",
			"sorry my chinese is not good", "hi can my order ship today", "帮我翻译 thank you for my patience", "my快递呢",
			"fh le ma", "fh dao le mei", "pls fh asap 谢谢"),
	})
	dict, kb, data := filepath.Join(dir, "dict"), filepath.Join(dir, "kb.yaml"), filepath.Join(dir, "chats.jsonl")

	code, out, stderr := runCLI(t, "", "shorthand", "--data", data, "--dict", dict, "--kb", kb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// pinyin and shorthand in Latin letters are no English sentence: fh is mined from them
	for _, want := range []string{"优惠券: yhq\n", "运费险: yfx\n", "# yhq: 3 messages", "# fh: 3 messages"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// known shorthand (kd), the shop's own words (xl), units after numbers (cm) and tokens below
	// --min are not candidates
	// nor English words (my) read from English sentences
	if !strings.Contains(out, "# 3 messages written in English") {
		t.Errorf("output does not count the English messages:\n%s", out)
	}
	for _, not := range []string{"# kd:", "# xl:", "# cm:", "# my:"} {
		if strings.Contains(out, not) {
			t.Errorf("output lists %q:\n%s", not, out)
		}
	}
	if strings.Contains(out, "13812345678") {
		t.Error("personal data printed unmasked")
	}
	if code, _, stderr := runCLI(t, "", "shorthand", "--data", data); code != 2 || !strings.Contains(stderr, "--dict are required") {
		t.Errorf("without --dict: exit %d, %s", code, stderr)
	}
}

// A token is suggested the word that stands where it stands (有xh吗 beside the example 有现货吗:
// 现货, though 喜欢 is said more), and a dictionary variant's initials suggest its canonical
// term (bj is 保价's, which the synonyms rewrite to 价保): the line an operator copies is the
// right one, not the most frequent word of those initials.
func TestShorthandSuggestsByPlaceAndVariant(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"dict/synonyms.txt": "价保: 保价, 价格保护\n",
		"dict/userdict.txt": "现货 2000 n\n喜欢 2000 v\n半价 2000 n\n价保 2000 n\n",
		"kb.yaml": `shop: t
version: 1
intents:
  - id: stock
    label: 库存
    category: 咨询
    priority: 2
    examples: [有现货吗]
    answers: [{id: stock.a, text: 有的}]
  - id: returns
    label: 退货
    category: 咨询
    priority: 2
    examples: [不喜欢能退吗, 我不喜欢这个颜色, 喜欢但是太大了, 孩子不喜欢]
    answers: [{id: returns.a, text: 可以退}]
  - id: promo
    label: 活动
    category: 咨询
    priority: 2
    examples: [第二件半价怎么算, 半价是哪件, 半价活动还有吗]
    answers: [{id: promo.a, text: 第二件半价}]
  - id: protect
    label: 价保
    category: 咨询
    priority: 2
    examples: [降价了能价保吗]
    answers: [{id: protect.a, text: 7天价保}]
`,
		"chats.jsonl": chatLines("这个有xh吗", "黑色有xh吗", "m码有xh吗", "降价了能bj吗", "能bj吗", "昨天买的能bj吗"),
	})
	dict, kb, data := filepath.Join(dir, "dict"), filepath.Join(dir, "kb.yaml"), filepath.Join(dir, "chats.jsonl")
	code, out, stderr := runCLI(t, "", "shorthand", "--data", data, "--dict", dict, "--kb", kb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"\n现货: xh\n", "# or: 喜欢", "\n价保: bj\n", "(bj: 保价, which the dictionaries rewrite to 价保)", "# or: 半价"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// A word of letters the shop gave a tone in sentiment.txt (yyds) is known: it is slang, not
// shorthand to expand, and listed at every run it would bury the candidates that are.
func TestShorthandKnowsTheSentimentLexicon(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"dict/synonyms.txt":  "快递: kd\n",
		"dict/sentiment.txt": "[positive]\nyyds\n好看\n",
		"chats.jsonl":        chatLines("这件yyds", "yyds 好看", "面包服yyds吗", "有xh吗", "还有xh吗", "xh呢"),
	})
	dict, data := filepath.Join(dir, "dict"), filepath.Join(dir, "chats.jsonl")
	code, out, stderr := runCLI(t, "", "shorthand", "--data", data, "--dict", dict)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.Contains(out, "# yyds:") || !strings.Contains(out, "# xh: 3 messages") {
		t.Errorf("want xh listed and yyds (in sentiment.txt) not:\n%s", out)
	}
}

// chatLines is an export of the messages, one JSON line each.
func chatLines(msgs ...string) string {
	var b strings.Builder
	for _, m := range msgs {
		b.WriteString(`{"text":"` + m + `"}` + "\n")
	}
	return b.String()
}
