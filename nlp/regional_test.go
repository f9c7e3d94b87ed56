package nlp

import (
	"slices"
	"testing"
)

// A shop without a dialect dictionary (Config{}) still reads the regional function words: a
// message is cut as its Mandarin wording is.
func TestRegionalWordsReadAsMandarin(t *testing.T) {
	a, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	f := func(dialect, mandarin string) {
		t.Helper()
		got, want := a.Analyze(dialect), a.Analyze(mandarin)
		if !slices.Equal(got.Tokens, want.Tokens) {
			t.Errorf("Analyze(%q).Tokens = %q, want %q as for %q (rewrites %v)", dialect, got.Tokens, want.Tokens, mandarin, got.Rewrites)
		}
		if got.Text == want.Text {
			t.Errorf("Analyze(%q).Text = %q: the text keeps what was typed", dialect, got.Text)
		}
	}
	// Cantonese
	f("我啲快递去咗边度", "我的快递去了哪里")
	f("唔想要了", "不想要了")
	f("可唔可以开发票", "可不可以开发票")
	f("收到冇", "收到吗")
	f("仲未发货，快啲发啦", "还没发货，快点发啦")
	f("喂，有冇人喺度", "喂，有没有人在这里")
	f("呢件衫啲线头好多，快啲换", "呢件衫的线头好多，快点换")
	// Sichuan / Chongqing
	f("咋个还没发货嘛", "怎么还没发货")
	f("这个还有货没得", "这个还有货吗")
	f("莫得收到货", "没有收到货")
	f("包邮不嘛", "包邮吗")
	f("地址填错了，帮我改哈子", "地址填错了，帮我改一下")
	// Northeastern and northern
	f("整一个L码的，有货不", "整一个L码的，有货吗")
	f("甭发了，俺不要了", "不用发了，我不要了")
	f("俺的快递咋还没到", "我的快递怎么还没到")
	f("有啥优惠券没", "有什么优惠券吗")
	// Wu
	f("衣裳好退伐", "衣裳好退吗")
	f("勿要了，帮我取消", "不要了，帮我取消")
	f("地址写错了，侬帮我改一记", "地址写错了，你帮我改一下")
	f("退款哪能还没到", "退款怎么还没到")
}

// Where the context says the character is not the regional function word, it stays.
func TestRegionalWordsLeftInContext(t *testing.T) {
	a, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	f := func(text string) {
		t.Helper()
		if an := a.Analyze(text); len(an.Rewrites) != 0 {
			t.Errorf("Analyze(%q).Rewrites = %v, want none (tokens %q)", text, an.Rewrites, an.Tokens)
		}
	}
	f("请勿到付")     // please don't: 勿 is Mandarin here
	f("我还没")      // still not: a negation, not a question's tail
	f("我不，我就要这个") // a refusal
	f("你们发了我也没")  // nor I
	f("你们这是干嘛")   // 干嘛 is why, not a particle
	f("唔，好的")     // the filler 唔 (嗯)
	f("阿拉伯数字")    // Arabic, not Wu 阿拉 (we)
	f("不是不，是还没")  // 不 after 是
	f("不要步伐")     // 步伐 is a pace
	f("是不是正品")    // 不 inside A不A
}

// A negation written in a regional variety is a negation to the scope rules: what follows it is
// not meant, as in Mandarin.
func TestRegionalNegationsScope(t *testing.T) {
	a, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	f := func(text, word string) {
		t.Helper()
		an := a.Analyze(text)
		id := FeatureID(FeatWord, word)
		if slices.Contains(an.Features, id) || !slices.Contains(an.Features, markID(id)) {
			t.Errorf("Analyze(%q): the word %q is not marked as not meant (tokens %q)", text, word, an.Tokens)
		}
	}
	f("唔想要退款了", "退款")
	f("勿要退款了", "退款")
	f("甭发货了", "发货")
	f("莫得要退款", "退款")
}

// Folds are listed as rewrites of kind regional and add no rewrite feature: the text is read as
// if typed in Mandarin.
func TestRegionalRewritesRecorded(t *testing.T) {
	a, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	an := a.Analyze("还有货伐")
	want := []Rewrite{{From: "伐", To: "吗", Kind: KindRegional, Region: "吴语"}}
	if !slices.Equal(an.Rewrites, want) {
		t.Errorf("Rewrites = %v, want %v", an.Rewrites, want)
	}
	if slices.Contains(an.Features, FeatureID(FeatRewrite, "吗")) {
		t.Errorf("a fold gave a rewrite feature")
	}
}

// A dictionary's own rule for a variant wins over the built-in fold, and a fold never fires
// inside a dictionary's variant (乜嘢 keeps its 嘢, 有伐 its 伐, 唔该 its 唔).
func TestRegionalWordsYieldToDictionaries(t *testing.T) {
	d := &Dictionaries{Rules: []RewriteRule{
		{Canonical: "什么", Variants: []string{"乜嘢"}, Kind: KindDialect, Region: "粤语"},
		{Canonical: "有没有", Variants: []string{"有伐"}, Kind: KindDialect, Region: "吴语"},
		{Canonical: "没有", Variants: []string{"冇"}, Kind: KindDialect, Region: "粤语"},
		{Canonical: "谢谢", Variants: []string{"唔该"}, Kind: KindDialect, Region: "粤语"},
	}}
	a, err := NewWith(d, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := func(text string, want []Rewrite) {
		t.Helper()
		if an := a.Analyze(text); !slices.Equal(an.Rewrites, want) {
			t.Errorf("Analyze(%q).Rewrites = %v, want %v (tokens %q)", text, an.Rewrites, want, an.Tokens)
		}
	}
	f("乜嘢", []Rewrite{{From: "乜嘢", To: "什么", Kind: KindDialect, Region: "粤语"}})
	f("有伐", []Rewrite{{From: "有伐", To: "有没有", Kind: KindDialect, Region: "吴语"}})
	f("收到冇", []Rewrite{{From: "冇", To: "没有", Kind: KindDialect, Region: "粤语"}})
	// wherever the segmenter cuts the dictionary's variant, no fold fires inside it: 唔该 is
	// thanks, never 不该 (should not)
	shop, err := New(Config{DictDir: "../corpora/shop/dict"})
	if err != nil {
		t.Fatal(err)
	}
	for _, an := range []Analysis{shop.Analyze("唔该帮我转真人客服"), shop.Analyze("唔该，帮我查下")} {
		if slices.Contains(an.Tokens, "不该") || slices.Contains(an.Tokens, "不") {
			t.Errorf("Analyze(%q).Tokens = %q: 唔该 read as 不该", an.Text, an.Tokens)
		}
	}
}
