package nlp

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// Scope: which words of a message the customer means. Each token gets flags from a few rules over
// the token sequence, and the features of its characters follow them:
//
//   - not meant: a word after a negation of wanting (不要退款了, 不用换了, 不想退了, 没说过要退款),
//     a request of the customer's withdrawn with a bare 不 and the 了 that closes it (我不退款了,
//     订单不取消了; not what the shop or the courier no longer does: 你们不退款了, 物流不更新了),
//     and what 不是 takes back before a 是 in its sentence (不是A，(而/就)是B), are hashed into
//     marked variants of their features (markID), so that they do not vote for the intent their
//     plain form votes for. A negation's scope ends with its clause, or sooner where something
//     else is said (notMeant: 不想等了|直接退款吧); a clause that asks (为什么不发货了, 退不退款了,
//     不是说包邮吗？) withdraws and takes back nothing, and 没要这个… names a wrong item, not a
//     request;
//   - courtesy: greetings and apologies (你好, 亲, 不好意思, 打扰了, 麻烦问一下) in a message that
//     says something else leave the terms, and their characters' features are marked too, so
//     adding one does not pull the message towards the greeting intent. A clause that only gives
//     personal data (我的电话<PHONE>, 运单号<ORDER>) beside a request is set apart the same way,
//     and so is an opening clause of thanks (好的谢谢，我再问下…) before a clause that asks.
//
// Measured and left out (5-fold CV by conversation on the sample shop, docs/benchmarks.md): the
// part before 但是/可是/不过 taken back (the shop's customers mostly keep meaning it: 拆了 但是没用过
// is a return), and the asking clause of a long message counted twice; both lost accuracy. So did
// dropping greetings' features altogether, which this shop labels as greetings when what follows
// says nothing (你好 我想问下).

// unitFlag says how a unit's or a token's features are emitted.
type unitFlag uint8

const (
	flagNotMeant unitFlag = 1 << iota // negated or taken back: marked features
	flagCourtesy                      // a greeting or an apology in a message with more
)

// markerClass is what a token means to the scope rules.
type markerClass uint8

const (
	markNone markerClass = iota
	markNegator
	markNotIs    // 不是
	markIs       // 是, 而是, 就是, 只是 after 不是
	markContrast // 但是, 可是, 不过, 而是, 只是: ends a negation's scope
	markCourtesy
	markParticle  // 啊, 呀: courtesy right after a greeting
	markDidNot    // 没, 没有: 没(说)要A is a negation of wanting
	markDidNotSay // 没说, 没说过: gse's words for 没 + 说, before 要
	markPII       // a mask placeholder: <PHONE>, <ORDER>
	markLabel     // what names personal data given (电话, 邮箱, 单号: 我的电话<PHONE>), a number's letters (zt<ORDER>)
	markClosing   // 急, 尽快: said after data given (订单<ORDER>，急), not a request of its own
	markThanks    // 谢谢, 好的: a closing that also acknowledges what the agent said (好的谢谢，我再问下…)
	markBu        // bare 不: 不退款了 withdraws a request
)

var scopeMarkers = map[string]markerClass{
	"不要": markNegator, "不用": markNegator, "不想": markNegator, "不需要": markNegator, "不必": markNegator,
	"别": markNegator, "无需": markNegator, "没必要": markNegator, "不打算": markNegator, "不再": markNegator,
	"不想要": markNegator, "用不着": markNegator, "先别": markNegator, "千万别": markNegator,
	"甭": markNegator, "先甭": markNegator, "没要": markNegator,

	"不": markBu,

	"不是": markNotIs, "是": markIs, "就是": markIs,
	"没": markDidNot, "没有": markDidNot, "从没": markDidNot, "从来没": markDidNot, "从没有": markDidNot,
	"从来没有": markDidNot, "没说": markDidNotSay, "没说过": markDidNotSay, "没讲": markDidNotSay, "没讲过": markDidNotSay,

	"但是": markContrast, "可是": markContrast, "不过": markContrast, "但": markContrast, "然而": markContrast,
	"只是": markContrast, "而是": markContrast,

	"你好": markCourtesy, "您好": markCourtesy, "在吗": markCourtesy, "在不在": markCourtesy, "亲": markCourtesy,
	"亲亲": markCourtesy, "哈喽": markCourtesy, "hi": markCourtesy, "hello": markCourtesy, "嗨": markCourtesy,
	"早上好": markCourtesy, "下午好": markCourtesy, "晚上好": markCourtesy, "中午好": markCourtesy,
	"不好意思": markCourtesy, "抱歉": markCourtesy, "打扰": markCourtesy, "打扰了": markCourtesy,
	"打扰一下": markCourtesy, "麻烦": markCourtesy, "麻烦了": markCourtesy, "请问": markCourtesy,
	"问一下": markCourtesy, "问下": markCourtesy, "想问一下": markCourtesy, "咨询一下": markCourtesy,
	"你好呀": markCourtesy, "您好呀": markCourtesy, "一下": markCourtesy, "问": markCourtesy,

	"啊": markParticle, "呀": markParticle, "哈": markParticle, "哦": markParticle, "喔": markParticle,
	"吖": markParticle, "嗯": markParticle, "哈哈": markParticle,

	"电话": markLabel, "手机": markLabel, "手机号": markLabel, "手机号码": markLabel, "号码": markLabel,
	"电话号码": markLabel, "联系电话": markLabel, "联系方式": markLabel, "邮箱": markLabel,
	"邮件": markLabel, "邮箱地址": markLabel, "身份证": markLabel, "身份证号": markLabel,
	"身份证号码": markLabel, "银行卡": markLabel, "银行卡号": markLabel, "卡号": markLabel,
	"订单": markLabel, "订单号": markLabel, "单号": markLabel, "运单号": markLabel, "快递单号": markLabel,
	"物流单号": markLabel, "编号": markLabel, "号": markLabel, "新": markLabel, "原": markLabel,
	"收件人": markLabel, "收货人": markLabel, "联系人": markLabel, "姓名": markLabel, "地址": markLabel,
	"收货地址": markLabel, "住址": markLabel, "链接": markLabel, "网址": markLabel, "我": markLabel, "我的": markLabel,
	"账号": markLabel, "帐号": markLabel, "账户": markLabel, "会员号": markLabel, "工单": markLabel, "工单号": markLabel,
	"微信": markLabel, "微信号": markLabel, "qq": markLabel, "qq号": markLabel, "vx": markLabel, "wx": markLabel,

	"谢谢": markThanks, "谢了": markThanks, "多谢": markThanks, "感谢": markThanks, "谢谢你": markThanks,
	"谢谢亲": markThanks, "好的": markThanks, "好": markThanks, "ok": markThanks, "辛苦了": markThanks,
	"辛苦": markThanks, "嗯嗯": markThanks,
	"拜托": markClosing, "拜托了": markClosing, "急": markClosing, "着急": markClosing,
	"尽快": markClosing, "快点": markClosing,
}

// scopeBits filters tokens that may be markers (tokenBits): most tokens are none.
var scopeBits = func() *tokenBits {
	b := new(tokenBits)
	for w := range scopeMarkers {
		b.add(w)
	}
	return b
}()

func markerOf(tok string) markerClass {
	if len(tok) > 2 && tok[0] == '<' && placeholderLen(tok) == len(tok) {
		return markPII
	}
	if !scopeBits.mayHave(tok) {
		return markNone
	}
	return scopeMarkers[tok]
}

// rewriteSpan is a phrase rewrite's place: bytes [newStart, newEnd) of the rewritten text replaced
// [oldStart, oldEnd) of the original.
type rewriteSpan struct {
	newStart, newEnd, oldStart, oldEnd int32
}

// scopeScratch is the scope rules' room in the workspace.
type scopeScratch struct {
	spans   []rewriteSpan
	cls     []markerClass
	clause  []int32   // clause of each token
	brk     []brkKind // what separates each token from the one before it
	endBrk  brkKind   // what follows the last token
	tokOff  []int32   // where each token starts in the phrase-rewritten text
	tokUnit []int32   // the unit each token starts at
	tokFlag []unitFlag
	unitF   []unitFlag
	termF   []unitFlag

	// What tokenFlags' rules learn of a clause once, so that a clause of many negations (2 KB
	// of 没有要α took 2.9 ms, of 不退款了α 6 ms) is read a few times, not once a negation:
	// asked holds asks' answer for each clause (0: not yet known), outside where someone else's
	// word first stands in it (notTheCustomers; -2: not yet known, -1: none), and scanned is
	// the tokens [from, to) of clause c the last notMeant walked; lookedForIs where the last
	// 不是 (notIs) looked for its 是.
	asked   []int8
	outside []int32
	scanned struct {
		c        int32
		from, to int
	}
	lookedForIs isSearch
	// plain turns the above off, for the test that holds the rules to themselves without it.
	plain bool
}

// isSearch is a 不是's look for its 是 in clause c: the tokens from on, up to the 是 at to when
// found, else up to to where its clause and the next end (what follows found nothing).
type isSearch struct {
	c        int32
	from, to int
	found    bool
}

// tokenOffset returns where tok, a token the segmenter cut from rewritten, starts in it, at or
// after from (where the previous token started). Tokens are substrings of rewritten, so their
// address says; one that is not (defensively) is searched for.
func tokenOffset(rewritten, tok string, from int32) int32 {
	base := uintptr(unsafe.Pointer(unsafe.StringData(rewritten)))
	p := uintptr(unsafe.Pointer(unsafe.StringData(tok)))
	if p >= base && p+uintptr(len(tok)) <= base+uintptr(len(rewritten)) {
		return int32(p - base)
	}
	if i := strings.Index(rewritten[from:], tok); i >= 0 {
		return from + int32(i)
	}
	return from
}

// brkKind is what separates a token from the one before it.
type brkKind uint8

const (
	brkNone     brkKind = iota // the same clause
	brkClause                  // a comma, a space: the next clause of the sentence
	brkSentence                // 。 ! ;: the sentence ends
	brkQuestion                // ?: the sentence ends, and asked
)

// brkOf returns what the separator units us say: a clause ends at any, a sentence at a full stop,
// an exclamation or a semicolon, a question at a question mark (normalised to ASCII but 。).
func brkOf(us []textUnit) brkKind {
	b := brkNone
	for _, u := range us {
		if u.kind != pieceSep {
			continue
		}
		switch u.r {
		case '?':
			return brkQuestion
		case '。', '!', ';':
			b = brkSentence
		default:
			b = max(b, brkClause)
		}
	}
	return b
}

// tokenUnits fills sc.tokUnit, sc.clause and sc.brk for the tokens that start at offsets
// sc.tokOff of rewritten (the phrase rewrites of text, whose units are us, as recorded in
// sc.spans). The offsets are taken before word rewrites replace tokens with dictionary strings.
func (sc *scopeScratch) tokenUnits(us []textUnit) {
	n := len(sc.tokOff)
	sc.tokUnit = grow(sc.tokUnit, n)
	sc.clause = grow(sc.clause, n)
	sc.brk = grow(sc.brk, n)
	span, delta := 0, int32(0)
	u, clause, prevUnit := 0, int32(0), -1
	for _, off := range sc.tokOff {
		orig := off
		if len(sc.spans) > 0 {
			for span < len(sc.spans) && off >= sc.spans[span].newEnd {
				s := sc.spans[span]
				delta += (s.oldEnd - s.oldStart) - (s.newEnd - s.newStart)
				span++
			}
			if span < len(sc.spans) && off >= sc.spans[span].newStart {
				orig = sc.spans[span].oldStart
			} else {
				orig = off + delta
			}
		}
		for u < len(us)-1 && us[u+1].start <= orig {
			u++
		}
		b := brkNone
		if prevUnit >= 0 && prevUnit+1 < u {
			if b = brkOf(us[prevUnit+1 : u]); b != brkNone {
				clause++
			}
		}
		sc.tokUnit = append(sc.tokUnit, int32(u))
		sc.clause = append(sc.clause, clause)
		sc.brk = append(sc.brk, b)
		prevUnit = u
	}
	sc.endBrk = brkNone
	if prevUnit >= 0 && prevUnit+1 < len(us) {
		sc.endBrk = brkOf(us[prevUnit+1:])
	}
}

// tokenFlags applies the scope rules to tokens (classes sc.cls, clauses sc.clause) and fills
// sc.tokFlag; isStop tells the stop words.
func (sc *scopeScratch) tokenFlags(tokens []string, isStop func(string) bool) {
	n := len(tokens)
	sc.tokFlag = grow(sc.tokFlag, n)[:n]
	tf, cls := sc.tokFlag, sc.cls
	for i := range tf {
		tf[i] = 0
	}
	clauses := 0
	if n > 0 {
		clauses = int(sc.clause[n-1]) + 1
	}
	sc.asked = grow(sc.asked, clauses)[:clauses]
	sc.outside = grow(sc.outside, clauses)[:clauses]
	for c := range clauses {
		sc.asked[c], sc.outside[c] = 0, -2
	}
	sc.scanned.to, sc.lookedForIs = 0, isSearch{to: -1}
	// Courtesy, when something else is said.
	content := false
	for i, c := range cls {
		if c != markCourtesy && c != markParticle && !isStop(tokens[i]) {
			content = true
			break
		}
	}
	sc.infoClauses(tokens, isStop)
	sc.openingThanks(tokens, isStop)
	for i, c := range cls {
		switch c {
		case markCourtesy:
			if !content {
				continue
			}
			tf[i] |= flagCourtesy
			// the 了 of an apology the segmenter cut off (打扰|了), and particles right after a
			// greeting (你好呀, 亲亲哈)
			j := i + 1
			if j < n && sc.clause[j] == sc.clause[i] && (tokens[j] == "了" || tokens[j] == "啦") {
				tf[j] |= flagCourtesy
				j++
			}
			for ; j < n && cls[j] == markParticle && sc.clause[j] == sc.clause[i]; j++ {
				tf[j] |= flagCourtesy
			}
		case markNegator:
			// 没要这个颜色 (gse's 没要): what came is not what was ordered
			if tokens[i] == "没要" && i+1 < n && namesAnItem(tokens[i+1]) {
				continue
			}
			sc.notMeant(tokens, i+1, i)
		case markBu:
			if sc.withdraws(tokens, i) {
				sc.notMeant(tokens, i+1, i)
			}
		case markNotIs:
			sc.notIs(tokens, i)
		case markDidNot, markDidNotSay:
			// 没(有)要A, 没说(过)要A: A was never asked for; 没说要多久 asks what was not said
			j := i + 1
			if c == markDidNot && j < n && (tokens[j] == "说" || tokens[j] == "讲") {
				j++
				if j < n && tokens[j] == "过" {
					j++
				}
			} else if c == markDidNotSay && j < n && tokens[j] == "过" {
				j++
			}
			// 没(有)要这个颜色: what came is not what was ordered, a wrong item
			if j+1 < n && tokens[j] == "要" && tokens[j+1] != "的" && !namesAnItem(tokens[j+1]) &&
				sc.clause[j+1] == sc.clause[i] && !sc.asks(tokens, sc.clause[i]) {
				sc.notMeant(tokens, j+1, i)
			}
		}
	}
}

// unitFlags spreads the tokens' flags over the units of the text (a token's flags cover its
// units up to the next token's first unit).
func (sc *scopeScratch) unitFlags(us []textUnit) []unitFlag {
	uf := grow(sc.unitF, len(us))[:len(us)]
	for i := range uf {
		uf[i] = 0
	}
	for t, u := range sc.tokUnit {
		end := len(us)
		if t+1 < len(sc.tokUnit) {
			end = int(sc.tokUnit[t+1])
		}
		for k := int(u); k < end; k++ {
			if us[k].kind != pieceSep {
				uf[k] = sc.tokFlag[t]
			}
		}
	}
	sc.unitF = uf
	return uf
}

// markID maps a feature id to its marked variant in the same kind: a bijection of the hash bits
// (odd multiplier, offset), so a marked feature never meets its plain form.
func markID(id uint32) uint32 {
	return id&^featHashMask | (id*0x9E3779B1+0x7F4A7C15)&featHashMask
}

// rewriteFlag returns the flags for a rewrite to word: those of the term it produced, the first
// one not matched yet (used, a bit per term); a word spelt out from letters may have merged with
// what follows (dd号 → 订单号), so failing an equal term, the first term containing it. A word in
// no term was rewritten again (kd单号 → 快递单号 → 单号: the flags of what that became) or left
// the terms as courtesy (泥好 → 你好: the flags of its token); plain when none of these is found.
func rewriteFlag(an *Analysis, tf, tokF []unitFlag, word string, used *uint64) unitFlag {
	for again := 0; again < 2; again++ {
		at, within := -1, -1
		for i, t := range an.Terms {
			if i < 64 && *used&(1<<i) != 0 {
				continue
			}
			if t == word {
				at = i
				break
			}
			if within < 0 && strings.Contains(t, word) {
				within = i
			}
		}
		if at < 0 {
			at = within
		}
		if at >= 0 {
			if at < 64 {
				*used |= 1 << at
			}
			return tf[at]
		}
		if i := slices.Index(an.Tokens, word); i >= 0 {
			return tokF[i]
		}
		next := ""
		for _, r := range an.Rewrites {
			if r.To != word && strings.Contains(r.From, word) {
				next = r.To
				break
			}
		}
		if next == "" {
			break
		}
		word = next
	}
	return 0
}

// ackFillers are the words an acknowledgement may carry besides its thanks: whom it thanks and
// how much (谢谢你们, 太感谢了, 非常感谢).
var ackFillers = map[string]bool{"亲": true, "亲亲": true, "你": true, "您": true, "你们": true, "大家": true,
	"太": true, "非常": true, "真": true, "了": true, "啦": true, "哒": true, "咯": true, "呢": true}

// Acknowledges reports whether an analysis says nothing but thanks or an acknowledgement (谢谢,
// 好的谢谢, 谢谢亲, 好的 谢谢啦, ok👍): no need of its own, so saying it again after an answer is no
// sign that the answer failed. Its tokens are thanks, particles, 亲 and stop words, emoji and
// symbols and ackFillers, with one thanks at least.
func (a *Analyzer) Acknowledges(an Analysis) bool {
	thanks := false
	for _, tok := range an.Tokens {
		switch scopeMarkers[tok] {
		case markThanks:
			thanks = true
			continue
		case markParticle:
			continue
		}
		if ackFillers[tok] || a.isStop(tok) {
			continue
		}
		if r, _ := utf8.DecodeRuneInString(tok); isHan(r) || r < utf8.RuneSelf || tok[0] == '<' {
			return false // a word, a letter or digit, or a placeholder: something said
		}
	}
	return thanks
}

// OnlyGivesData reports whether tokens (an Analysis's) only give personal data: a placeholder
// and nothing but the words that name or close it (订单号<ORDER>, 手机号 <PHONE>, 单号<ORDER> 谢谢,
// a tracking number's letters: zt<ORDER>; emoji and symbols say nothing: 单号<ORDER> 🙏, as
// Acknowledges reads them). Such a message answers an agent's question; its intent is its
// conversation's, not its words'.
//
// It reads the same without a shop's dictionaries: 的 links a label (我的微信 <ACCOUNT>) whether
// or not stopwords.txt holds it, and a label the segmenter split (微信号 as 微 信号 without a
// userdict.txt that knows 微信) is read whole.
func (a *Analyzer) OnlyGivesData(tokens []string) bool {
	pii := false
	for i := 0; i < len(tokens); i++ {
		tok := tokens[i]
		switch markerOf(tok) {
		case markPII:
			pii = true
		case markLabel, markIs, markCourtesy, markParticle, markClosing, markThanks:
		default:
			if i+1 < len(tokens) && markerOf(tok+tokens[i+1]) == markLabel {
				i++ // a label in two pieces
				continue
			}
			letters := onlyLower(tok) && i+1 < len(tokens) && markerOf(tokens[i+1]) == markPII
			if !letters && tok != "的" && !a.isStop(tok) && !symbolsOnly(tok) {
				return false
			}
		}
	}
	return pii
}

// TextOnlyGivesData is OnlyGivesData of text's analysis, for a caller holding no analysis of it.
func (a *Analyzer) TextOnlyGivesData(text string) bool {
	return a.OnlyGivesData(a.Analyze(text).Tokens)
}

// symbolsOnly reports whether tok holds no letter and no digit (an emoji, a symbol: 🙏, 👍).
func symbolsOnly(tok string) bool {
	for _, r := range tok {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return false
		}
	}
	return tok != ""
}
