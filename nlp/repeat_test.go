package nlp

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestCollapseRepeats(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"在吗在吗在吗在吗 发票怎么开", "在吗 发票怎么开"},
		{"在吗 在吗 在吗 发票怎么开", "在吗 发票怎么开"},
		{"在吗？在吗？在吗？", "在吗？"},
		{"你好你好 怎么退款", "你好 怎么退款"},
		{"急急急急急急急急 怎么退款", "急急 怎么退款"},
		{"怎么退款 谢谢谢谢谢谢", "怎么退款 谢谢"},
		{"退货退货退货 我是想问发票怎么开", "退货 我是想问发票怎么开"},
		{"是不是是不是发错货了", "是不是发错货了"},
		{"哈哈哈哈哈", "哈哈"},
		// a run left by cutting another is cut too: the result collapses to itself
		{"退退退货退货0", "退退货0"},
		// left alone: words of a doubled character, text without repeats, numerals, Latin
		{"谢谢 看看 试试", "谢谢 看看 试试"},
		{"我想退货，可以吗", "我想退货，可以吗"},
		{"电话一三八八八八八八八八八", "电话一三八八八八八八八八八"},
		{"订单号 888888 还没发货", "订单号 888888 还没发货"},
		{"okokok 好的", "okokok 好的"},
		{"的的确确", "的的确确"},
		{"", ""},
	} {
		if got := CollapseRepeats(tc.in); got != tc.want {
			t.Errorf("CollapseRepeats(%q) = %q, want %q", tc.in, got, tc.want)
		} else if again := CollapseRepeats(got); again != got {
			t.Errorf("CollapseRepeats(%q) = %q, then %q", tc.in, got, again)
		}
	}
}

// Shorthand said again and again (kd kd kd) is spelt out, collapses to one word and is one
// rewrite; said twice apart, it is two.
func TestRepeatedShorthandIsOneRewrite(t *testing.T) {
	a := mustAnalyzer(t)
	for _, tt := range []struct {
		text string
		want int
	}{
		{"kd kd kd 到了吗", 1},
		{"kd到了吗 kd吃了吗", 2},
		{"kd到了吗", 1},
	} {
		if got := a.Analyze(tt.text).Rewrites; len(got) != tt.want {
			t.Errorf("%s: rewrites %v, want %d", tt.text, got, tt.want)
		}
	}
}

// A phrase said again and again for emphasis gives the features of saying it once: however often
// it is typed, it cannot outweigh the question beside it (the sample shop's model answered
// 在吗×8 发票怎么开 with a greeting before).
func TestRepeatedPhraseDoesNotDominate(t *testing.T) {
	a, err := New(Config{DictDir: "testdata/dict"})
	if err != nil {
		t.Fatal(err)
	}
	features := func(s string) []uint32 {
		f := slices.Clone(a.Analyze(s).Features)
		slices.Sort(f)
		return f
	}
	for _, msg := range []string{"能开张发票吗", "钱还没退回来", "今天可以发货吗"} {
		for _, tc := range []struct{ repeated, once string }{
			{"在吗在吗在吗在吗在吗在吗在吗在吗 %s", "在吗 %s"},
			{"你好 你好 你好 你好 你好 %s", "你好 %s"},
			{"在吗？在吗？在吗？%s", "在吗？%s"},
			{"%s 急急急急急急急急急急", "%s 急急"},
			{"您好您好您好您好 %s 谢谢谢谢谢谢谢谢", "您好 %s 谢谢"},
		} {
			repeated, once := fmt.Sprintf(tc.repeated, msg), fmt.Sprintf(tc.once, msg)
			if !slices.Equal(features(repeated), features(once)) {
				t.Errorf("%q: features differ from %q's", repeated, once)
			}
		}
	}
}

func TestCollapseRepeatsAllocatesOnlyWhenItCollapses(t *testing.T) {
	for _, s := range []string{"我想退货，可以吗", "这个这件衣服的的尺码"} {
		if n := testing.AllocsPerRun(100, func() { CollapseRepeats(s) }); n != 0 {
			t.Errorf("%q: %v allocations, want none", s, n)
		}
	}
}

func BenchmarkCollapseRepeats(b *testing.B) {
	texts := []string{"我想退货，可以吗", "这个这件衣服的尺码偏小 能换大一码的吗", "在吗在吗在吗 发票怎么开", "急急急急急急 怎么还没发货"}
	for i := 0; b.Loop(); i++ {
		CollapseRepeats(texts[i%len(texts)])
	}
}

// keepSaidEach is keepSaid as it was: every rewrite counted its word's kept rewrites and the
// text's sayings of the word again (quadratic in a message of many rewrites).
func keepSaidEach(rewrites []Rewrite, text string) []Rewrite {
	out := rewrites[:0]
	for _, r := range rewrites {
		kept := 0
		for _, k := range out {
			if k.To == r.To {
				kept++
			}
		}
		if kept == 0 || kept < strings.Count(text, r.To) {
			out = append(out, r)
		}
	}
	return out
}

// keepSaid keeps what counting each rewrite's word again kept: the same rewrites, in order.
func TestKeepSaidCountsEachWordOnce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	words := []string{"快递", "微信", "退货", "快"}
	for range 500 {
		var rewrites []Rewrite
		for range r.IntN(12) {
			w := words[r.IntN(len(words))]
			rewrites = append(rewrites, Rewrite{From: fmt.Sprint(len(rewrites)), To: w, Kind: KindShorthand})
		}
		var text strings.Builder
		for range r.IntN(10) {
			text.WriteString(words[r.IntN(len(words))])
			text.WriteString("啊")
		}
		want := keepSaidEach(slices.Clone(rewrites), text.String())
		if got := keepSaid(slices.Clone(rewrites), text.String()); !slices.Equal(got, want) {
			t.Fatalf("keepSaid(%v, %q) = %v, want %v", rewrites, text.String(), got, want)
		}
	}
}

// BenchmarkAnalyzeShorthandRepeats is 2 KB of kd and 啊 at random: hundreds of shorthand
// rewrites, some of them collapsed away.
func BenchmarkAnalyzeShorthandRepeats(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	var s strings.Builder
	for s.Len() < 2040 {
		s.WriteString([]string{"kd", "啊"}[r.IntN(2)])
	}
	benchAnalyze(b, []string{s.String()})
}
