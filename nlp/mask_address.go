package nlp

import (
	"strings"
	"unicode/utf8"
)

// A street address is a road or a residential building followed by its house number: 文三路100号,
// 张江路100弄5号302, 某某花园3栋1502, 北园大街56号. The mask covers the road's or building's name
// (up to four characters before its marker) and the numbers after it; the province, city and
// district before it stay, because alone they name no one and a shipping question (寄到成都要几天,
// 新疆运费多少) needs them. A marker without a number after it (中山北路附近) is no address, and a
// number without a marker before it (11号能到吗, 5楼) is a date or a floor.

// addressMarkers end the name of a road or of a residential building, longest first where one is
// the start of another (大街 before 大). A lane (弄) is a unit after a number (100弄5号), not a
// marker: 弄一弄 is a verb.
var addressMarkers = []string{
	"大道", "大街", "胡同", "路", "街", "巷", "道",
	"小区", "花园", "大厦", "公寓", "家园", "广场", "新村", "社区", "宿舍", "大楼", "苑", "村", "邨",
}

// notRoadBefore holds the characters before 道 that make a word, not a road: Hong Kong's roads end
// in 道 (彌敦道, 軒尼詩道), but 知道3号 is "know the 3rd", 顺道3号来拿 and 改道3号送 a date,
// and 一道, 渠道, 味道, 泳道 no street.
const notRoadBefore = "知难味渠频轨跑通车赛管走过弯航食霸厚地公报说问人隧街顺改绕让借近抄泳坡索栈步一二三四五六七八九十两几每这那哪"

// addressDirections may follow a road's marker before its number, as Hong Kong's do
// (德輔道中 100號, 皇后大道東 1號).
const addressDirections = "中东西南北"

// addressUnits follow a number in an address (5栋, 1单元, 302室, a Hong Kong estate's 3期),
// longest first. # is typed for
// 号 (12#, 3#楼). A numbered 巷 is a lane, as 弄 is (二段45巷3弄12号).
var addressUnits = []string{"号楼", "号院", "单元", "#楼", "号", "#", "栋", "幢", "座", "室", "楼", "层", "弄", "巷", "户", "期"}

// villageUnit is a village's group (某某村5组12号), a unit after 村 only: after a building or a
// community, 3组 is three sets of something (花园3组盆栽, 社区3组团购).
const villageUnit = "组"

// addressNameStops end the name before a marker when read backwards: the administrative levels
// that stay, and the pronouns and verbs customers put before an address (改成, 寄到, 我小区).
const addressNameStops = "省市区县镇乡州旗在到是成为址往寄送从的了和或及去来住我你您他她咱们"

// maxAddressName is the most characters of a road's or building's name masked with it.
const maxAddressName = 4

// addressMarkerRunes holds the first rune of every marker, for mask's pre-scan.
const addressMarkerRunes = "大胡路街巷道小花公家广新社宿苑村邨"

// maskAddresses replaces the street addresses of text with <ADDR>.
func maskAddresses(text string, set *MaskSet) string {
	return replaceSpans(text, MaskAddress, set, &addressBits, func(i, last int) (int, int) {
		marker := -1
		for _, m := range addressMarkers {
			if marker = prefixLen(text[i:], m); marker >= 0 {
				break
			}
		}
		if marker < 0 {
			return 0, -1
		}
		if prefixLen(text[i:], "道") >= 0 {
			if r, _ := utf8.DecodeLastRuneInString(text[last:i]); !isHan(r) || strings.ContainsRune(notRoadBefore, simplified(r)) {
				return 0, -1
			}
		}
		if r, n := utf8.DecodeRuneInString(text[i+marker:]); strings.ContainsRune(addressDirections, simplified(r)) {
			if j := skipSpaces(text, i+marker+n); addressDigits(text, j) > j {
				marker += n
			}
		}
		end := addressNumbers(text, i+marker, prefixLen(text[i:], "村") >= 0 || prefixLen(text[i:], "邨") >= 0)
		if end < 0 {
			return 0, -1
		}
		return addressNameStart(text, last, i), end
	})
}

// addressNameStart returns where the name before the marker at i begins: up to maxAddressName
// Chinese characters back, stopping at addressNameStops, at anything not Chinese, and at floor.
func addressNameStart(text string, floor, i int) int {
	for k := 0; k < maxAddressName && i > floor; k++ {
		r, n := utf8.DecodeLastRuneInString(text[floor:i])
		if !isHan(r) || strings.ContainsRune(addressNameStops, simplified(r)) {
			break
		}
		i -= n
	}
	return i
}

// addressNumbers returns the end of the house numbers that start at i (after spaces): one
// number with its unit at least (100号, 5栋) or numbers joined by dashes (3-2-501), then more
// of them (5号302, 3栋1单元1502室, 5-302); a last number without a unit counts when nothing but
// punctuation, a space or the end follows it. -1 when no house number starts at i. village says
// the marker was 村, whose groups (5组) are units too.
func addressNumbers(text string, i int, village bool) int {
	i = skipSpaces(text, i)
	if j := addressDigits(text, i); j > i {
		if n := prefixLen(text[j:], "段"); n >= 0 {
			// a road's section (信义路五段7号, 中山北路一段45巷3弄12号), the way roads are
			// numbered in Taiwan: the house number follows it, and without one it is no address
			i = j + n
		}
	}
	end := addressUnitNumber(text, skipSpaces(text, i), village)
	if end < 0 {
		end = addressDashed(text, skipSpaces(text, i))
	}
	if end < 0 {
		return -1
	}
	for {
		j := skipSpaces(text, end)
		if j < len(text) && text[j] == '-' {
			j = skipSpaces(text, j+1)
		}
		if n := prefixLen(text[j:], "之"); n >= 0 { // Taiwan's 7樓之2, a flat of the floor
			if k := skipSpaces(text, j+n); addressDigits(text, k) > k {
				end = addressDigits(text, k)
				continue
			}
		}
		if e := addressUnitNumber(text, j, village); e >= 0 {
			end = e
			continue
		}
		if e := oneUnitNumber(text, j, village); e >= 0 {
			end = e // 三栋一单元: after a house number, 一 and 两 number its unit too
			continue
		}
		if e := addressDigits(text, j); e > j && (e == len(text) || addressBoundary(text[e])) {
			end = e
		}
		return end
	}
}

// addressUnitNumber returns the end of a number and its unit at i (88号, 五号楼, A座, B2栋, and
// in a village 5组), or -1.
func addressUnitNumber(text string, i int, village bool) int {
	j := addressDigits(text, i)
	if j == i && i < len(text) && (text[i]|0x20) >= 'a' && (text[i]|0x20) <= 'z' {
		j = addressDigits(text, i+1) // a building's or flat's letter, with or without a number: A座, B2栋, 12樓B室
		if j == i+1 && !(j < len(text) && (strings.HasPrefix(text[j:], "座") || strings.HasPrefix(text[j:], "室"))) {
			return -1
		}
	}
	if j == i || text[i:j] == "一" || prefixLen(text[i:j], "两") == j-i {
		return -1 // 一 and 两 alone count things (街一条, 小区两栋), they number no house
	}
	if k := skipSpaces(text, j); k > j && addressUnitAt(text, k, village) > 0 {
		j = k // 文三路 100 号: a space typed between the number and its unit
	}
	if n := addressUnitAt(text, j, village); n > 0 && !metroLine(text, i, j) {
		return j + n
	}
	return -1
}

// oneUnitNumber returns the end of 一 or 两 and a unit at i (一单元, 两号楼), which number a part
// of a house once a house number came before them, or -1.
func oneUnitNumber(text string, i int, village bool) int {
	for _, one := range []string{"一", "两"} {
		if n := prefixLen(text[i:], one); n >= 0 {
			if u := addressUnitAt(text, i+n, village); u > 0 {
				return i + n + u
			}
		}
	}
	return -1
}

// metroLine reports whether the number at i and the 号线 at j, after it and any spaces, name a
// metro line (人民路2号线, 世纪大道 2 号线: the station a customer lives near), no house: a line
// numbers at most two digits, and 线上 and 线下 are online and offline (人民路12号线下店 is a
// shop's address).
func metroLine(text string, i, j int) bool {
	num := strings.TrimRight(text[i:j], " ")
	if addressDigits(text, i) != i+len(num) || utf8.RuneCountInString(num) > 2 {
		return false
	}
	n := prefixLen(text[j:], "号线")
	return n >= 0 && prefixLen(text[j+n:], "上") < 0 && prefixLen(text[j+n:], "下") < 0
}

// addressUnitAt returns the length of the unit (addressUnits; in a village, 组) at text[j], or 0.
func addressUnitAt(text string, j int, village bool) int {
	for _, u := range addressUnits {
		if n := prefixLen(text[j:], u); n >= 0 {
			return n
		}
	}
	if n := prefixLen(text[j:], villageUnit); village && n >= 0 {
		return n
	}
	return 0
}

// addressDashed returns the end of a building, unit and room joined by dashes at i (3-2-501,
// 12-301室), or -1. The last number must end the address — a unit, punctuation, a space or the
// end follows it — so that a range (小区3-5天) is no address.
func addressDashed(text string, i int) int {
	j, groups := i, 0
	for {
		e := j
		for e < len(text) && text[e] >= '0' && text[e] <= '9' {
			e++
		}
		if e == j {
			return -1
		}
		groups++
		if e < len(text) && text[e] == '-' && e+1 < len(text) && text[e+1] >= '0' && text[e+1] <= '9' {
			j = e + 1
			continue
		}
		if groups < 2 {
			return -1
		}
		for _, u := range addressUnits {
			if n := prefixLen(text[e:], u); n >= 0 {
				return e + n
			}
		}
		if e == len(text) || addressBoundary(text[e]) {
			return e
		}
		return -1
	}
}

// addressDigits returns the end of the ASCII digits or Chinese numerals at i (i when none):
// numerals as written (一千八百八十八) or read out a digit at a time (幺八八八).
func addressDigits(text string, i int) int {
	for i < len(text) {
		if c := text[i]; c >= '0' && c <= '9' {
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(text[i:])
		if !strings.ContainsRune("零〇一幺二三四五六七八九十百千两", simplified(r)) { // 幺: a number read out (文三路幺零零号)
			break
		}
		i += n
	}
	return i
}

func skipSpaces(text string, i int) int {
	for i < len(text) && text[i] == ' ' {
		i++
	}
	return i
}

// addressBoundary reports whether c, the byte after a number, ends the address: ASCII
// punctuation or a space (Normalize made the full-width forms ASCII), or a placeholder.
func addressBoundary(c byte) bool {
	return c < 0x80 && !(c >= '0' && c <= '9' || (c|0x20) >= 'a' && (c|0x20) <= 'z')
}
