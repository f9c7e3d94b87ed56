package nlp

import "unicode/utf8"

// The address and name scanners read traditional script as simplified. The analyzer masks
// folded text, but the decision log (store.MaskText), training data, feedback comments and
// cluster sheets mask text that is only normalised (Mask(Normalize(s))): without this, 文三路100號
// and 收件人陳偉 were kept there as typed. Fold cannot be used, as the text outside a mask stays
// as it is; the scanners' own words are few, so their traditional forms are listed here.
var maskTrad = func() map[rune]rune {
	const pairs = "" +
		// markers, units, the words before an address and numerals
		"組组區区園园廈厦廣广場场樓楼衚胡衕同號号單单棟栋層层戶户縣县鎮镇鄉乡為为從从來来們们兩两線线" +
		// words before 道 that make no road (notRoadBefore)
		"難难頻频軌轨車车賽赛過过彎弯報报說说問问幾几這这馬马" +
		// words around a name: cues, links, followers
		"貨货聯联繫系係系簽签開开換换寫写機机電电話话碼码訂订郵邮編编" +
		// goods and phrases beside a phone that are no name (notGivenName)
		"褲裤襪袜殼壳個个沒没悶闷" +
		// surnames, one and two characters
		"劉刘陳陈楊杨黃黄趙赵吳吴孫孙馬马鄭郑謝谢韓韩馮冯鄧邓葉叶蘇苏呂吕盧卢鍾钟鐘钟譚谭陸陆" +
		"賈贾韋韦鄒邹閆闫閻闫龍龙賀贺顧顾龔龚錢钱嚴严湯汤齊齐喬乔龐庞聶聂紀纪畢毕駱骆鮑鲍饒饶" +
		"繆缪婁娄竇窦鄔邬欒栾許许羅罗蔣蒋張张蕭萧淩凌塗涂歐欧陽阳諸诸東东遲迟長长獨独宮宫門门" +
		"莊庄華华萬万魯鲁蘭兰項项藍蓝溫温賴赖麥麦鄺邝簡简"
	m := make(map[rune]rune, utf8.RuneCountInString(pairs)/2)
	var from rune
	for i, r := range []rune(pairs) {
		if i%2 == 0 {
			from = r
		} else {
			m[from] = r
		}
	}
	return m
}()

// simplified returns the simplified form of r among the scanners' words, or r.
func simplified(r rune) rune {
	if s, ok := maskTrad[r]; ok {
		return s
	}
	return r
}

// prefixLen returns the length in s of word at its start, each character of s read through
// simplified (文三路100號 has the unit 号), or -1 when s does not start with word.
func prefixLen(s, word string) int {
	n := 0
	for _, w := range word {
		r, size := utf8.DecodeRuneInString(s[n:])
		if size == 0 || simplified(r) != w {
			return -1
		}
		n += size
	}
	return n
}
