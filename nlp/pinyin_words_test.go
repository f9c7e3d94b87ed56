package nlp

import (
	"slices"
	"testing"
)

func pinyinTestAnalyzer(t *testing.T) *Analyzer {
	t.Helper()
	d := &Dictionaries{UserWords: []UserWord{
		{Word: "现货", Freq: 3000}, {Word: "专票", Freq: 2000}, {Word: "退款", Freq: 3000},
		{Word: "数据线", Freq: 2000}, {Word: "包邮", Freq: 3000}, {Word: "iphone", Freq: 2000},
		{Word: "淘宝", Freq: 3000}, {Word: "花呗", Freq: 3000}, {Word: "运费", Freq: 3000}, {Word: "退货", Freq: 3000},
	}, Rules: []RewriteRule{
		{Canonical: "运费险", Variants: []string{"yunfei保险"}, Kind: KindSynonym},
		{Canonical: "退货退款", Variants: []string{"退kuan退huo"}, Kind: KindSynonym},
		{Canonical: "人工客服", Variants: []string{"真人客服"}, Kind: KindSynonym},
		{Canonical: "快递", Variants: []string{"kuaidi", "kd"}, Kind: KindShorthand},
	}}
	a, err := NewWith(d, nil)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// Typed pinyin that, with the characters around it, spells a word of the shop's dictionaries is
// analysed as that word; anything else stays as typed. Analysis.Text keeps what was typed.
func TestTypedPinyinRestored(t *testing.T) {
	a := pinyinTestAnalyzer(t)
	for _, tt := range []struct {
		typed, word string // word: the message as if typed in characters
		rewrites    []Rewrite
	}{
		{"这款是现huo吗", "这款是现货吗", []Rewrite{{"现huo", "现货", KindPinyin, ""}}},                                         // the character before anchors it
		{"公司报销要zhuan票", "公司报销要专票", []Rewrite{{"zhuan票", "专票", KindPinyin, ""}}},                                   // the character after
		{"shu据线有几米", "数据线有几米", []Rewrite{{"shu据线", "数据线", KindPinyin, ""}}},                                       // two after
		{"tuikuan到哪了", "退款到哪了", []Rewrite{{"tuikuan", "退款", KindPinyin, ""}}},                                     // a whole word typed in pinyin
		{"转rengongkefu", "转人工客服", []Rewrite{{"rengongkefu", "人工客服", KindPinyin, ""}}},                             // a canonical term is a word too
		{"现huo现huo", "现货现货", []Rewrite{{"现huo", "现货", KindPinyin, ""}}},                                           // two runs, each with its own character, collapse as typed ones do: one rewrite
		{"现huo现huo现huo", "现货现货现货", []Rewrite{{"现huo", "现货", KindPinyin, ""}}},                                     // the same
		{"现huo了 还是现huo吗", "现货了 还是现货吗", []Rewrite{{"现huo", "现货", KindPinyin, ""}, {"现huo", "现货", KindPinyin, ""}}}, // said twice apart: two
		{"13812345678xianhuo", "13812345678现货", []Rewrite{{"xianhuo", "现货", KindPinyin, ""}}},                     // beside a masked phone
		{"iphone14现huo吗", "iphone14现货吗", []Rewrite{{"现huo", "现货", KindPinyin, ""}}},                               // iphone is not pinyin
		{"XianHuo吗", "现货吗", []Rewrite{{"xianhuo", "现货", KindPinyin, ""}}},                                         // upper case is folded first
		{"这款是先huo吗", "这款是先huo吗", nil},                                                                             // 先 sounds as 现 but is not the word's
		{"huo到了吗", "huo到了吗", nil},                                                                                 // one syllable alone spells no word
		{"zai不zai", "zai不zai", nil},                                                                               // no word of the shop's
		{"wifi6xianhuo", "wifi6xianhuo", nil},                                                                     // inside a longer ASCII word
		{"taobao.com买的", "taobao.com买的", nil},                                                                     // a domain
		{"huabei_88", "huabei_88", nil},                                                                           // an account
		{"现huó吗", "现huó吗", nil},                                                                                   // a tone mark: not what the table reads
		{"kuaidi到了吗", "快递到了吗", []Rewrite{{"kuaidi", "快递", KindShorthand, ""}}},                                    // a rule's variant is the rule's, spelt out
		{"kd到哪了", "快递到哪了", []Rewrite{{"kd", "快递", KindShorthand, ""}}},                                            // shorthand too
		{"yunfei保险有吗", "yunfei保险有吗", []Rewrite{{"yunfei保险", "运费险", KindSynonym, ""}}},                             // letters inside a variant too
		{"可以退kuan退huo吗", "可以退kuan退huo吗", []Rewrite{{"退kuan退huo", "退货退款", KindSynonym, ""}}},
		{"yunfei多少", "运费多少", []Rewrite{{"yunfei", "运费", KindPinyin, ""}}}, // the same letters outside the variant
		{"退款", "退款", nil},
	} {
		typed, word := a.Analyze(tt.typed), a.Analyze(tt.word)
		if want := CollapseRepeats(Normalize(tt.typed)); typed.Text != want && typed.Masked == 0 {
			t.Errorf("Analyze(%q).Text = %q, want it as typed (%q)", tt.typed, typed.Text, want)
		}
		if !slices.Equal(typed.Rewrites, tt.rewrites) {
			t.Errorf("Analyze(%q).Rewrites = %v, want %v", tt.typed, typed.Rewrites, tt.rewrites)
		}
		if len(tt.rewrites) > 0 && tt.rewrites[0].Kind != KindPinyin {
			if onlyLower(tt.rewrites[0].From) && (!slices.Equal(typed.Terms, word.Terms) || !hasAll(typed.Features, word.Features)) {
				// a rule's letters: the word's features, and the rule's own besides
				t.Errorf("%q analysed as %q, %q as %q: want the same terms and every feature of the word", tt.typed, typed.Terms, tt.word, word.Terms)
			}
			continue
		}
		if !slices.Equal(typed.Terms, word.Terms) || !slices.Equal(typed.Features, word.Features) {
			t.Errorf("%q analysed as %q, %q as %q: want the same terms and features", tt.typed, typed.Terms, tt.word, word.Terms)
		}
	}
}

// hasAll reports whether every feature of want is in got.
func hasAll(got, want []uint32) bool {
	for _, f := range want {
		if !slices.Contains(got, f) {
			return false
		}
	}
	return true
}

// Of several words the pinyin spells, the longest wins, then one spelt by its characters' first
// readings, then the more frequent.
func TestTypedPinyinLongestWord(t *testing.T) {
	p := newPinyinWords(pinyinTable(), []UserWord{{Word: "快递", Freq: 3000}, {Word: "快递员", Freq: 2000}, {Word: "快地", Freq: 9000},
		{Word: "银行", Freq: 9000}, {Word: "音航", Freq: 10}}, nil)
	for _, tt := range []struct{ in, want string }{
		{"kuaidi员呢", "快递员呢"},
		{"kuaidi到了", "快地到了"}, // 快地 and 快递 read alike: the more frequent
		{"那个员工kuaidi", "那个员工快地"},
		{"yinhang呢", "音航呢"}, // 音航 by its first readings, 银行 by 行's other one: the first readings'
		{"yinxing呢", "银行呢"},
	} {
		if got, _ := p.restore(tt.in, nil); got != tt.want {
			t.Errorf("restore(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// Analysing with Buffers allocates nothing more for a message with pinyin in it, restored or not.
func TestTypedPinyinAllocs(t *testing.T) {
	a := pinyinTestAnalyzer(t)
	for _, tt := range []struct {
		msg   string
		extra float64
	}{
		{"这款是现huo吗 还是要等", 3}, // the restored text, its rewrite record
		{"zai不zai 在线吗", 0},   // pinyin that spells no word: nothing
		{"kd到了吗 还是要等", 3},    // shorthand spelt out as its word
	} {
		msg := tt.msg
		var buf Buffers
		a.AnalyzeWith(msg, &buf)
		buf.Keep(a.AnalyzeWith(msg, &buf))
		base := testing.AllocsPerRun(50, func() { a.AnalyzeWith("这款是现货吗 还是要等", &buf) })
		got := testing.AllocsPerRun(50, func() { a.AnalyzeWith(msg, &buf) })
		if limit := base + tt.extra; got > limit {
			t.Errorf("AnalyzeWith(%q): %v allocations, want at most %v (%v without pinyin)", msg, got, limit, base)
		}
	}
}

// Customers type the reading a word has, not its characters' first readings: yinhangka is 银行卡
// (行 hang, first read xing), kaihuhang is 开户行.
func TestPinyinPolyphoneWords(t *testing.T) {
	a := mustShopAnalyzer(t)
	tests := []struct{ text, term string }{
		{"yinhangka绑不上", "银行卡"},
		{"专票的kaihuhang填什么", "开户行"},
		{"yinxingka绑不上", "银行卡"}, // the first readings still spell it
	}
	for _, tt := range tests {
		if an := a.Analyze(tt.text); !slices.Contains(an.Terms, tt.term) {
			t.Errorf("%s: terms %q, want %s", tt.text, an.Terms, tt.term)
		}
	}
	// a word of many polyphones is indexed by maxWordReadings spellings at most
	word := "长行还长"
	p := newPinyinWords(pinyinTable(), []UserWord{{Word: word, Freq: 1000}}, nil)
	n := 0
	for _, ws := range p.byKey {
		if hasWord(ws, word) {
			n++
		}
	}
	if n != maxWordReadings {
		t.Errorf("%s is indexed by %d spellings, want %d", word, n, maxWordReadings)
	}
}

// Only the modern readings of common polyphones index the shop's words: go-pinyin's archaic
// heteronyms (见 xian, 员 yun, 款 xin, 服 bi, 包 fu) made ordinary typed pinyin a shop word
// (tuixin 退款 answered as refund_progress, zaixian 在线 read 再见, fushi 服饰 不是).
func TestPinyinNoArchaicReadings(t *testing.T) {
	a := mustShopAnalyzer(t)
	for _, tt := range []struct{ text, wrong string }{
		{"zaixian吗", "再见"},
		{"发kuaiyun吗", "会员"},
		{"yixin怎么付", "尾款"},
		{"tuixin", "退款"},
		{"fushi质量怎么样", "不是"},
		{"fuyou吗", "包邮"},
		{"kebi在吗", "客服"},
		{"这件衣服yubi吗", "舒服"},
		{"erwei", "耳机"},
	} {
		for _, r := range a.Analyze(tt.text).Rewrites {
			if r.Kind == KindPinyin && r.To == tt.wrong {
				t.Errorf("%s: %s restored to %s", tt.text, r.From, r.To)
			}
		}
	}
}

// A word spelt by its characters' first readings wins over one spelt by another's other
// readings, whatever their frequencies: shima is 是吗, not 什么.
func TestPinyinFirstReadingWins(t *testing.T) {
	a := mustShopAnalyzer(t)
	for _, text := range []string{"shima", "发货了shima", "包邮shima"} {
		if toks := a.Analyze(text).Tokens; slices.Contains(toks, "什么") || !slices.Contains(toks, "是吗") {
			t.Errorf("%s: tokens %q, want 是吗", text, toks)
		}
	}
}
