package nlp

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/go-ego/gse"
)

// testAnalyzer builds one Analyzer from the fixture dictionaries for the whole test binary.
var testAnalyzer = sync.OnceValues(func() (*Analyzer, error) {
	return New(Config{DictDir: "testdata/dict"})
})

func mustAnalyzer(t testing.TB) *Analyzer {
	t.Helper()
	a, err := testAnalyzer()
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return a
}

func TestNormalize(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"full-width letters and digits", "ＡＢＣ１２３", "abc123"},
		{"full-width punctuation", "在吗？！", "在吗?!"},
		{"ideographic space collapses", "你好\u3000\u3000在吗", "你好 在吗"},
		{"ascii lower case", "iPhone 15 PRO", "iphone 15 pro"},
		{"zero-width and BOM removed", "\ufeff退\u200b货\u200d", "退货"},
		{"control characters", "退货\x00\x07吗\n\t谢谢", "退货吗 谢谢"},
		{"whitespace trimmed and collapsed", "  我   要  退货  ", "我 要 退货"},
		{"emoji kept", "气死了😡😡", "气死了😡😡"},
		{"variation selector dropped", "好的👍\ufe0f", "好的👍"},
		{"invalid utf-8 dropped", "退\xff货", "退货"},
		{"already normal", "abc 123", "abc 123"},
		{"empty", "", ""},
		{"placeholders kept", "电话 <PHONE> 订单<ORDER>", "电话 <PHONE> 订单<ORDER>"},
		{"other angle brackets folded", "<Hi>", "<hi>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Normalize(tt.in); got != tt.want {
				t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// FuzzNormalize checks the fast path (isNormal) against the full fold, and that normalising is
// idempotent.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"", " ", "abc 123", "你好 在吗", "你好  在吗", " 你好", "退货\u3000", "ＡＢＣ",
		"在吗？", "好的👍\ufe0f", "\ufffd", "退\xff货", "<PHONE>", "a\tb", "\u00a0", "\u2028", "é",
		"²\u200b³", "m²\u00ad³", "x²\ufe0f³", "²\xff³", "²<PHONE>³", "²\x01³", "¹³⁸¹²³⁴⁵⁶⁷⁸", "10² m³"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Normalize(s)
		if isNormal(s) && normalize(s) != s {
			t.Errorf("isNormal(%q) but the full fold gives %q", s, normalize(s))
		}
		if again := Normalize(got); again != got {
			t.Errorf("Normalize(%q) = %q, but normalising that gives %q", s, got, again)
		}
	})
}

// decodeRune decodes exactly as utf8.DecodeRuneInString does, at every offset.
func FuzzDecodeRune(f *testing.F) {
	for _, s := range []string{"", "a", "退货", "\xe9\x80", "\xe9\x80\x80", "\xed\xa0\x80", "\xe0\x80\x80",
		"\xe0\xa0\x80", "\xef\xbf\xbf", "\xef\xbf\xbd", "\xe4\xb8", "😀", "\xff", "é", "\xe9\xc0\x80", "\xe9\x80\xc0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for i := range len(s) {
			r, n := decodeRune(s, i)
			wr, wn := utf8.DecodeRuneInString(s[i:])
			if r != wr || n != wn {
				t.Fatalf("decodeRune(%q, %d) = %U, %d; utf8 gives %U, %d", s, i, r, n, wr, wn)
			}
		}
	})
}

func TestMask(t *testing.T) {
	tests := []struct {
		name, in, want string
		kinds          []string
	}{
		{"mobile", "我电话13812345678", "我电话<PHONE>", []string{"phone"}},
		{"mobile with spaces", "打138 1234 5678找我", "打<PHONE>找我", []string{"phone"}},
		{"mobile with dashes", "139-1234-5678", "<PHONE>", []string{"phone"}},
		{"mobile with +86", "+86 139 1234 5678 谢谢", "<PHONE> 谢谢", []string{"phone"}},
		{"mobile with 86", "8613912345678", "<PHONE>", []string{"phone"}},
		{"id card with x", "身份证11010519491231002x", "身份证<IDCARD>", []string{"idcard"}},
		{"id card digits", "310115198511204566", "<IDCARD>", []string{"idcard"}},
		{"id card bad checksum is no id", "310115198511204567", "<ORDER>", []string{"order"}},
		{"bank card luhn", "卡号6222021234567890128", "卡号<BANKCARD>", []string{"bankcard"}},
		{"bank card grouped", "6217 0012 3456 7893", "<BANKCARD>", []string{"bankcard"}},
		{"card failing luhn is no card", "6222021234567890127", "<ORDER>", []string{"order"}},
		{"order number", "订单号3921876540123456到哪了", "订单号<ORDER>到哪了", []string{"order"}},
		{"tracking number with letters", "sf1234567890123", "sf<ORDER>", []string{"order"}},
		{"email", "发到abc.d@qq.com吧", "发到<EMAIL>吧", []string{"email"}},
		{"url", "看这个https://item.example.com/p?id=12345678901 链接", "看这个<URL> 链接", []string{"url"}},
		{"size kept", "42码偏大吗", "42码偏大吗", nil},
		{"price kept", "199.00元 买2件", "199.00元 买2件", nil},
		{"short numbers kept", "身高170 体重65", "身高170 体重65", nil},
		{"two kinds", "13812345678 单号 7788990011", "<PHONE> 单号 <ORDER>", []string{"phone", "order"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, set := Mask(tt.in)
			if got != tt.want {
				t.Errorf("Mask(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if !slices.Equal(set.Kinds(), tt.kinds) {
				t.Errorf("Mask(%q) kinds = %v, want %v", tt.in, set.Kinds(), tt.kinds)
			}
		})
	}
}

func TestSegment(t *testing.T) {
	a := mustAnalyzer(t)
	tests := []struct {
		in   string
		want []string
	}{
		{"这单什么时候发货", []string{"这单", "什么", "时候", "发货"}},
		{"运费险怎么买", []string{"运费险", "怎么", "买"}},
		{"七天无理由退货", []string{"七天无理由", "退货"}},
		{"iphone15手机壳有货吗", []string{"iphone15", "手机", "壳", "有货", "吗"}},
		{"t恤掉色了", []string{"t恤", "掉色", "了"}},
		{"42码偏大吗", []string{"42", "码", "偏大", "吗"}},
		{"电话<PHONE>快点", []string{"电话", "<PHONE>", "快点"}},
		{"气死了😡", []string{"气死", "了", "😡"}},
	}
	for _, tt := range tests {
		if got := a.Segment(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("Segment(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRewrites(t *testing.T) {
	a := mustAnalyzer(t)
	tests := []struct {
		in       string
		rewrites []Rewrite
		terms    []string // must all be among the terms
	}{
		{"东西不要了怎么寄回去", []Rewrite{
			{From: "东西不要了", To: "退货", Kind: KindSynonym},
			{From: "寄回去", To: "退货", Kind: KindSynonym},
		}, []string{"退货", "怎么"}},
		{"要发票", []Rewrite{{From: "要发票", To: "开票", Kind: KindSynonym}}, []string{"开票"}},
		// 我要|发票 and 不要|发票 hold no whole-word 要发票: the 不 of 不要 stays
		{"我要发票", nil, []string{"我要", "发票"}},
		{"我不要发票了", nil, []string{"不要", "发票"}},
		{"怎么付钱", []Rewrite{{From: "付钱", To: "支付", Kind: KindSynonym}}, []string{"怎么", "支付"}},
		// a clause-final 没 asks (打款了吗), and Cantonese 咗 is 了: built-in folds (regional.go)
		{"打款了没", []Rewrite{{From: "没", To: "吗", Kind: KindRegional, Region: "北方"}, {From: "打款", To: "付款", Kind: KindDialect, Region: "东北"}}, []string{"付款", "吗"}},
		{"我过数咗", []Rewrite{{From: "咗", To: "了", Kind: KindRegional, Region: "粤语"}, {From: "过数", To: "付款", Kind: KindDialect, Region: "粤语"}}, []string{"付款"}},
		{"超过数量了", nil, []string{"超过", "数量"}},
		{"ＦＰ能开吗", []Rewrite{{From: "fp", To: "开票", Kind: KindSynonym}}, []string{"开票"}},
		{"ffpp是什么", nil, nil},
		{"再吗", []Rewrite{{From: "再吗", To: "在吗", Kind: KindSynonym}}, []string{"在吗"}},
	}
	for _, tt := range tests {
		an := a.Analyze(tt.in)
		if !slices.Equal(an.Rewrites, tt.rewrites) {
			t.Errorf("Analyze(%q).Rewrites = %+v, want %+v (tokens %q)", tt.in, an.Rewrites, tt.rewrites, an.Tokens)
		}
		for _, term := range tt.terms {
			if !slices.Contains(an.Terms, term) {
				t.Errorf("Analyze(%q).Terms = %q, want to contain %q", tt.in, an.Terms, term)
			}
		}
	}
}

func TestStopwordsKeepNegations(t *testing.T) {
	a := mustAnalyzer(t)
	an := a.Analyze("亲，我不是要退货的，是换货吧")
	for _, w := range []string{"亲", "的", "吧"} {
		if slices.Contains(an.Terms, w) {
			t.Errorf("stop word %q kept in terms %q", w, an.Terms)
		}
		if !slices.Contains(an.Tokens, w) {
			t.Errorf("stop word %q missing from tokens %q", w, an.Tokens)
		}
	}
	if !slices.ContainsFunc(an.Terms, func(s string) bool { return strings.HasPrefix(s, "不") }) {
		t.Errorf("negation lost: terms %q", an.Terms)
	}
}

func TestAnalyzeMasksBeforeEverything(t *testing.T) {
	a := mustAnalyzer(t)
	an := a.Analyze("我手机１３８１２３４５６７８，卡6222021234567890128")
	for _, leak := range []string{"13812345678", "5678", "6222021234567890128"} {
		if strings.Contains(an.Text, leak) || slices.ContainsFunc(an.Tokens, func(s string) bool { return strings.Contains(s, leak) }) {
			t.Errorf("personal data %q leaked: %v", leak, an)
		}
	}
	if !an.Masked.Has(MaskPhone) || !an.Masked.Has(MaskBankCard) {
		t.Errorf("masked = %s, want phone and bankcard", an.Masked)
	}
	if !slices.Contains(an.Tokens, "<PHONE>") {
		t.Errorf("tokens %q lack <PHONE>", an.Tokens)
	}
	// Traditional numerals are folded before masking: 參 becomes 参, still a 3.
	if an := a.Analyze("手机号壹參捌壹贰參肆伍陆柒捌"); !an.Masked.Has(MaskPhone) {
		t.Errorf("a phone number in traditional numerals: %q, masked %s", an.Text, an.Masked)
	}
}

func TestAnalyzeIsIdempotentOnItsText(t *testing.T) {
	a := mustAnalyzer(t)
	for _, m := range []string{"我手机13812345678，订单3921876540123456", "ＡＢＣ 退货😡", "东西不要了"} {
		an := a.Analyze(m)
		if again := a.Analyze(an.Text); again.Text != an.Text || !slices.Equal(again.Features, an.Features) {
			t.Errorf("Analyze(Analyze(%q).Text) differs: %q vs %q", m, again.Text, an.Text)
		}
	}
}

func TestFeatures(t *testing.T) {
	a := mustAnalyzer(t)
	an := a.Analyze("东西不要了怎么寄回去")
	again := a.Analyze("东西不要了怎么寄回去")
	if !slices.Equal(an.Features, again.Features) {
		t.Fatal("features differ between two runs on the same text")
	}
	kinds := map[FeatureKind]int{}
	for _, f := range an.Features {
		kinds[Kind(f)]++
	}
	for _, k := range []FeatureKind{FeatWord, FeatBigram, FeatChar1, FeatChar2, FeatChar3, FeatRewrite} {
		if kinds[k] == 0 {
			t.Errorf("no features of kind %d in %v", k, kinds)
		}
	}
	// 10 characters: 10 unigrams, 9 bigrams plus the two edge marks, 8 trigrams.
	if kinds[FeatChar1] != 10 || kinds[FeatChar2] != 11 || kinds[FeatChar3] != 8 {
		t.Errorf("char n-gram counts = %d/%d/%d, want 10/11/8", kinds[FeatChar1], kinds[FeatChar2], kinds[FeatChar3])
	}
	if FeatureID(FeatWord, "退货") == FeatureID(FeatChar2, "退货") {
		t.Error("word and character-bigram spaces collide")
	}
	if bigramID("ab", "c") == bigramID("a", "bc") {
		t.Error("bigram ids ignore the word boundary")
	}
}

// Bundles store hashed feature ids: a change to the hashing would leave every trained model
// scoring features it never saw. These ids were computed when the format was set.
func TestFeatureIDsAreStable(t *testing.T) {
	for _, c := range []struct {
		kind FeatureKind
		s    string
		id   uint32
	}{
		{FeatWord, "退货", 0x141eb5ed}, {FeatChar1, "退", 0x329cfb6d}, {FeatChar3, "不要了", 0x5a1d2eee},
		{FeatSubword, "运费险", 0x6a1fd2e9}, {FeatRewrite, "发票", 0x74e57411}, {FeatWord, "iphone15", 0x10d32ba8},
	} {
		if got := FeatureID(c.kind, c.s); got != c.id {
			t.Errorf("FeatureID(%d, %q) = %#x, want %#x", c.kind, c.s, got, c.id)
		}
	}
	if got := bigramID("东西", "不要"); got != 0x24c4fded {
		t.Errorf("bigramID(东西, 不要) = %#x, want 0x24c4fded", got)
	}
	// Kinds added later, and the marked variants of the scope rules: the earlier kinds' ids
	// above did not move.
	if FeatPinyinPair != 8 {
		t.Errorf("FeatPinyinPair = %d, want 8 (after FeatRewrite)", FeatPinyinPair)
	}
	if got := pinyinPairID("fa", "piao"); got != 0x8b2834d9 {
		t.Errorf("pinyinPairID(fa, piao) = %#x, want 0x8b2834d9", got)
	}
	py := pinyinTable()
	if got := py.pairID(py.index('退'), py.index('款')); got != 0x861627b3 || got != pinyinPairID("tui", "kuan") {
		t.Errorf("pairID(退, 款) = %#x, want 0x861627b3 = pinyinPairID(tui, kuan)", got)
	}
	if got := markID(FeatureID(FeatWord, "退款")); got != 0x143031fa {
		t.Errorf("markID(word 退款) = %#x, want 0x143031fa", got)
	}
	if got := markID(markID(FeatureID(FeatChar2, "你好"))); got != 0x45d0f180 {
		t.Errorf("courtesy mark of char2 你好 = %#x, want 0x45d0f180", got)
	}
	// FNV-1a byte by byte, for strings of every length modulo the unrolled rounds
	for _, s := range []string{"", "a", "ab", "abc", "abcd", "退货了吗", "x退", "退货x"} {
		want := uint64(fnvOffset)
		for i := 0; i < len(s); i++ {
			want = (want ^ uint64(s[i])) * fnvPrime
		}
		if got := fnvString(fnvOffset, s); got != want {
			t.Errorf("fnvString(%q) = %#x, want %#x", s, got, want)
		}
	}
}

func TestAnalyzeConcurrent(t *testing.T) {
	a := mustAnalyzer(t)
	msgs := []string{"东西不要了怎么寄回去", "我要发票", "这单什么时候发货", "过数了冇", "13812345678 快点"}
	want := make([]Analysis, len(msgs))
	for i, m := range msgs {
		want[i] = a.Analyze(m)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				k := (g + i) % len(msgs)
				if got := a.Analyze(msgs[k]); !slices.Equal(got.Features, want[k].Features) {
					t.Errorf("concurrent Analyze(%q) differs", msgs[k])
					return
				}
			}
		}()
	}
	wg.Wait()
}

// One Buffers reused across messages of every length gives what Analyze gives.
func TestAnalyzeWithReusedBuffers(t *testing.T) {
	a := mustAnalyzer(t)
	msgs := []string{"", "东西不要了怎么寄回去", "好", strings.Repeat("我要发票 ", 60), "13812345678 快点", "   ", "过数了冇"}
	var buf Buffers
	for round := range 3 {
		for _, m := range msgs {
			want := a.Analyze(m)
			got := a.AnalyzeWith(m, &buf)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("round %d: AnalyzeWith(%q) = %+v, Analyze gives %+v", round, m, got, want)
			}
			buf.Keep(got)
		}
	}
}

func FuzzAnalyze(f *testing.F) {
	for _, s := range []string{"", " ", "东西不要了怎么寄回去", "<PHONE>", "<", "<A", "+86", "+", "1", "x",
		"11010519491231002x", "6222 0212 3456 7890 128", "\xff\xfe", "😡😡😡", "a@b.cc", "www.", "http://",
		"ＦＰ", "再吗？", "\u200d\ufeff", strings.Repeat("退货", 500), "請問這個還有貨嗎", "什么時候發貨", "不是要退货 是想换",
		"你好 不要退款了", "不要寄回去了", "薴", "𪚥", "你好你好你好", "不是是是", "不是A，包装完好，是衣服本身有个洞", "不是，好，是，不是，是"} {
		f.Add(s)
	}
	a := mustAnalyzer(f)
	f.Fuzz(func(t *testing.T, s string) {
		an := a.Analyze(s)
		if strings.ContainsAny(an.Text, "\x00\u200b\ufeff") {
			t.Errorf("Text %q keeps characters Normalize removes", an.Text)
		}
		if hasTraditional(an.Text) {
			t.Errorf("Text %q keeps a traditional character", an.Text)
		}
		if again := a.Analyze(an.Text); again.Text != an.Text || !slices.Equal(again.Features, an.Features) {
			t.Errorf("Analyze(%q) differs on its own text %q", s, an.Text)
		}
	})
}

var benchMessages = []string{
	"你好，我买的卫衣什么时候发货啊",
	"东西不要了怎么寄回去，运费谁出",
	"快递三天了还没到，单号查不到😡",
	"请问这款运动鞋42码偏大还是偏小",
	"要发票，公司抬头的，能开专票吗",
	"退款什么时候到账啊，都一个星期了",
	"过数咗啦，几时发货呀唔该",
	"手机壳有没有iphone15的，透明款",
}

func BenchmarkAnalyze(b *testing.B) { benchAnalyze(b, benchMessages) }

// benchAnalyze analyses msgs in turn.
func benchAnalyze(b *testing.B, msgs []string) {
	a := mustAnalyzer(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		a.Analyze(msgs[i%len(msgs)])
		i++
	}
}

// benchMasked are messages that give personal data, which turns the scope rules on.
var benchMasked = []string{
	"我的电话13812345678，帮我查下快递到哪了",
	"订单号 2026110112345678901 能改地址吗",
	"快递显示签收但我没收到，运单号ZT78812345678901",
	"邮箱wang.fang@example.com 发票发这里，谢谢",
}

// BenchmarkAnalyzeMasked is BenchmarkAnalyze on messages with placeholders.
func BenchmarkAnalyzeMasked(b *testing.B) { benchAnalyze(b, benchMasked) }

func BenchmarkNormalizeMask(b *testing.B) {
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		Mask(Normalize(benchMessages[i%len(benchMessages)]))
		i++
	}
}

// lexiconWords returns the number of words of lex (not counting prefixes), from its body.
func lexiconWords(lex *lexicon) uint32 { return binary.LittleEndian.Uint32(lex.body[8:]) }

func TestLexiconRoundTrip(t *testing.T) {
	mustAnalyzer(t) // loads the base lexicon from gse
	base, err := baseLexicon("", "")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), LexiconFile)
	if err := WriteLexicon(path); err != nil {
		t.Fatal(err)
	}
	got, err := readLexicon(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.table.Len() != base.table.Len() || lexiconWords(got) != lexiconWords(base) || got.maxWordLen != base.maxWordLen || got.logTotal != base.logTotal {
		t.Fatalf("read %d entries, %d words (max %d), want %d, %d (max %d)",
			got.table.Len(), lexiconWords(got), got.maxWordLen, base.table.Len(), lexiconWords(base), base.maxWordLen)
	}
	for _, w := range []string{"发货", "什么", "时候", "这", "发"} {
		glp, gw, gp := got.lookup(w)
		blp, bw, bp := base.lookup(w)
		if glp != blp || gw != bw || gp != bp || !bp {
			t.Errorf("%q: %v %v %v, want %v %v %v", w, glp, gw, gp, blp, bw, bp)
		}
	}
	data, _ := os.ReadFile(path)
	for name, bad := range map[string][]byte{
		"magic":     append([]byte("XXXX"), data[4:]...),
		"truncated": data[:len(data)/2],
		"trailing":  append(slices.Clone(data), 0),
	} {
		p := filepath.Join(t.TempDir(), name)
		os.WriteFile(p, bad, 0o644)
		if _, err := readLexicon(p); err == nil {
			t.Errorf("%s lexicon accepted", name)
		}
	}
	if err := os.WriteFile(path, []byte(lexiconMagic+"\x03\x00v0x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readLexicon(path); !errors.Is(err, errLexiconVersion) {
		t.Errorf("other gse version: %v, want errLexiconVersion", err)
	}
}

// BenchmarkGseCut is gse's own Cut(s, true) on the same messages: the segmenter the Analyzer's
// DAG replaces (it builds maps per call), for comparison in the same run.
func BenchmarkGseCut(b *testing.B) {
	seg, err := gse.NewEmbed("zh_s")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		seg.Cut(benchMessages[i%len(benchMessages)], true)
		i++
	}
}

// TestLexiconReadsVersion1 keeps bundles written before zstd loadable: the same body, deflated
// under the version 1 magic, reads back to the same lexicon.
func TestLexiconReadsVersion1(t *testing.T) {
	mustAnalyzer(t)
	dir := t.TempDir()
	v2 := filepath.Join(dir, "v2.bin")
	if err := WriteLexicon(v2); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(v2)
	if err != nil {
		t.Fatal(err)
	}
	head := len(lexiconMagic) + 2 + int(data[len(lexiconMagic)]) + int(data[len(lexiconMagic)+1])<<8
	body, err := inflateLexicon(data[head:], false, nil)
	if err != nil {
		t.Fatal(err)
	}
	var v1 bytes.Buffer
	v1.WriteString(lexiconMagicV1)
	v1.Write(data[len(lexiconMagic):head])
	zw, _ := flate.NewWriter(&v1, flate.BestSpeed)
	zw.Write(body)
	zw.Close()
	path := filepath.Join(dir, "v1.bin")
	if err := os.WriteFile(path, v1.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := readLexicon(path)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := baseLexicon("", "")
	if got.table.Len() != want.table.Len() || !bytes.Equal(got.body, want.body) {
		t.Fatalf("version 1 read %d entries, want %d", got.table.Len(), want.table.Len())
	}
	if err := os.WriteFile(path, append(v1.Bytes(), 0), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readLexicon(path); err == nil || !strings.Contains(err.Error(), "trailing data") {
		t.Errorf("version 1 with trailing data: err = %v", err)
	}
}

// wordHash gives distinct hashes to distinct strings (among many short ones, of every length
// its reads distinguish) and the same hash to the same string.
func TestWordHashDistinct(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	alphabet := []string{"a", "b", "\x00", "退", "货", "了", "é", "😀"}
	seen := make(map[uint64]string)
	for range 200000 {
		var s string
		for range rng.IntN(9) {
			s += alphabet[rng.IntN(len(alphabet))]
		}
		h := wordHash(42, s)
		if other, ok := seen[h]; ok && other != s {
			t.Fatalf("%q and %q share hash %#x", s, other, h)
		}
		seen[h] = s
		if wordHash(42, s) != h {
			t.Fatalf("%q hashed twice differently", s)
		}
	}
	if wordHash(1, "退货") == wordHash(2, "退货") {
		t.Error("the seed does not change the hash")
	}
}

// TestAnalysisTyped: Typed keeps what Text rewrites for the intent (repeats, typed pinyin, face
// codes), masked as Text is.
func TestAnalysisTyped(t *testing.T) {
	a := mustAnalyzer(t)
	an := a.Analyze("快点快点快点 电话13812345678")
	if an.Typed != "快点快点快点 电话<PHONE>" || an.Text == an.Typed {
		t.Errorf("Typed %q, Text %q: want the repeats kept in Typed alone, the phone masked in both", an.Typed, an.Text)
	}
}
