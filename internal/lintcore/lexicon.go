package lintcore

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/zhiyi-ai/zhiyi/nlp"
)

// Kind is what a finding is about.
type Kind string

// The kinds of finding.
const (
	// Absolute is an absolute term (绝对化用语), which 广告法 Article 9(3) forbids in advertising.
	Absolute Kind = "absolute"
	// Promise is a promise of returns or a guaranteed effect (广告法 Articles 16, 17, 25, 28).
	Promise Kind = "promise"
	// Price is a price claim that misleads unless backed: a reference price set against the
	// price (原价999现价99) or a time limit that names no end (限时抢购) (广告法 Article 28).
	Price Kind = "price"
	// Disparage belittles other sellers' goods (广告法 Article 13): 吊打同行, 别家都是假货.
	Disparage Kind = "disparage"
	// Medical is a claim to treat or prevent a disease, or a medical term, for goods that are not
	// a medicine or medical device (广告法 Article 17; health food, Article 18).
	Medical Kind = "medical"
	// Length is an answer that can be longer than a chat message may be (MaxBytes).
	Length Kind = "length"
	// Unused is a waiver that waives no finding (stale: remove it).
	Unused Kind = "unused-waiver"
	// Personal is personal data in an example question (a phone, an ID or bank card, an e-mail
	// address): examples reach the model and the bundle as written.
	Personal Kind = "personal-data"
)

// Hit is one term found in a text.
type Hit struct {
	Offset int    // byte offset of the term in the text
	Term   string // the lexicon's term, which a waiver names: 最大, 第一, 保证
	Kind   Kind
	Reason string
	// ReasonZH is Reason in Chinese, for the console's pages.
	ReasonZH string
}

// reason is why a term is found, in English (the CLI's) and in Chinese (the console's).
type reason struct{ en, zh string }

// entry is one term of the lexicon; allow, when set, says whether this occurrence is an
// accepted use (text[:i] is before it, text[i+len(term):] after).
type entry struct {
	term   string
	kind   Kind
	reason reason
	allow  func(before, after string) bool
	fold   bool // ASCII letters in term: matched in any case (NO.1, Top1)
	// name, when set, is the term findings and waivers name instead of term: a spelling of
	// another entry's term (第 一 is 第一), so one waiver covers both.
	name string
}

var (
	reasonAbsolute = reason{"absolute term (绝对化用语, 广告法第九条第三项)", "绝对化用语（广告法第九条第三项）"}
	reasonPromise  = reason{"promise of a guaranteed effect or return (广告法第十六、十七、二十五、二十八条)",
		"承诺效果或收益（广告法第十六、十七、二十五、二十八条）"}
	reasonMedical = reason{"medical claim for goods that are not a medicine or medical device (广告法第十七条; 保健食品 only its registered function, 第十八条)",
		"疾病治疗、预防功能或医疗用语（广告法第十七条；保健食品只能宣传批准的功能，第十八条）"}
	reasonOriginal = reason{"a reference price must have been the price traded at before (the lowest of the 7 days before the promotion): waive it with that basis (广告法第二十八条, 明码标价和禁止价格欺诈规定第十九条)",
		"原价须是促销前 7 日内的最低成交价，请在豁免理由中写明依据（广告法第二十八条，明码标价和禁止价格欺诈规定第十九条）"}
	reasonLimited = reason{"a time limit with no end stated in its sentence misleads (广告法第二十八条): say until when",
		"限时却没有写明截止时间，易引人误解（广告法第二十八条）：请写明到什么时候"}
	reasonDisparage = reason{"disparages other sellers' goods (贬低其他生产经营者, 广告法第十三条)",
		"贬低其他生产经营者的商品或服务（广告法第十三条）"}
	reasonFamous = reason{"驰名商标 may not be used in advertising (广告法第十四条 / 商标法第十四条)",
		"广告中不得使用“驰名商标”字样（广告法第十四条 / 商标法第十四条）"}
	reasonPersonal = reason{"personal data in an example question: examples are copied into the bundle as written; remove it, or write the placeholder (<PHONE>, <IDCARD>, <BANKCARD>, <EMAIL>, <ADDR>, <NAME>)",
		"示例问题中有个人信息：示例会原样写进模型包；请删掉，或写成占位符（<PHONE>、<IDCARD>、<BANKCARD>、<EMAIL>、<ADDR>、<NAME>）"}
)

// lexicon is every term but the 最 family (see zuiHit), longest first so that 百分之百有效 is a
// promise rather than the absolute 百分之百.
var lexicon = func() []entry {
	abs := func(terms ...string) []entry {
		var out []entry
		for _, t := range terms {
			out = append(out, entry{term: t, kind: Absolute, reason: reasonAbsolute})
		}
		return out
	}
	promise := func(terms ...string) []entry {
		var out []entry
		for _, t := range terms {
			out = append(out, entry{term: t, kind: Promise, reason: reasonPromise})
		}
		return out
	}
	medical := func(terms ...string) []entry {
		var out []entry
		for _, t := range terms {
			out = append(out, entry{term: t, kind: Medical, reason: reasonMedical})
		}
		return out
	}
	var l []entry
	l = append(l, entry{term: "唯一", kind: Absolute, reason: reasonAbsolute, allow: uniqueIdentifier})
	l = append(l, abs("独家", "首家", "首个", "首选", "首创", "顶级", "顶尖", "极品", "极致",
		"国家级", "世界级", "全球级", "宇宙级", "绝对", "王牌", "冠军", "领导品牌",
		"史无前例", "前无古人", "独一无二", "绝无仅有", "无与伦比", "百分之百", "百分百")...)
	l = append(l,
		entry{term: "第一", kind: Absolute, reason: reasonAbsolute, allow: ordinalFirst},
		entry{term: "第1", kind: Absolute, reason: reasonAbsolute, allow: ordinalFirstDigit},
		// with the space many writers put between Chinese and a number (每满 300 减 50), as
		// English spaces top 1
		entry{term: "第 1", kind: Absolute, reason: reasonAbsolute, allow: ordinalFirstDigit},
		// and before 一 (销量第 一, 第　一 with an input method's full-width space): a ranking
		// spaced out of 第一's reach
		entry{term: "第 一", kind: Absolute, reason: reasonAbsolute, allow: ordinalFirst, name: "第一"},
		entry{term: "no.1", kind: Absolute, reason: reasonAbsolute, allow: digitAfter},
		entry{term: "no. 1", kind: Absolute, reason: reasonAbsolute, allow: digitAfter}, // as English spaces it, like top 1
		entry{term: "no1", kind: Absolute, reason: reasonAbsolute, allow: digitAfter},
		entry{term: "top1", kind: Absolute, reason: reasonAbsolute, allow: digitAfter},
		entry{term: "top 1", kind: Absolute, reason: reasonAbsolute, allow: digitAfter},
		// English superlatives a shop writes to its Chinese customers (the best choice, 销量
		// best seller); not "best" alone (we do our best, best regards)
		entry{term: "the best", kind: Absolute, reason: reasonAbsolute},
		entry{term: "best seller", kind: Absolute, reason: reasonAbsolute},
		entry{term: "bestseller", kind: Absolute, reason: reasonAbsolute},
		entry{term: "best-seller", kind: Absolute, reason: reasonAbsolute},
		entry{term: "best-selling", kind: Absolute, reason: reasonAbsolute},
		entry{term: "number one", kind: Absolute, reason: reasonAbsolute},
		entry{term: "100%", kind: Absolute, reason: reasonAbsolute, allow: percentOK},
		// a product category (万能转换插头, 万能胶; not 万能充电线) and data gone for good (永久删除,
		// 永久无法恢复) are no claims
		entry{term: "万能", kind: Absolute, reason: reasonAbsolute, allow: followedBy("转换", "插头", "插座", "胶")},
		entry{term: "永久", kind: Absolute, reason: reasonAbsolute, allow: followedBy("删除", "无法", "不能", "不可", "注销", "失效")},
		entry{term: "驰名商标", kind: Absolute, reason: reasonFamous},
		entry{term: "保证", kind: Promise, reason: reasonPromise, allow: negatedGuarantee},
	)
	// Disease treatment and prevention and medical terms (第十七条): food, cosmetics and health
	// products may not claim them; a registered 保健食品 waives its approved function with the
	// registration as the reason. Not 降压 alone (a step-down converter's 降压模块), not 杀菌
	// (a disinfectant's labelled claim).
	l = append(l, medical("疗效", "药用", "药效", "抗癌", "防癌", "治癌", "抑癌", "降血压", "降血糖", "降血脂",
		"降三高", "消炎", "抗炎", "增强免疫力", "提高免疫力")...)
	l = append(l,
		entry{term: "治疗", kind: Medical, reason: reasonMedical, allow: treatmentOK},
		entry{term: "预防", kind: Medical, reason: reasonMedical, allow: preventionOK},
	)
	// Belittling competitors (第十三条): comparisons that crush (吊打同行), and a derogatory word
	// only about another seller named in the same clause (别家都是假货, not 本店绝无假货 nor
	// 收到假货请联系我们).
	for _, t := range []string{"吊打", "碾压", "完爆", "秒杀同行", "秒杀同类"} {
		l = append(l, entry{term: t, kind: Disparage, reason: reasonDisparage})
	}
	for _, t := range []string{"假货", "山寨", "垃圾", "坑人", "骗人", "黑心", "以次充好", "不靠谱"} {
		l = append(l, entry{term: t, kind: Disparage, reason: reasonDisparage, allow: notAboutOthers})
	}
	l = append(l,
		entry{term: "原价", kind: Price, reason: reasonOriginal, allow: noPriceAfter},
		entry{term: "限时", kind: Price, reason: reasonLimited, allow: endStated},
	)
	l = append(l, promise("稳赚", "包赚", "躺赚", "保本", "保收益", "高回报", "收益翻倍", "零风险", "无风险",
		"包治", "根治", "治愈", "药到病除", "立竿见影", "一次见效", "永不复发", "无效退款",
		"百分百有效", "百分之百有效", "100%有效", "一定有效", "包过", "保过",
		// a safety assertion (第十六条第一款第一项, 第十八条第一款第一项): 纯天然无副作用
		"无副作用", "零副作用", "无毒副作用", "没有副作用", "无任何副作用")...)
	for i := range l {
		l[i].fold = strings.ToLower(l[i].term) != strings.ToUpper(l[i].term) // has letters
	}
	sort.SliceStable(l, func(i, j int) bool { return len(l[i].term) > len(l[j].term) })
	return l
}()

// Text returns the terms in s that advertising law objects to, in order, with the context
// exceptions described in package lint's doc applied. Traditional characters and full-width
// forms are read as their simplified and ASCII forms (國家級 is 国家级, ＮＯ．１ is NO.1); a
// hit's Offset is in s.
func Text(s string) []Hit {
	f, from := folded(s)
	hits := scan(f)
	if from != nil {
		for i := range hits {
			hits[i].Offset = from[hits[i].Offset]
		}
	}
	return hits
}

// folded returns s with full-width forms made ASCII (the ideographic space U+3000, which an
// input method's full-width mode types between ＴＯＰ and １, a space), traditional
// characters simplified and ignorable ones left out, a character at a time, and for each byte of the result the offset in
// s of the character it came from; from is nil when nothing changed.
func folded(s string) (f string, from []int) {
	if !strings.ContainsFunc(s, isFullWidth) && !strings.ContainsRune(s, '\u3000') && !strings.ContainsFunc(s, ignorable) && nlp.Fold(s) == s {
		return s, nil
	}
	var b strings.Builder
	b.Grow(len(s))
	from = make([]int, 0, len(s))
	for i, r := range s {
		out := string(r)
		switch {
		case isFullWidth(r):
			out = string(r - 0xFEE0)
		case r == '\u3000':
			out = " "
		case ignorable(r):
			out = ""
		case r >= utf8.RuneSelf:
			out = nlp.Fold(out)
		}
		b.WriteString(out)
		for range len(out) {
			from = append(from, i)
		}
	}
	return b.String(), from
}

// ignorable reports a character that hides a term from a reader no more than from the lint
// when left out: zero-width and format characters and variation selectors (全网最\u200b低价),
// and emoji and pictographs put between a term's characters (最🔥低价, 销量第✨一, 国🇨🇳家级).
func ignorable(r rune) bool {
	return unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Variation_Selector, r) ||
		r >= 0x2600 && r <= 0x27BF || r >= 0x1F000 && r <= 0x1FAFF
}

// isFullWidth reports a character of the full-width ASCII block (Ａ, １, ．, ％).
func isFullWidth(r rune) bool { return r >= 0xFF01 && r <= 0xFF5E }

// scan is Text on folded text.
func scan(s string) []Hit {
	var hits []Hit
	for i := 0; i < len(s); {
		if h, n, ok := hitAt(s, i); n > 0 {
			if ok {
				hits = append(hits, h)
			}
			i += n
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return hits
}

// hitAt looks for a term at byte i: n > 0 when one is there (ok false when its context makes it
// acceptable), n its length in bytes.
func hitAt(s string, i int) (h Hit, n int, ok bool) {
	rest := s[i:]
	for _, e := range lexicon {
		if n = match(rest, e); n > 0 {
			if e.fold && isASCIILetter(e.term[0]) && i > 0 && isASCIILetter(s[i-1]) {
				// nano1, laptop1: the end of a longer word (a model name), not NO.1 or TOP1.
				n = 0
				continue
			}
			if e.allow != nil && e.allow(s[:i], s[i+n:]) {
				return Hit{}, n, false
			}
			term := e.term
			if e.name != "" {
				term = e.name
			}
			return Hit{Offset: i, Term: term, Kind: e.kind, Reason: e.reason.en, ReasonZH: e.reason.zh}, n, true
		}
	}
	if strings.HasPrefix(rest, "最") {
		return zuiHit(s, i)
	}
	return Hit{}, 0, false
}

// match returns the length in s of e's term at the start of s, or 0: letters in any case when
// e.fold, and any spaces before a % (100 %正品, １００ ％ once folded: the same claim as 100%).
func match(s string, e entry) int {
	j := 0
	for k := 0; k < len(e.term); k++ {
		c := e.term[k]
		if c == '%' {
			for j < len(s) && (s[j] == ' ' || strings.HasPrefix(s[j:], "\u3000")) {
				_, size := utf8.DecodeRuneInString(s[j:])
				j += size
			}
		}
		switch {
		case j >= len(s):
			return 0
		case s[j] == c, e.fold && isASCIILetter(c) && s[j]|0x20 == c|0x20:
			j++
		default:
			return 0
		}
	}
	return j
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// zuiHit judges 最 and the character after it (the term a finding names: 最大, 最好).
func zuiHit(s string, i int) (Hit, int, bool) {
	n := len("最")
	next, size := utf8.DecodeRuneInString(s[i+n:])
	term := "最"
	if size > 0 && unicode.Is(unicode.Han, next) {
		term += string(next)
		n += size
	}
	before, after := strings.TrimRight(s[:i], " "), s[i+n:] // 全网 最低, as 全网最低
	switch next {
	case '近', '后', '终', '初', '新', '早', '晚', '迟':
		// 最近、最后、最终、最新进度、最早/最晚/最迟 (times and order, not comparisons).
		return Hit{}, n, false
	case '好':
		if advice(before, after) {
			return Hit{}, n, false
		}
	case '佳':
		// 最佳赏味期, 最佳食用期: a food label's consumption hint (执法指南第四条第二项)
		if followedBy("赏味期", "食用期", "饮用期", "使用期", "食用时间", "饮用时间")(before, after) {
			return Hit{}, n, false
		}
	case '多', '少', '高', '低', '长', '短', '大', '小', '快', '慢':
		if quantity(after) && !marketWide(before) || ownRange(next, before, after) {
			return Hit{}, n, false
		}
	}
	return Hit{Offset: i, Term: term, Kind: Absolute, Reason: reasonAbsolute.en, ReasonZH: reasonAbsolute.zh}, n, true
}
