package lintcore

import (
	"regexp"
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
	l = append(l, abs("唯一", "独家", "首家", "首个", "首选", "首创", "顶级", "顶尖", "极品", "极致",
		"国家级", "世界级", "全球级", "宇宙级", "万能", "永久", "绝对", "王牌", "冠军", "领导品牌",
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
		entry{term: "100%", kind: Absolute, reason: reasonAbsolute, allow: composition},
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
	case '多', '少', '高', '低', '长', '短', '大', '小', '快', '慢':
		if quantity(after) && !marketWide(before) || ownRange(next, before, after) {
			return Hit{}, n, false
		}
	}
	return Hit{Offset: i, Term: term, Kind: Absolute, Reason: reasonAbsolute.en, ReasonZH: reasonAbsolute.zh}, n, true
}

// advice: 最好 as "you had better" (您最好先…, 最好在签收时…), not "the best" (您最好的选择).
func advice(before, after string) bool {
	if strings.HasPrefix(after, "的") {
		return false
	}
	for _, p := range []string{"您", "你", "亲", "大家", "建议", "还是"} {
		if strings.HasSuffix(before, p) {
			return true
		}
	}
	for _, p := range []string{"先", "别", "不要", "提前", "在", "能", "可以", "尽快", "及时", "当面",
		"保留", "联系", "核对", "检查", "确认"} {
		if strings.HasPrefix(after, p) {
			return true
		}
	}
	return false
}

// ownRange: 最大/最小 within the shop's own range or its service, not against others (执法指南
// 第三、四条): a size of the same goods (最大号是 XXL, 最小码), and effort (尽最大努力, 最大的努力).
func ownRange(next rune, before, after string) bool {
	if next != '大' && next != '小' {
		return false
	}
	for _, w := range []string{"号", "码", "尺码"} {
		if strings.HasPrefix(after, w) {
			return true
		}
	}
	return next == '大' && (strings.HasSuffix(before, "尽") || strings.HasPrefix(after, "努力") || strings.HasPrefix(after, "的努力"))
}

// marketWide: 最低/最高 compared with a whole market (全网最低 9.9 元, 全国最低价), a claim
// however the number after it reads.
func marketWide(before string) bool {
	for _, p := range []string{"全网", "全国", "全球", "全市", "全平台", "全行业", "行业", "史上", "同类", "同行"} {
		if strings.HasSuffix(before, p) {
			return true
		}
	}
	return false
}

// quantity: a limit stated as a number (最多抵 20%, 最高 20 元, 每天最多获取 10 次, 最多两件,
// 每人最多限购两件), not a comparison: a number, in digits or Chinese numerals, within the next 8
// characters of the same clause. 最低价 is a price claim whatever follows.
func quantity(after string) bool {
	// 最低价 is a price claim, 最高级/最高端/最大的 superlatives, whatever number follows.
	for _, w := range []string{"价", "级", "端", "档", "的"} {
		if strings.HasPrefix(after, w) {
			return false
		}
	}
	k := 0
	for i, r := range after {
		switch {
		case r >= '0' && r <= '9', r >= '０' && r <= '９', chineseNumeral(after[i:]), day(after[i:]):
			return true
		case k >= 8, unicode.IsPunct(r) && r != '%' && r != '％':
			return false
		}
		k++
	}
	return false
}

// day: s starts with a day (最快明天发货, 最迟周五到): a delivery estimate, as 最快 24 小时 is.
func day(s string) bool {
	for _, w := range []string{"今天", "今日", "明天", "明日", "后天", "当天", "当日", "次日", "隔天", "隔日",
		"本周", "下周", "周一", "周二", "周三", "周四", "周五", "周六", "周日", "周末", "星期"} {
		if strings.HasPrefix(s, w) {
			return true
		}
	}
	return false
}

// chineseNumeral: s starts with a Chinese numeral counting something (两件, 三次, 二十元), not
// 一 in a word (一样, 一起, 一直, 一定, 一般, 一流 …).
func chineseNumeral(s string) bool {
	r, size := utf8.DecodeRuneInString(s)
	if !strings.ContainsRune("一二两三四五六七八九十百千万半", r) {
		return false
	}
	if r == '一' {
		next, _ := utf8.DecodeRuneInString(s[size:])
		return !strings.ContainsRune("样起直定般流些致切旦律同贯向体齐并再", next)
	}
	return true
}

// ordinalFirst: 第一 counting (第一次、第一步、第一时间、第一件) or numbering a list (“第一，…” at a
// clause's start), not a ranking (销量第一、第一品牌).
func ordinalFirst(before, after string) bool {
	after = strings.TrimLeft(after, " ") // 第 1 次, spaced as 第 1 is
	// 全网 第一: a space after a word does not start a clause (a line break does)
	before = strings.TrimRight(before, " ")
	if rankedIn(before) {
		return false // 全网第一个推出, 业内第一家
	}
	for _, w := range []string{"次", "步", "时间", "个", "件", "单", "天", "周", "年", "月", "期", "笔",
		"批", "条", "张", "页", "项", "种", "部分", "阶段"} {
		if strings.HasPrefix(after, w) {
			return true
		}
	}
	r, _ := utf8.DecodeLastRuneInString(before)
	startsClause := before == "" || unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.IsSpace(r) // ～ folds to ~, a symbol
	a, _ := utf8.DecodeRuneInString(after)
	return startsClause && (after == "" || unicode.IsPunct(a) || unicode.IsSpace(a))
}

// ordinalFirstDigit: 第1 as ordinalFirst takes 第一, and 第10, 第12 … (another number).
func ordinalFirstDigit(before, after string) bool {
	return digitAfter(before, after) || ordinalFirst(before, after)
}

// digitAfter: the term is the start of a longer number (第12, No.15, top10), not "first".
func digitAfter(_, after string) bool {
	r, _ := utf8.DecodeRuneInString(after)
	return r >= '0' && r <= '9' || r >= '０' && r <= '９'
}

// rankedIn: what comes before ranks among a market (全网, 业内, 国内 …).
func rankedIn(before string) bool {
	if marketWide(before) {
		return true
	}
	for _, p := range []string{"业内", "国内", "市场上", "全网首", "品类"} {
		if strings.HasSuffix(before, p) {
			return true
		}
	}
	return false
}

// noPriceAfter: 原价 not set against a price (按原价退款, 原价购买的商品), only 原价999,
// 原价：¥999, 原价 999 元 compare.
func noPriceAfter(_, after string) bool {
	after = strings.TrimLeft(after, " :：¥￥$")
	r, _ := utf8.DecodeRuneInString(after)
	return !(r >= '0' && r <= '9') && !chineseNumeral(after)
}

// endStated: 限时 with its end in the same sentence (限时优惠至 11 月 11 日, 今晚 24 点前限时
// 抢购, 限时到明天, 限时 3 天): a date, an hour or a day before or after it — not a price (原价999
// 现在只要99，限时抢购 names no end).
func endStated(before, after string) bool {
	if i := strings.LastIndexAny(before, "。！？!?\n"); i >= 0 {
		before = before[i:]
	}
	if i := strings.IndexAny(after, "。！？!?\n"); i >= 0 {
		after = after[:i]
	}
	for _, part := range []string{before, after} {
		if timeBound.MatchString(part) {
			return true
		}
		for i := range part {
			if day(part[i:]) {
				return true
			}
		}
	}
	return false
}

// timeBound is a date, an hour or a length of time in digits, or a stated end.
var timeBound = regexp.MustCompile(`\d\s*(月|日|号|点|时|小时|天|:|：)|今晚|截止|结束`)

// notAboutOthers: a derogatory word (假货) not said of another seller named earlier in its
// clause (别家, 某宝, 友商 …): 本店绝无假货, 收到假货请联系我们.
func notAboutOthers(before, _ string) bool {
	if i := strings.LastIndexFunc(before, unicode.IsPunct); i >= 0 {
		before = before[i:]
	}
	for _, o := range []string{"别家", "别的店", "别的商家", "其他家", "其他店", "其他商家", "其它家", "其它店",
		"友商", "同行", "某宝", "某东", "某猫", "某多多", "拼夕夕", "外面", "隔壁", "竞品"} {
		if strings.Contains(before, o) {
			return false
		}
	}
	return true
}

// treatmentOK: 治疗 naming a device's category (治疗仪, 治疗器: a registered medical device's
// name) or sending the customer to a doctor (请及时就医治疗, 到医院治疗), not a claim that the
// goods treat anything (可以治疗痘痘).
func treatmentOK(before, after string) bool {
	if strings.HasPrefix(after, "仪") || strings.HasPrefix(after, "器") {
		return true
	}
	for _, p := range []string{"就医", "就诊", "医院", "医生", "遵医嘱"} {
		if strings.HasSuffix(before, p) {
			return true
		}
	}
	return false
}

// preventionOK: 预防 of anything but a disease (为预防丢件请当面签收, 预防诈骗, 预防静电): only
// a disease named in the same clause (预防感冒, 预防骨质疏松, 预防三高) makes it a claim.
func preventionOK(_, after string) bool {
	k := 0
	for i, r := range after {
		if k >= 10 || unicode.IsPunct(r) {
			break
		}
		for _, d := range []string{"病", "癌", "瘤", "感冒", "流感", "发炎", "炎症", "鼻炎", "咽炎", "皮炎", "胃炎", "肠炎", "关节炎", "血压", "血糖", "血脂", "三高",
			"中风", "近视", "脱发", "骨质疏松", "贫血", "便秘", "失眠", "痛风", "疾"} {
			if strings.HasPrefix(after[i:], d) {
				return false
			}
		}
		k++
	}
	return true
}

// composition: 100% stating a fibre or material content (100%棉, 100% 桑蚕丝), a labelled fact.
func composition(_, after string) bool {
	after = strings.TrimLeft(after, " ")
	for _, m := range []string{"棉", "纯棉", "羊毛", "羊绒", "桑蚕丝", "真丝", "蚕丝", "亚麻", "涤纶",
		"聚酯纤维", "锦纶", "氨纶", "粘纤", "莫代尔", "牛皮", "真皮", "羊皮", "纯铜", "铜芯"} {
		if strings.HasPrefix(after, m) {
			return true
		}
	}
	return false
}

// negatedGuarantee: 不保证 / 无法保证 (saying what is not promised), 保证金 (a deposit), and
// 保证 asked of the customer (请保证手机畅通, 请您务必保证地址正确, 需要您保证): an instruction,
// which promises nothing.
func negatedGuarantee(before, after string) bool {
	if strings.HasPrefix(after, "金") {
		return true
	}
	for _, p := range []string{"不", "无法", "不能", "没法", "难以", "不敢", "并不",
		"请", "请您", "请你", "请亲", "麻烦您", "麻烦你", "务必", "需要", "需", "需要您", "需要你",
		"您要", "你要", "亲要"} {
		if strings.HasSuffix(before, p) {
			return true
		}
	}
	return false
}
