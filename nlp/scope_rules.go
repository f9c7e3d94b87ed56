package nlp

import (
	"slices"
	"strings"
)

// The clause rules of scope: what a customer withdraws (不A了, 没要), takes back (不是A，是B), asks
// (a question word, 吗, A不A), or sets apart as not the request (an opening thanks, a clause that
// only gives personal data), and how far a negation reaches (notMeant). tokenFlags applies them.

// customerRequests are what a customer asks the shop for, and the wants gse may cut off their 不
// (不|需要): a bare 不A了 withdraws only these (我不退款了, 订单不取消了, 不拍了, 我不需要发票了).
// What the shop or the courier does (发货, 包邮, 降价, 派送, 回复) or fails to do (更新, 成功)
// said with 不…了 is a complaint or news, not a withdrawal.
var customerRequests = map[string]bool{
	"退款": true, "退货": true, "换货": true, "退换": true, "退": true, "换": true,
	"取消": true, "买": true, "购买": true, "拍": true, "下单": true,
	"要": true, "需要": true, "想要": true,
}

// notTheCustomers are the words before a bare 不 that make 不A了 someone else's doing (你们不退款了,
// 快递不派送了) or a complaint (又不发货了, 都不退款了, 还不退款了), not the customer taking a
// request back.
var notTheCustomers = map[string]bool{
	"你们": true, "你": true, "商家": true, "卖家": true, "店家": true, "快递": true, "物流": true,
	"客服": true, "系统": true, "又": true, "都": true, "也": true, "还": true,
}

// withdraws reports whether the bare 不 at token i withdraws a request: 不A了 where A is one of
// customerRequests (不退款了, 订单不取消了), with no one else's subject or 又/都/也/还 before the
// 不 in its clause, and a clause that does not ask (为什么不发货了, 退不退款了) nor close on 吧,
// 呀, 啊 or 吗 (不退款了是吧: so there is no refund?).
func (sc *scopeScratch) withdraws(tokens []string, i int) bool {
	if sc.closingLe(tokens, i+1) == 0 || !customerRequests[tokens[i+1]] {
		return false
	}
	c := sc.clause[i]
	if k := sc.someoneElse(tokens, c); k >= 0 && int(k) < i {
		return false
	}
	if sc.asks(tokens, c) {
		return false
	}
	_, end := sc.clauseSpan(c)
	switch tokens[end-1] {
	case "吧", "呀", "啊", "是吧", "吗":
		return false
	}
	return true
}

// someoneElse returns the first token of clause c that makes a 不 after it someone else's
// (notTheCustomers), or -1.
func (sc *scopeScratch) someoneElse(tokens []string, c int32) int32 {
	if k := sc.outside[c]; k != -2 {
		return k
	}
	k := int32(-1)
	start, end := sc.clauseSpan(c)
	for i := start; i < end; i++ {
		if notTheCustomers[tokens[i]] {
			k = int32(i)
			break
		}
	}
	if !sc.plain {
		sc.outside[c] = k
	}
	return k
}

// clauseSpan returns the tokens of clause c, [start, end): clauses number the tokens in order.
func (sc *scopeScratch) clauseSpan(c int32) (start, end int) {
	n := len(sc.tokFlag)
	start, _ = slices.BinarySearch(sc.clause[:n], c)
	end, _ = slices.BinarySearch(sc.clause[:n], c+1)
	return start, end
}

// namesAnItem reports whether tok points at a thing (这个, 这种, 那款…): 没(有)要这个颜色 says
// what came is not what was ordered.
func namesAnItem(tok string) bool {
	switch tok {
	case "这个", "这种", "这款", "这件", "那个", "那种", "那款", "那件":
		return true
	}
	return false
}

// notIs applies 不是 at token i: 不是A，(而/就/只)是B takes A back when a 是 follows it in the
// same clause or one of the next two of the sentence, and with A what is said between them
// (不是快递的问题，包装完好，是衣服本身有个洞: 包装完好 backs the denial, not a request) when
// that 是 opens its clause and the one between asks for nothing (farIs); a 是 further on belongs to another statement (不是我买的那个颜色。请问是发错了吗); without one, 不是要A and 不是来A的 (not wanting A, not
// here for A) still negate A. A 不是 that asks (不是说48小时发货吗？) takes nothing back: it
// reminds the agent of what was promised.
func (sc *scopeScratch) notIs(tokens []string, i int) {
	n, cls, tf := len(tokens), sc.cls, sc.tokFlag
	if sc.clauseAsks(tokens, i) {
		return
	}
	// A 不是 after one that looked here, in its clause, finds the 是 that one found (or none):
	// nothing stands between them, and what it takes back that one took back already.
	c, j := sc.clause[i], i+2
	last := &sc.lookedForIs
	if last.c == c && last.from <= j && j <= last.to {
		if last.found {
			return
		}
		j = n
	}
	from := j
	for ; j < n; j++ {
		if sc.clause[j] > c+notIsReach || sc.clause[j] > c && sc.brk[j] >= brkSentence {
			break
		}
		if cls[j] == markIs || tokens[j] == "而是" || tokens[j] == "只是" {
			if sc.clause[j] > c+1 && !sc.farIs(tokens, j) {
				continue
			}
			for k := i + 1; k < j; k++ {
				tf[k] |= flagNotMeant
			}
			if !sc.plain {
				*last = isSearch{c: c, from: from, to: j, found: true}
			}
			return
		}
	}
	if !sc.plain && from < n {
		*last = isSearch{c: c, from: from, to: j}
	}
	if i+1 < n && (tokens[i+1] == "要" || tokens[i+1] == "来") {
		sc.notMeant(tokens, i+2, i)
	}
}

// notIsReach is how many clauses after its own a 不是's 是 may come.
const notIsReach = 2

// farIs reports whether the 是 at token j, two clauses after its 不是, answers it: it opens its
// clause (是想问…, 其实是…), and the clause between makes no request of its own (收到的不是我要的
// 尺码，我要换货，这个是什么情况: the 是 of a question, the request between), a question
// included (不是快递的问题，退款什么时候到，是衣服有个洞: the customer asks after the refund).
func (sc *scopeScratch) farIs(tokens []string, j int) bool {
	start, _ := sc.clauseSpan(sc.clause[j])
	switch {
	case j == start:
	case j == start+1 && (tokens[start] == "其实" || tokens[start] == "主要" || tokens[start] == "我"):
	default:
		return false
	}
	if sc.asks(tokens, sc.clause[j]-1) {
		return false
	}
	between, end := sc.clauseSpan(sc.clause[j] - 1)
	for k := between; k < end; k++ {
		switch tokens[k] {
		case "我要", "我想", "我想要", "想要", "需要", "要", "想", "能不能", "可以", "麻烦":
			return false
		}
	}
	return true
}

// clauseAsks reports whether the clause of token i is a question by its end: a 吗 (嘛) last, or
// a question mark after it.
func (sc *scopeScratch) clauseAsks(tokens []string, i int) bool {
	_, end := sc.clauseSpan(sc.clause[i])
	j := end - 1
	if tokens[j] == "吗" || tokens[j] == "嘛" {
		return true
	}
	if j+1 < len(tokens) {
		return sc.brk[j+1] == brkQuestion
	}
	return sc.endBrk == brkQuestion
}

// asks reports whether clause c asks something: a question mark after it, a question particle or
// a question word in it (为什么, 怎么, 什么, 啥, 咋, 哪, 多少, 几, and A不A: 是不是, 能不能), or
// an A不A (A没A) the segmenter cut across words (退|不|退款, 给|不|给|退: the word before 不
// begins the word after it).
func (sc *scopeScratch) asks(tokens []string, c int32) bool {
	if a := sc.asked[c]; a != 0 {
		return a > 0
	}
	a := sc.clauseAsksAnything(tokens, c)
	if !sc.plain {
		sc.asked[c] = -1
		if a {
			sc.asked[c] = 1
		}
	}
	return a
}

// clauseAsksAnything is asks, read from the clause's tokens.
func (sc *scopeScratch) clauseAsksAnything(tokens []string, c int32) bool {
	start, _ := sc.clauseSpan(c)
	for i := start; i < len(tokens); i++ {
		tok := tokens[i]
		if isQuestionWord(tok) || sc.cls[i] == markCourtesy && (strings.Contains(tok, "问") || strings.Contains(tok, "咨询")) {
			return true
		}
		if (tok == "不" || tok == "没") && i > 0 && i+1 < len(tokens) && sc.clause[i-1] == c && sc.clause[i+1] == c &&
			tokens[i-1] != tok && strings.HasPrefix(tokens[i+1], tokens[i-1]) {
			return true
		}
		if i+1 < len(tokens) && sc.clause[i+1] != c {
			return sc.brk[i+1] == brkQuestion
		}
		if i+1 == len(tokens) {
			return sc.endBrk == brkQuestion
		}
	}
	return false
}

// isQuestionWord reports whether tok asks: a question particle (吗, 呢, 嘛), a question word
// (为什么, 怎么, 什么, 啥, 咋, 哪里, 多少, 几), or a word of the form A不A (是不是, 能不能, 要不要).
func isQuestionWord(tok string) bool {
	switch tok {
	case "吗", "呢", "嘛", "干嘛", "几", "多少", "多久", "为何", "如何":
		return true
	}
	for _, q := range [...]string{"什么", "怎么", "怎样", "为啥", "啥", "咋", "哪"} {
		if strings.Contains(tok, q) {
			return true
		}
	}
	// A不A: 是不是, 能不能, 要不要, 有没有
	if len(tok) == 9 && tok[:3] == tok[6:] && tok[:3] != tok[3:6] && (tok[3:6] == "不" || tok[3:6] == "没") {
		return true
	}
	return false
}

// closingLe returns the index of the 了 that closes a predicate of one or two words starting at
// token j (不|退款|了, 不|取消|订单|了), or 0 when there is none: the words must be in one clause
// and be no marker (不|要 is 不要's, 不|是 is 不是's).
func (sc *scopeScratch) closingLe(tokens []string, j int) int {
	for k := j; k < len(tokens) && k <= j+2 && sc.clause[k] == sc.clause[j-1]; k++ {
		if tokens[k] == "了" {
			if k == j {
				return 0
			}
			return k
		}
		if c := sc.cls[k]; c != markNone && c != markLabel {
			return 0
		}
	}
	return 0
}

// openingThanks flags as courtesy a first clause that only thanks or acknowledges (好的谢谢, ok)
// when a later clause asks something new (好的谢谢，我再问下运费险怎么用): the thanks answers
// the agent's last reply, and the question is the message. Alone (好的谢谢) or before a clause
// that asks nothing (谢谢，我等等), the thanks is the message.
func (sc *scopeScratch) openingThanks(tokens []string, isStop func(string) bool) {
	cls, tf := sc.cls, sc.tokFlag
	if len(cls) == 0 || sc.clause[len(cls)-1] == 0 {
		return
	}
	end, thanks := 0, false
	for ; end < len(cls) && sc.clause[end] == 0; end++ {
		switch cls[end] {
		case markThanks:
			thanks = true
		case markParticle, markCourtesy:
		default:
			if !isStop(tokens[end]) {
				return
			}
		}
	}
	if !thanks {
		return
	}
	for c := int32(1); c <= sc.clause[len(cls)-1]; c++ {
		if sc.asks(tokens, c) {
			for i := range end {
				tf[i] |= flagCourtesy
			}
			return
		}
	}
}

// infoClauses flags as courtesy the clauses that only give personal data (我的电话<PHONE>,
// 运单号<ORDER>) in a message that asks something in another clause: the data answers what an
// agent will ask, and the request is elsewhere. Alone, or beside only a closing (单号<ORDER>
// 谢谢, 订单<ORDER>，急) or a label (订单 <ORDER>), such a clause is the message. A label cut off
// from its number by a space or a colon stays where it is: joined to the data clause, it cost
// accuracy (docs/benchmarks.md, twenty-second session).
func (sc *scopeScratch) infoClauses(tokens []string, isStop func(string) bool) {
	cls, tf := sc.cls, sc.tokFlag
	if !slices.Contains(cls, markPII) {
		return
	}
	var info []int32 // the clauses that only give data
	for i := 0; i < len(tokens); {
		j, pii, other := i, false, false
		for ; j < len(tokens) && sc.clause[j] == sc.clause[i]; j++ {
			switch cls[j] {
			case markPII:
				pii = true
			case markLabel, markIs, markCourtesy, markParticle, markClosing, markThanks:
			default:
				other = other || !isStop(tokens[j])
			}
		}
		if pii && !other {
			info = append(info, sc.clause[i])
		}
		i = j
	}
	if len(info) == 0 {
		return
	}
	asks := false // a clause other than these says something
	for i, c := range cls {
		switch c {
		case markCourtesy, markParticle, markClosing, markThanks, markLabel, markIs:
			continue
		}
		if !slices.Contains(info, sc.clause[i]) && !isStop(tokens[i]) {
			asks = true
			break
		}
	}
	if !asks {
		return
	}
	for i := range tokens {
		if slices.Contains(info, sc.clause[i]) {
			tf[i] |= flagCourtesy
		}
	}
}

// notMeant marks the tokens from j on as not meant: the scope of a negation of wanting at i. It
// runs to the end of token i's clause, and ends sooner where something else is said: after the 了
// that closes the negated predicate (不想等了|直接退款吧, 不用了|谢谢), and before a contrast, a
// 是, an adverb that brings the wanted alternative after a word negated (直接, 只, 就: 不用退货|
// 直接退款; right after the negation it is negated with its verb: 不要直接发货, 不要就这么发) or
// a new want (我要, 我想: 不要发货了|我要改地址).
//
// A scope that starts inside the one notMeant walked last in the same clause, after its start,
// ends where that one did, every token on its way already marked: that one went on past the
// start, so no stop stands between them (a 直接 stops every scope but the one it starts), and
// it is not walked again.
func (sc *scopeScratch) notMeant(tokens []string, j, i int) {
	c := sc.clause[i]
	if last := &sc.scanned; last.c == c && last.from <= j && j < last.to {
		return
	}
	from := j
walk:
	for first := j; j < len(sc.tokFlag) && sc.clause[j] == c; j++ {
		switch sc.cls[j] {
		case markContrast, markIs, markNotIs:
			break walk
		}
		switch tokens[j] {
		case "直接", "只", "就":
			if j > first {
				break walk
			}
		case "我要", "我想", "我想要":
			break walk
		case "我":
			if j+1 < len(tokens) && (tokens[j+1] == "要" || tokens[j+1] == "想" || tokens[j+1] == "想要") {
				break walk
			}
		}
		sc.tokFlag[j] |= flagNotMeant
		if tokens[j] == "了" {
			break
		}
	}
	if !sc.plain {
		sc.scanned.c, sc.scanned.from, sc.scanned.to = c, from, j
	}
}
