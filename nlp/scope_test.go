package nlp

import (
	"slices"
	"testing"
)

// flagsOf analyses text and returns, for each term, whether its word feature is plain, marked
// as not meant, or absent.
func termFeature(a *Analyzer, text, term string) string {
	an := a.Analyze(text)
	id := FeatureID(FeatWord, term)
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
		// the scope ends with the clause
		{"不用换了，直接退款吧", "退款", "plain"},
		{"不用换了，直接退款吧", "换", "not meant"},
		// 不是A，是B: A is taken back, B is meant
		{"不是要退货 是想换个尺码", "退货", "not meant"},
		{"不是要退货 是想换个尺码", "尺码", "plain"},
		{"我不是想退款，而是想改地址", "退款", "not meant"},
		{"我不是想退款，而是想改地址", "地址", "plain"},
		// what is not a negation of wanting stays plain
		{"为什么不能退款", "退款", "plain"},
		{"还没发货吗", "发货", "plain"},
		{"快递是不是丢了", "快递", "plain"},
		{"不是我买的那个颜色", "颜色", "plain"}, // no 是 follows: nothing is taken back
		{"我要退款", "退款", "plain"},
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

// The scope rules see through phrase rewrites: the rewritten term keeps its place.
func TestScopeThroughRewrites(t *testing.T) {
	a := mustAnalyzer(t)
	an := a.Analyze("不要寄回去了 我要换货")
	if !slices.Contains(an.Features, markID(FeatureID(FeatRewrite, "退货"))) {
		t.Errorf("the negated rewrite 寄回去 → 退货 is not marked: %v", an)
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
