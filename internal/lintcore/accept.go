package lintcore

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The accepted uses of the lexicon's terms (package lint's doc, "Accepted uses"): each says
// whether an occurrence, with the text before and after it, is ordinary text rather than a
// claim.

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
	// at a clause's start or after a time (请存放于阴凉处，最好冷藏; 开封后最好冷藏保存), not
	// an adjective (最好用, 最好看, 最好吃)
	r, _ := utf8.DecodeLastRuneInString(before)
	a, _ := utf8.DecodeRuneInString(after)
	return (unicode.IsPunct(r) || strings.HasSuffix(before, "后")) && after != "" &&
		!unicode.IsPunct(a) && !strings.ContainsRune("用看吃喝穿玩听闻卖", a)
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
	return endsWithAny(before, "业内", "国内", "市场上", "全网首", "品类")
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
// 现在只要99，限时抢购 names no end); or the next sentence saying the offer ends, with its time
// (限时抢购！活动截止到 11 月 11 日 24 点。), where a time of something else (下单后 48 小时发货)
// is no end of the offer.
func endStated(before, after string) bool {
	if i := strings.LastIndexAny(before, "。！？!?\n"); i >= 0 {
		before = before[i:]
	}
	next := ""
	if i := strings.IndexAny(after, "。！？!?\n"); i >= 0 {
		after, next = after[:i], strings.TrimLeft(after[i:], "。！？!?\n ")
		if j := strings.IndexAny(next, "。！？!?\n"); j >= 0 {
			next = next[:j]
		}
	}
	if offerEnds.MatchString(next) && (timeBound.MatchString(next) || hasDay(next)) {
		return true
	}
	for _, part := range []string{before, after} {
		if timeBound.MatchString(part) || hasDay(part) {
			return true
		}
	}
	return false
}

// hasDay reports whether s names a day (day).
func hasDay(s string) bool {
	for i := range s {
		if day(s[i:]) {
			return true
		}
	}
	return false
}

// offerEnds is a sentence saying when an offer ends: 截止, 结束, 为止, or 活动/优惠/促销 … 至/到.
var offerEnds = regexp.MustCompile(`截止|结束|为止|(活动|优惠|促销|特价)[^，,]{0,8}(至|到)`)

// uniqueIdentifier: 唯一 said of a code, a number or a link (兑换码是唯一的, 每个订单号唯一,
// 唯一标识), which is no claim about the goods or the shop (全网唯一授权店 is).
func uniqueIdentifier(before, after string) bool {
	if i := strings.LastIndexFunc(before, unicode.IsPunct); i >= 0 {
		before = before[i:]
	}
	return endsWithAny(strings.TrimRight(before, " 是都为"), "码", "号", "编号", "标识", "链接", "凭证", "ID", "id") ||
		namesAnIdentifier(before, after)
}

// namesAnIdentifier: the term before a word for an identifier (唯一标识, 唯一编号).
var namesAnIdentifier = followedBy("标识", "编号", "识别码", "序列号")

// endsWithAny reports whether s ends with one of words.
func endsWithAny(s string, words ...string) bool {
	return slices.ContainsFunc(words, func(w string) bool { return strings.HasSuffix(s, w) })
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
	return endsWithAny(before, "就医", "就诊", "医院", "医生", "遵医嘱")
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

// followedBy returns an accepted use: the term followed by one of words.
func followedBy(words ...string) func(before, after string) bool {
	return func(_, after string) bool {
		return slices.ContainsFunc(words, func(w string) bool { return strings.HasPrefix(after, w) })
	}
}

// percentOK: 100% as a fibre content (composition) or a battery's charge (请充满电至 100% 后再
// 使用, 电量显示 100%): a measured state, not a claim.
func percentOK(before, after string) bool {
	before = strings.TrimRight(before, " ")
	return endsWithAny(before, "电量", "电量显示", "电量为", "充到", "充至", "充满至", "充电至", "充电到", "充满电至") ||
		composition(before, after)
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
