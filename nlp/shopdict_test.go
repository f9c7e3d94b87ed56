package nlp

import (
	"slices"
	"sync"
	"testing"
)

// Tests of the rewrites and the segmentation on the shipped sample-shop dictionaries
// (corpora/shop/dict): what customers typed, and what the pipeline must not make of it.

var shopAnalyzer = sync.OnceValues(func() (*Analyzer, error) {
	return New(Config{DictDir: "../corpora/shop/dict"})
})

func mustShopAnalyzer(t *testing.T) *Analyzer {
	t.Helper()
	a, err := shopAnalyzer()
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// A phrase variant replaces whole words only. 要发票 (→ 开票) inside 不要发票 took the 要 of 不要, and
// the negation with it: the customer who said they do not want an invoice asked for one.
func TestPhraseRewriteKeepsTheNegation(t *testing.T) {
	a := mustShopAnalyzer(t)
	for _, text := range []string{"我不要发票了", "不需要发票", "这次不要个发票了", "不要發票了"} {
		if got := termFeature(a, text, "开票"); got == "plain" {
			an := a.Analyze(text)
			t.Errorf("%s: 开票 is %s, want not meant or absent (tokens %q, rewrites %v)", text, got, an.Tokens, an.Rewrites)
		}
	}
}

// A phrase variant that starts or ends inside a word of the message is not said: 因为毛衣 holds
// the characters of 为毛 (→ 为什么) but speaks of a sweater; 现在嘛 is "now, well", not 在嘛 (→ 在吗,
// a greeting then set apart); 需要得到 is "need to get", not the 川渝 要得 (→ 好的).
func TestPhraseRewriteRespectsWordBoundaries(t *testing.T) {
	a := mustShopAnalyzer(t)
	tests := []struct{ text, keep, wrong string }{
		{"因为毛衣起球了", "毛衣", "为什么"},
		{"这件作为毛衣来说太薄了", "毛衣", "为什么"},
		{"现在嘛，快递还没收到", "现在", "在吗"},
		{"需要得到你们的确认", "需要", "好的"},
		{"还要得等几天才发货", "", "好的"},
		// a variant that is words of the message still rewrites
		{"东西不要了", "退货", ""},
		{"能寄回去吗", "退货", ""},
	}
	for _, tt := range tests {
		an := a.Analyze(tt.text)
		if tt.wrong != "" && slices.Contains(an.Tokens, tt.wrong) || tt.keep != "" && !slices.Contains(an.Tokens, tt.keep) {
			t.Errorf("%s: tokens %q (want %q kept, no %q; rewrites %v)", tt.text, an.Tokens, tt.keep, tt.wrong, an.Rewrites)
		}
	}
}

// Letters joined to digits by - or _ are a model number or an account name, not shorthand: the
// customer asks for model th-1000, not for a return (th → 退货).
func TestShorthandNotInsideModelNumbers(t *testing.T) {
	a := mustShopAnalyzer(t)
	tests := []struct{ text, wrong string }{
		{"型号th-1000的有吗", "退货"},
		{"型号hb-2000的充电宝有货吗", "花呗"},
		{"我的账号是kd_2023", "快递"},
		{"买的是sf-120型号", "顺丰"},
	}
	for _, tt := range tests {
		an := a.Analyze(tt.text)
		if slices.Contains(an.Terms, tt.wrong) {
			t.Errorf("%s: terms %q hold %s (rewrites %v)", tt.text, an.Terms, tt.wrong, an.Rewrites)
		}
	}
	// shorthand on its own still counts
	for _, tt := range []struct{ text, want string }{{"我要th", "退货"}, {"kd到了吗", "快递"}, {"用sf发", "顺丰"}} {
		if an := a.Analyze(tt.text); !slices.Contains(an.Terms, tt.want) {
			t.Errorf("%s: terms %q, want %s", tt.text, an.Terms, tt.want)
		}
	}
}

// In a clothing shop jk is the JK制服 and cp the 情侣cp款 on sale, not 尽快 and 差评.
func TestShorthandNotAmbiguous(t *testing.T) {
	a := mustShopAnalyzer(t)
	tests := []struct{ text, wrong string }{
		{"想买jk制服 有s码吗", "尽快"},
		{"jk裙子还有货吗", "尽快"},
		{"情侣cp款有吗", "差评"},
	}
	for _, tt := range tests {
		if an := a.Analyze(tt.text); slices.Contains(an.Terms, tt.wrong) {
			t.Errorf("%s: terms %q hold %s (rewrites %v)", tt.text, an.Terms, tt.wrong, an.Rewrites)
		}
	}
}

// 几块钱 states a small amount as often as it asks a price: 才几块钱的东西运费还要10块 complains about
// the shipping fee.
func TestJiKuaiQianIsNotAPriceQuestion(t *testing.T) {
	a := mustShopAnalyzer(t)
	for _, text := range []string{"才几块钱的东西运费还要10块", "就几块钱的事 退个运费这么难"} {
		if an := a.Analyze(text); slices.Contains(an.Terms, "多少钱") {
			t.Errorf("%s: terms %q hold 多少钱", text, an.Terms)
		}
	}
}

// 还没收到货 is "the goods have not arrived yet"; cut around the dictionary word 到货 it read 还|没收|
// 到货, "confiscated" and "arrived": the negation gone and the opposite said.
func TestShouDaoHuoIsNotCutAroundDaoHuo(t *testing.T) {
	a := mustShopAnalyzer(t)
	for _, text := range []string{"还没收到货", "我还没收到货呢", "我收到货了", "刚收到货，衣服有点小"} {
		toks := a.Analyze(text).Tokens
		for _, bad := range []string{"没收", "到货", "我收", "刚收"} {
			if slices.Contains(toks, bad) {
				t.Errorf("%s: tokens %q cut 收到货 around 到货", text, toks)
				break
			}
		}
	}
}
