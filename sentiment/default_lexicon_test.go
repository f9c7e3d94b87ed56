package sentiment

import (
	"os"
	"strings"
	"testing"

	"github.com/zhiyi-ai/zhiyi/nlp"
)

// The built-in lexicon is the one the embedded model was trained with: the model's header names
// its sum, and it is the sample shop's file byte for byte.
func TestDefaultLexiconIsTheModels(t *testing.T) {
	lex := DefaultLexicon()
	if !strings.Contains(defaultModelText, "sha256 "+lex.Sum()) {
		t.Errorf("the embedded model was not trained with the built-in lexicon (sum %s); copy corpora/shop/dict/sentiment.txt to sentiment/lexicon.txt", lex.Sum())
	}
	shop, err := os.ReadFile("../corpora/shop/dict/sentiment.txt")
	if err != nil {
		t.Fatal(err)
	}
	if string(shop) != defaultLexiconText {
		t.Error("sentiment/lexicon.txt differs from corpora/shop/dict/sentiment.txt")
	}
	for _, r := range []string{"safety", "money", "threat", "time"} {
		if !lex.HasReason(r) {
			t.Errorf("no [urgent:%s] cues", r)
		}
	}
	if lex.HasReason("weather") {
		t.Error("HasReason says yes to a reason the lexicon lacks")
	}
}

// analyzeAsReply analyses a raw message as package reply does: normalised, folded and masked.
func analyzeAsReply(a *Analyzer, raw string) Result {
	m, _ := nlp.Mask(nlp.Fold(nlp.Normalize(raw)))
	return a.Analyze(m)
}

// shippedLexicons are the sample shop's lexicon and the built-in copy a shop without one gets.
func shippedLexicons(t *testing.T) map[string]*Lexicon {
	t.Helper()
	shop, err := LoadLexicon(shopLexicon)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]*Lexicon{"shop": shop, "built-in": DefaultLexicon()}
}

// TestProductNamesAreNotUrgent: an urgent word inside a product's name (报警 in 报警器, 曝光 in
// 曝光补偿, 急 in 急救包, 发热 in 发热内衣). A shop selling alarms or cameras had every product
// question tagged 紧急 and handed to a person at priority 1, ahead of the customers really in
// danger or threatening. The lexicon's [neutral] section shields them; the real cue in the same
// message still counts.
func TestProductNamesAreNotUrgent(t *testing.T) {
	for name, lex := range shippedLexicons(t) {
		a := mustNew(t, lex, Options{})
		for _, msg := range []string{"报警器怎么安装", "无线报警器多少钱", "烟雾报警器有没有电池",
			"相机曝光补偿怎么调", "曝光度在哪里设置", "急救包里有什么", "应急灯能充电吗",
			"发热内衣有XL吗", "火花塞怎么换", "多媒体音箱有蓝牙吗", "防过敏耳钉是什么材质"} {
			if r := analyzeAsReply(a, msg); r.Tag == Urgent || r.Strong {
				t.Errorf("%s lexicon: %q (a product question) is %s strong=%v reason=%q (cues %s): handed off",
					name, msg, r.Tag, r.Strong, r.Reason, cueString(r.Cues))
			}
		}
		for msg, reason := range map[string]string{
			"报警器是坏的，再不处理我就报警": "threat",
			"发热内衣穿了以后过敏":      "safety",
			"应急电源冒烟了":         "safety",
		} {
			if r := analyzeAsReply(a, msg); r.Tag != Urgent || r.Reason != reason {
				t.Errorf("%s lexicon: %q is %s reason=%q (cues %s); want urgent, %s", name, msg, r.Tag, r.Reason, cueString(r.Cues), reason)
			}
		}
	}
}

// TestWeChatFaceCodes: WeChat's built-in faces reach WeCom and 微信客服 as text codes ([发怒]),
// not as Unicode emoji. 😡😡 was negative and handed off while [发怒][发怒], the same customer
// on the same keyboard, was neutral: the lexicon knew only Unicode emoji.
func TestWeChatFaceCodes(t *testing.T) {
	for name, lex := range shippedLexicons(t) {
		a := mustNew(t, lex, Options{})
		for _, c := range []struct {
			msg  string
			tag  Tag
			kind CueKind
		}{
			{"[发怒][发怒]", Negative, CueNegative},
			{"[抓狂][抓狂]", Negative, CueNegative},
			{"又发错了[怄火][怄火]", Negative, CueNegative},
			{"等了一周了[流泪][流泪]", Negative, CueNegative},
			{"收到了 很喜欢[强][玫瑰]", Neutral, CuePositive},
			{"好的[OK]", Neutral, CuePositive},
		} {
			r := analyzeAsReply(a, c.msg)
			if r.Tag != c.tag || len(r.Cues) == 0 || r.Cues[len(r.Cues)-1].Kind != c.kind {
				t.Errorf("%s lexicon: %q is %s (probs %.2f, cues %s); want %s with a %s cue",
					name, c.msg, r.Tag, r.Probs, cueString(r.Cues), c.tag, c.kind)
			}
		}
	}
}
