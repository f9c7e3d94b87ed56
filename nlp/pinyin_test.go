package nlp

import (
	"slices"
	"testing"
)

func TestPinyin(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []string
	}{
		{"退款", []string{"tui", "kuan"}},
		{"腿款", []string{"tui", "kuan"}},
		{"发票", []string{"fa", "piao"}},
		{"发飘", []string{"fa", "piao"}},
		{"快递到了吗", []string{"kuai", "di", "dao", "le", "ma"}},
		{"t恤", []string{"xu"}},
		{"", nil},
	} {
		if got := Pinyin(tt.in, nil); !slices.Equal(got, tt.want) {
			t.Errorf("Pinyin(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for in, want := range map[string]string{"优惠券": "yhq", "支付宝": "zfb", "快递": "kd", "花呗": "hb", "T恤": "tx", "退款!": ""} {
		if got := PinyinInitials(in); got != want {
			t.Errorf("PinyinInitials(%q) = %q, want %q", in, got, want)
		}
	}
}

// Homophone typos, and pinyin typed in place of characters (within the run of letters and
// across its edges), share the pinyin pair of the word they stand for.
func TestPinyinFeaturesMeetTheWord(t *testing.T) {
	a := mustAnalyzer(t)
	for _, tt := range []struct{ typed, word, a, b string }{
		// homophones
		{"能开个发飘吗", "发票", "fa", "piao"},
		{"腿款什么时候到", "退款", "tui", "kuan"},
		{"快第到哪了", "快递", "kuai", "di"},
		// typed pinyin
		{"这款是现huo吗", "现货", "xian", "huo"},
		{"这款是现huo吗", "货吗", "huo", "ma"},
		{"xiexie 辛苦啦", "谢谢", "xie", "xie"},
		{"zai不zai呀", "在不", "zai", "bu"},
		{"公司报销要zhuan票", "专票", "zhuan", "piao"},
		{"能开fapiao吗", "发票", "fa", "piao"},
		{"tuihuo怎么弄", "退货", "tui", "huo"},
	} {
		id := pinyinPairID(tt.a, tt.b)
		if !slices.Contains(a.Analyze(tt.typed).Features, id) || !slices.Contains(a.Analyze(tt.word).Features, id) {
			t.Errorf("%s and %s do not share the pinyin pair %s %s", tt.typed, tt.word, tt.a, tt.b)
		}
	}
}

func TestPinyinSplit(t *testing.T) {
	py := pinyinTable()
	name := func(ids []uint16) []string {
		var out []string
		for _, i := range ids {
			out = append(out, py.syl[i])
		}
		return out
	}
	for _, tt := range []struct {
		run  string
		want []string
	}{
		{"xiexie", []string{"xie", "xie"}},
		{"fapiao", []string{"fa", "piao"}},
		{"zhuang", []string{"zhuang"}},
		{"xian", []string{"xian"}},         // one syllable rather than xi an
		{"fangan", []string{"fang", "an"}}, // 方案; fan gan reads as well, the first found is kept
		{"huo", []string{"huo"}},
		// not pinyin, or too short or too long to say
		{"qx", nil}, {"iphone", nil}, {"ok", nil}, {"m", nil}, {"a", nil}, {"xl", nil},
		{"xiexiexiexiexiexiexiexiexie", nil},
	} {
		if got := name(py.split(tt.run, nil)); !slices.Equal(got, tt.want) {
			t.Errorf("split(%q) = %v, want %v", tt.run, got, tt.want)
		}
	}
}

func TestShorthandDictionary(t *testing.T) {
	a, err := New(Config{DictDir: "../corpora/shop/dict"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ in, term string }{
		{"yhq咋领", "优惠券"}, {"kd到哪了", "快递"}, {"tk什么时候到账", "退款"}, {"zfb能付吗", "支付宝"},
		{"hb可以分期吗", "花呗"}, {"包you吗", "包邮"},
	} {
		an := a.Analyze(tt.in)
		if !slices.Contains(an.Terms, tt.term) {
			t.Errorf("Analyze(%q).Terms = %q, want %s", tt.in, an.Terms, tt.term)
		}
		if !slices.ContainsFunc(an.Rewrites, func(r Rewrite) bool { return r.To == tt.term && r.Kind == KindShorthand }) &&
			!slices.ContainsFunc(an.Rewrites, func(r Rewrite) bool { return r.To == tt.term }) {
			t.Errorf("Analyze(%q).Rewrites = %v, want one to %s", tt.in, an.Rewrites, tt.term)
		}
	}
	// a shorthand stands alone: not inside a longer word, not a unit after a number
	if an := a.Analyze("身高170cm"); len(an.Rewrites) != 0 {
		t.Errorf("170cm rewritten: %v", an.Rewrites)
	}
	if an := a.Analyze("kdxyz是什么"); slices.Contains(an.Terms, "快递") {
		t.Errorf("kd inside kdxyz rewritten: %q", an.Terms)
	}
}

func BenchmarkPinyinTable(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		t := &pinyinTab{}
		for _, e := range pinyinSyllables {
			for _, r := range e.chars {
				t.of[r-pinyinFirst] = 1
			}
		}
	}
}
