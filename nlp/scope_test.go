package nlp

import (
	"runtime"
	"slices"
	"strings"
	"testing"
)

// termFeature analyses text and says whether term's word feature is plain, marked as not meant
// or as courtesy, or absent.
func termFeature(a *Analyzer, text, term string) string {
	return featureFlag(a, text, FeatWord, term)
}

// featureFlag is termFeature for a feature of any kind.
func featureFlag(a *Analyzer, text string, kind FeatureKind, s string) string {
	an := a.Analyze(text)
	id := FeatureID(kind, s)
	switch {
	case slices.Contains(an.Features, id):
		return "plain"
	case slices.Contains(an.Features, markID(id)):
		return "not meant"
	case slices.Contains(an.Features, markID(markID(id))):
		return "courtesy"
	}
	return "absent"
}

func TestScopeNegationAndContrast(t *testing.T) {
	a := mustAnalyzer(t)
	tests := []struct {
		text, term, want string
	}{
		// a negated want does not vote for what is negated
		{"不要退款了 我再等等", "退款", "not meant"},
		{"算了不用换了", "换", "not meant"},
		{"我不想退了 东西挺好的", "退", "not meant"},
		{"不用上门取件了 我自己寄", "上门", "not meant"},
		// the segmenter's own words for 别 (先别, 千万别) and 甭 negate as 别 does; 可别 is not
		// one of them: gse cuts 可别人家 as 可别|人家 (but other people's ...)
		{"先别取消，我只是想把颜色从黑色改成白色", "取消", "not meant"},
		{"先别取消，我只是想把颜色从黑色改成白色", "颜色", "plain"},
		{"千万别取消订单 我要的", "取消", "not meant"},
		{"可别人家的快递早到了", "快递", "plain"},
		{"甭退了 东西挺好", "退", "not meant"},
		// the scope ends with the clause
		{"不用换了，直接退款吧", "退款", "plain"},
		{"不用换了，直接退款吧", "换", "not meant"},
		// 不是A，是B: A is taken back, B is meant
		{"不是要退货 是想换个尺码", "退货", "not meant"},
		{"不是要退货 是想换个尺码", "尺码", "plain"},
		{"我不是想退款，而是想改地址", "退款", "not meant"},
		{"我不是想退款，而是想改地址", "地址", "plain"},
		// with one clause between: what backs the denial is taken back with it
		{"不是快递的问题，包装完好，是衣服本身有个洞", "包装", "not meant"},
		{"不是快递的问题，包装完好，是衣服本身有个洞", "快递", "not meant"},
		{"不是快递的问题，包装完好，是衣服本身有个洞", "衣服", "plain"},
		{"不是问退货怎么弄，我已经寄回去了，是想问钱什么时候回来", "退货", "not meant"},
		{"不是问退货怎么弄，我已经寄回去了，是想问钱什么时候回来", "钱", "plain"},
		// a 是 three clauses on, or after the sentence ends, answers something else
		{"不是快递的问题，包装完好，东西也对，是衣服本身有个洞", "包装", "plain"},
		{"不是快递的问题。包装完好，是衣服本身有个洞", "包装", "plain"},
		// what is not a negation of wanting stays plain
		{"为什么不能退款", "退款", "plain"},
		{"还没发货吗", "发货", "plain"},
		{"快递是不是丢了", "快递", "plain"},
		{"不是我买的那个颜色", "颜色", "plain"}, // no 是 follows: nothing is taken back
		// 不是要A, 不是来A的 and 没说要A without a 是 after them: A is not wanted
		{"我不是来退货的，鞋子开胶了想修", "退货", "not meant"},
		{"我不是来退货的，鞋子开胶了想修", "开胶", "plain"},
		{"我不是要退款", "退款", "not meant"},
		{"我没说要取消订单，只是想改地址", "取消", "not meant"},
		{"我没说过要退货", "退货", "not meant"},
		{"我没说要取消订单，只是想改地址", "地址", "plain"},
		{"客服没说什么时候发货", "发货", "plain"}, // not a want: the question stands
		{"是不是来货了", "来货", "plain"},
		{"我要退款", "退款", "plain"},
		// a word rewrite (tk → 退款) keeps its token's place in the scope
		{"不要tk了 我再等等", "退款", "not meant"},
		{"你好 tk什么时候到", "退款", "plain"},
		{"不用换了，kd到哪了", "快递", "plain"},
	}
	for _, tt := range tests {
		if got := termFeature(a, tt.text, tt.term); got != tt.want {
			an := a.Analyze(tt.text)
			t.Errorf("%s: %s is %s, want %s (tokens %q)", tt.text, tt.term, got, tt.want, an.Tokens)
		}
	}
}

func TestScopeCourtesy(t *testing.T) {
	a := mustAnalyzer(t)
	for _, tt := range []struct{ text, term, want string }{
		{"你好 我想退货", "你好", "absent"},
		{"不好意思 麻烦问一下 退款什么时候到", "不好意思", "absent"},
		{"你好", "你好", "plain"}, // a greeting alone is a greeting
		{"你好 在吗", "你好", "plain"},
	} {
		if got := termFeature(a, tt.text, tt.term); got != tt.want {
			t.Errorf("%s: %s is %s, want %s", tt.text, tt.term, got, tt.want)
		}
	}
	an := a.Analyze("你好 我想退货")
	if slices.Contains(an.Terms, "你好") || !slices.Contains(an.Terms, "退货") {
		t.Errorf("terms %q: want 退货 without 你好", an.Terms)
	}
	// the greeting's characters are marked, never plain
	if slices.Contains(an.Features, FeatureID(FeatChar2, "你好")) || !slices.Contains(an.Features, markID(markID(FeatureID(FeatChar2, "你好")))) {
		t.Error("the greeting's character bigram is not marked")
	}
}

// A clause that only gives personal data (我的电话<PHONE>) beside a request is said beside it:
// its terms leave and its features are marked, as a greeting's are; alone, it is the message.
func TestScopeInfoClause(t *testing.T) {
	a := mustAnalyzer(t)
	for _, tt := range []struct{ text, term, want string }{
		{"快递显示签收但我没收到，运单号ZT78812345678901，我的电话18812345678", "运单号", "absent"},
		{"快递显示签收但我没收到，运单号ZT78812345678901，我的电话18812345678", "<PHONE>", "absent"},
		{"快递显示签收但我没收到，运单号ZT78812345678901，我的电话18812345678", "签收", "plain"},
		{"我的邮箱wang.fang@example.com，能帮我开个发票吗", "邮箱", "absent"},
		{"我没收到东西，单号KD78812345678901", "快递", "absent"}, // a number's letters, not kd
		{"KD78812345678901到哪了", "快递", "absent"},       // nor in a clause that asks
		{"我的电话18812345678", "电话", "plain"},            // alone, it is the message
		{"你好 我的电话18812345678", "电话", "plain"},         // beside a greeting only
		{"想换绑到18698765432 原来的号停机了", "绑", "plain"},     // a clause asking with a number
		{"订单2026111000088877766签收三天了还没到", "签收", "plain"},
		// beside only a closing, the data is still the message
		{"单号ZT78812345678901 麻烦了 谢谢", "单号", "plain"},
		{"单号ZT78812345678901 麻烦了 谢谢", "谢谢", "plain"},
		{"电话18812345678，好的谢谢", "<PHONE>", "plain"},
		{"订单 123456789012345，急", "<ORDER>", "plain"},
		// nor does a label cut off from its number by a colon or a space ask anything
		{"订单 123456789012345", "<ORDER>", "plain"},
		{"电话：18812345678", "<PHONE>", "plain"},
		{"电话：18812345678，怎么退货", "<PHONE>", "absent"},
		// an account or a ticket number, given as asked, beside the request
		{"宽带又断网了，账号13912345678", "账号", "absent"},
		{"宽带又断网了，账号13912345678", "宽带", "plain"},
	} {
		if got := termFeature(a, tt.text, tt.term); got != tt.want {
			an := a.Analyze(tt.text)
			t.Errorf("%s: %s is %s, want %s (tokens %q)", tt.text, tt.term, got, tt.want, an.Tokens)
		}
	}
	an := a.Analyze("快递显示签收但我没收到，我的电话18812345678")
	if id := FeatureID(FeatChar2, "电话"); slices.Contains(an.Features, id) || !slices.Contains(an.Features, markID(markID(id))) {
		t.Errorf("the data clause's character bigram is not marked: terms %q", an.Terms)
	}
}

// A rewrite's feature takes the flags of the term it produced, also when that word merged with
// what follows it (kd单号 → 快递单号): it is never mistaken for courtesy.
func TestScopeRewriteFlags(t *testing.T) {
	a := mustAnalyzer(t)
	for _, tt := range []struct{ text, want, to string }{
		{"你好，kd单号给我一下", "plain", ""},
		{"不要kd单号了", "not meant", ""},
		{"你好 kd到哪了", "plain", ""},
		{"不要kd了", "not meant", ""},
		// rg is spelt out as 人工, which the segmenter joins with 转 into 转人工
		{"你好，转rg", "plain", "人工"},
		{"不要转rg", "not meant", "人工"},
	} {
		if tt.to == "" {
			tt.to = "快递"
		}
		if got := featureFlag(a, tt.text, FeatRewrite, tt.to); got != tt.want {
			an := a.Analyze(tt.text)
			t.Errorf("%s: the rewrite to %s is %s, want %s (terms %q)", tt.text, tt.to, got, tt.want, an.Terms)
		}
	}
}

// The scope rules see through phrase rewrites: the rewritten term keeps its place.
func TestScopeThroughRewrites(t *testing.T) {
	a := mustAnalyzer(t)
	an := a.Analyze("不要寄回去了 我要换货")
	if !slices.Contains(an.Features, markID(FeatureID(FeatRewrite, "退货"))) {
		t.Errorf("the negated rewrite 寄回去 → 退货 is not marked: %v", an)
	}
}

// The scope rules place a token by where the segmenter cut it, not by where its string lives:
// a word rewrite's token is the dictionary's string. The same text always gets the same features,
// however the heap lies (the collector runs between the analyses).
func TestScopeSameFeaturesEveryTime(t *testing.T) {
	a := mustAnalyzer(t)
	for _, text := range []string{"你好 tk快递单号给我发一下", "不要tk了 我再等等", "不是要退货 是想fp", "算了不用kd了，直接退钱吧"} {
		want := a.Analyze(text).Features
		for i := range 200 {
			if i%20 == 0 {
				runtime.GC()
			}
			if got := a.Analyze(text).Features; !slices.Equal(got, want) {
				t.Fatalf("%s: analysis %d has other features than the first", text, i)
			}
		}
	}
}

func TestTokenOffset(t *testing.T) {
	s := "不要tk了 tk"
	tk := strings.Clone("tk") // a string elsewhere in memory, as a word rewrite's is
	for _, tt := range []struct {
		tok  string
		from int32
		want int32
	}{
		{s[6:8], 0, 6},  // a substring: its address says
		{s[12:], 0, 12}, // wherever from is
		{tk, 0, 6},      // elsewhere: found from from
		{tk, 7, 12},
		{"退货", 3, 3}, // not there at all: from
	} {
		if got := tokenOffset(s, tt.tok, tt.from); got != tt.want {
			t.Errorf("tokenOffset(%q, %q, %d) = %d, want %d", s, tt.tok, tt.from, got, tt.want)
		}
	}
}

func TestMarkIDKeepsKind(t *testing.T) {
	for _, k := range []FeatureKind{FeatWord, FeatChar1, FeatChar3, FeatSubword, FeatRewrite, FeatPinyinPair} {
		id := FeatureID(k, "退款")
		if Kind(markID(id)) != k || markID(id) == id || markID(markID(id)) == id {
			t.Errorf("kind %d: markID(%#x) = %#x", k, id, markID(id))
		}
	}
}

// TestAcknowledges: thanks and acknowledgements alone say nothing a repeat could ask again; a
// thanks beside a question, a greeting or a word of content does.
func TestAcknowledges(t *testing.T) {
	a := mustAnalyzer(t)
	for _, tt := range []struct {
		text string
		want bool
	}{
		{"好的谢谢", true}, {"谢谢亲", true}, {"好的 谢谢啦", true}, {"ok👍", true}, {"谢谢", true},
		{"多谢多谢!", true}, {"嗯嗯好的", true}, {"好的[微笑]", true}, {"谢谢你们", true}, {"太感谢了", true},
		{"谢谢,到哪了", false}, {"好的我再问下", false}, {"在吗", false}, {"谢谢，发票开了吗", false},
		{"嗯", false}, {"", false}, {"谢谢 <PHONE>", false}, {"好的 退货", false},
	} {
		if got := a.Acknowledges(a.Analyze(tt.text)); got != tt.want {
			t.Errorf("Acknowledges(%q) = %v, want %v (tokens %q)", tt.text, got, tt.want, a.Analyze(tt.text).Tokens)
		}
	}
}
