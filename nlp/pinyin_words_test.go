package nlp

import (
	"slices"
	"testing"
)

// Typed pinyin that, with the characters around it, spells a word of the shop's dictionaries
// becomes that word; anything else stays as typed.
func TestTypedPinyinRestored(t *testing.T) {
	d := &Dictionaries{UserWords: []UserWord{
		{Word: "现货", Freq: 3000}, {Word: "专票", Freq: 2000}, {Word: "退款", Freq: 3000},
		{Word: "数据线", Freq: 2000}, {Word: "包邮", Freq: 3000}, {Word: "iphone", Freq: 2000},
	}, Rules: []RewriteRule{{Canonical: "人工客服", Variants: []string{"真人客服"}, Kind: KindSynonym}}}
	a, err := NewWith(d, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		typed, text string
		from, to    string // the rewrite recorded; "" when none
	}{
		{"这款是现huo吗", "这款是现货吗", "现huo", "现货"},       // the character before anchors it
		{"公司报销要zhuan票", "公司报销要专票", "zhuan票", "专票"}, // the character after
		{"shu据线有几米", "数据线有几米", "shu据线", "数据线"},     // two after
		{"tuikuan到哪了", "退款到哪了", "tuikuan", "退款"},   // a whole word typed in pinyin
		{"能包you吗", "能包邮吗", "包you", "包邮"},
		{"转rengongkefu", "转人工客服", "rengongkefu", "人工客服"}, // a canonical term is a word too
		{"这款是先huo吗", "这款是先huo吗", "", ""},                 // 先 sounds as 现 but is not the word's
		{"huo到了吗", "huo到了吗", "", ""},                     // one syllable alone spells no word
		{"zai不zai", "zai不zai", "", ""},                   // no word of the shop's
		{"iphone14现huo吗", "iphone14现货吗", "现huo", "现货"},   // iphone is not pinyin
		{"wifi6xianhuo", "wifi6xianhuo", "", ""},         // inside a longer ASCII word
		{"退款", "退款", "", ""},
	} {
		an := a.Analyze(tt.typed)
		if an.Text != tt.text {
			t.Errorf("Analyze(%q).Text = %q, want %q", tt.typed, an.Text, tt.text)
		}
		var got []Rewrite
		for _, r := range an.Rewrites {
			if r.Kind == KindPinyin {
				got = append(got, r)
			}
		}
		var want []Rewrite
		if tt.to != "" {
			want = []Rewrite{{From: tt.from, To: tt.to, Kind: KindPinyin}}
		}
		if !slices.Equal(got, want) {
			t.Errorf("Analyze(%q) pinyin rewrites %v, want %v", tt.typed, got, want)
		}
	}
	// restored, the message is analysed as if typed in characters
	if typed, word := a.Analyze("这款是现huo吗"), a.Analyze("这款是现货吗"); !slices.Equal(typed.Terms, word.Terms) || !slices.Equal(typed.Features, word.Features) {
		t.Errorf("现huo analysed as %q, 现货 as %q", typed.Terms, word.Terms)
	}
}

// Of several words the pinyin spells, the longest wins, then the more frequent.
func TestTypedPinyinLongestWord(t *testing.T) {
	py := pinyinTable()
	p := newPinyinWords(py, []UserWord{{Word: "快递", Freq: 3000}, {Word: "快递员", Freq: 2000}, {Word: "快地", Freq: 9000}})
	for _, tt := range []struct{ in, want string }{
		{"kuaidi员呢", "快递员呢"},
		{"kuaidi到了", "快地到了"}, // 快地 and 快递 read alike: the more frequent
	} {
		if got, _ := p.restore(tt.in, nil); got != tt.want {
			t.Errorf("restore(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
