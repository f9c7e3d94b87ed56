package nlp

import (
	"strings"
	"unicode/utf8"
)

// A person's name is masked where the customer says it is one: after a word that introduces a
// name (收件人李华, 联系人张伟, 我叫王芳, 我是王芳，…), a common surname and one or two more
// characters that end where the name must (punctuation, a number, the end, a particle such as 啊,
// or a word such as 手机 or 电话 that follows a name). Names written anywhere else (a product named after its designer,
// 李宁) are not recognised: without the cue a surname is just a character.

// nameCues introduce a name, longest first where one ends another (开户名 before 户名).
var nameCues = []string{
	"收件人", "收货人", "联系人", "寄件人", "签收人", "取件人", "提货人", "持卡人", "开户名", "户名",
	"姓名", "名字", "我叫", "本人", "我是",
}

// nameCueFirst holds the first rune of every cue (and of nameChanges), and nameCueLast the last
// rune of every cue, for mask's pre-scan.
const (
	nameCueFirst = "收联寄签取提持开户姓名我本改换写" // 改换写: nameChanges after a name
	nameCueLast  = "人名字叫是"
)

// compoundSurnames are the two-character surnames.
var compoundSurnames = []string{"欧阳", "司马", "诸葛", "上官", "东方", "司徒", "夏侯", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "令狐", "端木", "独孤", "南宫", "西门", "百里", "呼延"}

// surnames are the common one-character surnames (about nine in ten people in mainland China
// carry one of them), with those common in Hong Kong and Taiwan beside (洪 and 赖 are among
// Taiwan's twenty commonest; 麦, 邝, 冼 Hong Kong's). Characters that are mostly words of their own in a customer's message
// (和, 成, 时, 高, 文, 安, 明…) are left out: after 我是 they begin a description more often than
// a name (wordSurnames holds those read after the other cues).
const surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范廖贾夏韦付傅邹孟熊秦邱尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵钱严覃戴莫孔汤施樊葛邢齐乔伍庞倪聂岳翟殷詹耿焦俞柳甘祝阮柯纪梅凌毕裴霍涂苗翁冉骆游辛靳柴蒙鲍喻祁蒲滕屈饶牟艾尤穆卓缪褚娄窦戚岑邬卞栾隋甄郁胥栗燕楚鄢萧洪赖麦邝冼"

// nameFollowers are words that follow a name directly: 我是王芳手机号…, 联系人张伟电话….
var nameFollowers = []string{"改成", "改为", "换成", "换为", "写成", "手机", "电话", "号码", "身份", "订单", "地址", "住址", "邮箱", "联系", "先生", "女士", "小姐"}

// nameChanges link a cue, or a name just masked, to the name that replaces it: 收件人改成张伟,
// 收件人李华改成张伟. Alone (颜色改成黄色) they introduce no name.
var nameChanges = []string{"改成", "改为", "换成", "换为", "写成"}

// maskPersonNames replaces the names of text that follow a cue with <NAME>.
func maskPersonNames(text string, set *MaskSet) string {
	return replaceSpans(text, MaskName, set, &nameFirstBits, func(i, last int) (int, int) {
		if i == last && last > 0 { // right after a name: 李华改成张伟
			for _, c := range nameChanges {
				if n := prefixLen(text[i:], c); n >= 0 {
					start := skipLinks(text, i+n)
					return start, nameEnd(text, start, true)
				}
			}
		}
		for _, cue := range nameCues {
			if n := prefixLen(text[i:], cue); n >= 0 {
				start := nameStart(text, i+n)
				end := nameEnd(text, start, cue != "我是" && cue != "本人")
				if end < 0 && cue != "我是" && cue != "本人" && cue != "名字" {
					end = latinNameEnd(text, start)
				}
				return start, end
			}
		}
		return 0, -1
	})
}

// nameStart skips what may stand between a cue and its name: 名字是李华, 收件人：张伟, 姓名 王芳,
// 收件人改成张伟.
func nameStart(text string, i int) int {
	i = skipLinks(text, i)
	for _, links := range [][]string{{"是", "叫", "为"}, nameChanges} {
		for _, link := range links {
			if n := prefixLen(text[i:], link); n >= 0 {
				return skipLinks(text, i+n)
			}
		}
	}
	return i
}

func skipLinks(text string, i int) int {
	for i < len(text) && (text[i] == ' ' || text[i] == ':') {
		i++
	}
	return i
}

// wordSurnames are common surnames that are also words (高兴, 金色, 方便, 白天), read as surnames
// only after a cue that can introduce nothing but a name (收件人, 姓名, 我叫 — not 我是 or 本人).
// Surnames that begin what customers write after those cues (常用, 关机, 包裹, 颜色, 和地址) stay out.
const wordSurnames = "高石金方白江万武向温康文安易庄章鲁申兰左尚符舒童季谷盛曲蓝华房古吉项区简"

// nameEnd returns the end of a name at i — a surname and one or two more Chinese characters
// followed by where a name ends — preferring two, or -1 when none starts there. strong says
// the cue introduces nothing but a name, so wordSurnames count.
func nameEnd(text string, i int, strong bool) int {
	j := -1
	for _, s := range compoundSurnames {
		if n := prefixLen(text[i:], s); n >= 0 {
			j = i + n
			break
		}
	}
	if j < 0 {
		r, n := utf8.DecodeRuneInString(text[i:])
		if r = simplified(r); r == utf8.RuneError || !strings.ContainsRune(surnames, r) && !(strong && strings.ContainsRune(wordSurnames, r)) {
			return -1
		}
		j = i + n
	}
	if strong && j < len(text) && text[j] == ' ' {
		return spacedNameEnd(text, j)
	}
	one := nextNameChar(text, j)
	if one < 0 {
		return -1
	}
	if two := nextNameChar(text, one); two >= 0 && nameEnds(text, two) {
		return two
	}
	if nameEnds(text, one) {
		return one
	}
	return -1
}

// spacedNameEnd returns the end of a given name read out with pauses after the surname that ends
// at j (我叫李 建国, 姓名 王 秀 英: voice-to-text writes a pause as a space), one or two
// characters each after one space at most, or -1. Only after a cue that introduces nothing but a
// name; a word that follows names (收件人 王 电话…) is none of it.
func spacedNameEnd(text string, j int) int {
	k := j + 1
	for _, f := range nameFollowers {
		if prefixLen(text[k:], f) >= 0 {
			return -1
		}
	}
	one := nextNameChar(text, k)
	if one < 0 {
		return -1
	}
	k = one
	if k < len(text) && text[k] == ' ' {
		k++
	}
	if two := nextNameChar(text, k); two >= 0 && nameEnds(text, two) {
		return two
	}
	if nameEnds(text, one) {
		return one
	}
	return -1
}

// latinNameEnd returns the end of a name in Latin letters at i — one to three words of 2 to 20
// letters, the way a name is written in pinyin or by a customer abroad (收件人:Zhang San,
// 姓名 wang xiao ming, 联系人 Tom), ending before a word of latinWords (iphone) — or -1. Only
// after a cue that introduces nothing but a name: after 我是 or 本人 Latin words are a
// description (我是vip), and a product's 名字 is often a brand.
func latinNameEnd(text string, i int) int {
	end := -1
	for w := 0; w < 3; w++ {
		j := i
		for j < len(text) && isLetter(text[j]) {
			j++
		}
		if n := j - i; n < 2 || n > 20 || j < len(text) && isASCIIWordByte(text[j]) || latinNotName(text[i:j]) {
			break
		}
		end = j
		if j+1 >= len(text) || text[j] != ' ' || !isLetter(text[j+1]) {
			break
		}
		i = j + 1
	}
	return end
}

// latinWords are the Latin words customers write after 姓名 or 收件人 that are no name: the
// goods, brands and models of the phones and accessories shops sell (姓名 iphone: a name to
// engrave on a case, or the model the order is for), and the English of chat. None of them is
// pinyin (a test checks it: nike is ni ke, size si ze), so that a name in pinyin (wang xiao
// ming) is always read as one.
var latinWords = []string{
	"apple", "iphone", "ipad", "ipod", "airpods", "macbook", "imac", "iwatch", "magsafe", "lightning",
	"pro", "promax", "oppo", "vivo", "redmi", "realme", "oneplus", "samsung", "galaxy", "pixel",
	"nokia", "sony", "switch", "adidas", "vans", "converse", "skechers", "uniqlo", "xs", "xl", "xxl",
	"usb", "typec", "wifi", "bluetooth", "app", "vip", "logo", "pdf", "chrome", "outlook",
	"visa", "mastercard", "paypal", "alipay", "wechat",
	"ok", "okay", "hello", "thanks", "thx", "sorry", "please",
}

// latinNotName reports whether w, a Latin word, is one of latinWords, in any case.
func latinNotName(w string) bool {
	for _, l := range latinWords {
		if strings.EqualFold(w, l) {
			return true
		}
	}
	return false
}

// notInName are characters that end a sentence or make the words after 我是 a place or a trade
// (我是苏州的, 我是郑州人, 我是程序员), all but unknown in given names.
const notInName = nameParticles + "的么人州市省县区镇乡村员"

// nameParticles end a sentence after a name: 我叫王小明啊, 收件人写成张伟了.
const nameParticles = "啊呀哦呢吧啦嘛哈了吗哟噢喔"

// nextNameChar returns the end of the Chinese character of a given name at i, or -1 when none
// is there.
func nextNameChar(text string, i int) int {
	r, n := utf8.DecodeRuneInString(text[i:])
	if !isHan(r) || strings.ContainsRune(notInName, simplified(r)) {
		return -1
	}
	return i + n
}

// nameEnds reports whether a name can end at i: the end of the text, anything but a Chinese
// character, a particle, or a word that follows names (nameFollowers).
func nameEnds(text string, i int) bool {
	r, _ := utf8.DecodeRuneInString(text[i:])
	if i == len(text) || !isHan(r) || strings.ContainsRune(nameParticles, r) {
		return true
	}
	for _, f := range nameFollowers {
		if prefixLen(text[i:], f) >= 0 {
			return true
		}
	}
	return false
}

// maskBlockNames masks the name in a shipping block — a street address, a name and a phone in
// any order (广东省深圳市南山区科技园南路15号 李华 18698765432), as customers paste them from an
// order — or beside a phone alone (张三 13812345678, 王小明，138-1234-5678: a recipient or a
// contact given with their number), where no cue introduces it: a run of Chinese characters
// that is all a name (a surname and one or two more), standing next to a masked phone with
// nothing but spaces or commas between (or a colon before the phone: 张三：138…). The run must be the whole run of Chinese characters
// there, so a sentence ending in a name (麻烦联系张三 <PHONE>) keeps it; words that begin with a
// surname and stand beside a number (周一 <PHONE> 打给我, 谢谢, 马上发): blockName leaves those.
func maskBlockNames(text string, set *MaskSet) string {
	phone := MaskPhone.Placeholder()
	var b strings.Builder
	last := 0
	for off := 0; ; {
		k := strings.Index(text[off:], phone)
		if k < 0 {
			break
		}
		at, end := off+k, off+k+len(phone)
		if s, e := hanRunBefore(text, skipSeparatorsBack(text, at)); s >= last && blockName(text[s:e]) {
			b.WriteString(text[last:s])
			b.WriteString(MaskName.Placeholder())
			last = e
			*set |= 1 << MaskName
		}
		s, e := hanRunAfter(text, skipSeparators(text, end))
		if blockName(text[s:e]) {
			b.WriteString(text[last:s])
			b.WriteString(MaskName.Placeholder())
			last = e
			*set |= 1 << MaskName
			end = e
		}
		off = end
	}
	if last == 0 {
		return text
	}
	b.WriteString(text[last:])
	return b.String()
}

// blockName reports whether run, a run of Chinese characters beside a shipping block's phone,
// is all a name: a surname and one or two more characters, neither a word that begins with a
// surname (blockWords), nor a character said twice (谢谢), nor a word whose characters after
// the surname's name goods or make a phrase (notGivenName: 毛巾, 马丁靴, 钱没到).
func blockName(run string) bool {
	if run == "" || nameEnd(run, 0, false) != len(run) {
		return false
	}
	for _, w := range blockWords {
		if prefixLen(run, w) >= 0 {
			return false
		}
	}
	r, n := utf8.DecodeRuneInString(run)
	if n == len(run)/2 && run[n:] == string(r) {
		return false
	}
	for _, r := range run[n:] {
		if strings.ContainsRune(notGivenName, simplified(r)) {
			return false
		}
	}
	return true
}

// notGivenName are characters all but unknown in given names that follow a surname's
// character in what customers write beside a phone: the goods a shop sells and their colour or
// taste (毛巾, 马丁靴, 燕麦色, 焦味), and the words of a phrase or a feeling (付个款, 钱没到,
// 辛苦, 郁闷). Only beside a phone, where no cue says a name follows; after a cue a name stays a
// name.
const notGivenName = "衣裤裙袜鞋靴帽巾壳膜色味个没苦闷"

// blockWords begin with a common surname and are what customers write beside the address and
// phone they paste: when to deliver, thanks, urgency, payment, a choice (任选), a dialect's
// "none" (莫得: 没有).
var blockWords = []string{
	"周一", "周二", "周三", "周四", "周五", "周六", "周日", "周天", "周末", "周内",
	"马上", "谢谢", "付款", "付钱", "付了", "何时", "任何", "任选", "余额", "顾客", "莫得",
	"黄色", "毛衣", "钱包", "黄金", // what was ordered
}

// isBlockSeparator reports whether c may stand between the parts of a shipping block: a space,
// a comma (，is one after Normalize), a slash, a semicolon or a bar.
func isBlockSeparator(c byte) bool { return c == ' ' || c == ',' || c == '/' || c == ';' || c == '|' }

// enumComma is 、, which also separates a pasted block's parts (李华、186…、…).
const enumComma = "、"

func skipSeparators(text string, i int) int {
	for i < len(text) {
		switch {
		case isBlockSeparator(text[i]):
			i++
		case strings.HasPrefix(text[i:], enumComma):
			i += len(enumComma)
		default:
			return i
		}
	}
	return i
}

// skipSeparatorsBack is skipSeparators backwards from a phone, where a colon separates too: a
// contact is written 张三：138… (Normalize makes ： a colon), and the words that lead into a
// phone so (电话：, 手机号:) are no name. After a phone a colon leads into what follows it.
func skipSeparatorsBack(text string, i int) int {
	for i > 0 {
		switch {
		case isBlockSeparator(text[i-1]) || text[i-1] == ':':
			i--
		case strings.HasSuffix(text[:i], enumComma):
			i -= len(enumComma)
		default:
			return i
		}
	}
	return i
}

// hanRunBefore returns the run of Chinese characters that ends at i.
func hanRunBefore(text string, i int) (start, end int) {
	start = i
	for start > 0 {
		r, n := utf8.DecodeLastRuneInString(text[:start])
		if !isHan(r) {
			break
		}
		start -= n
	}
	return start, i
}

// hanRunAfter returns the run of Chinese characters that begins at i.
func hanRunAfter(text string, i int) (start, end int) {
	end = i
	for end < len(text) {
		r, n := utf8.DecodeRuneInString(text[end:])
		if !isHan(r) {
			break
		}
		end += n
	}
	return i, end
}
