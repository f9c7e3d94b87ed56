package nlp

import (
	"slices"
	"strings"
)

// Repeats: customers say a thing again and again for emphasis (在吗在吗在吗, 你好 你好 你好,
// 急急急急急急). Counted as often as typed, a phrase said eight times outweighs the question beside
// it: 在吗×8 发票怎么开 was answered with a greeting. CollapseRepeats keeps one of a repeated
// phrase of two to four Chinese characters and two of a repeated character (急急, 哈哈, 谢谢
// stay words), so the repetition counts as said once. It runs after masking, so digits and
// Chinese numerals (a phone number read out as 一三八八八八八…) are already placeholders or, when
// left, never collapsed.

// maxRepeatUnit is the longest phrase, in characters, whose repetition is collapsed.
const maxRepeatUnit = 4

// mayRepeat indexes its ring of the latest characters with a mask: a power of two.
const _ uint = -(maxRepeatUnit & (maxRepeatUnit - 1))

// CollapseRepeats returns s with every run of a phrase of one to maxRepeatUnit Chinese characters
// said again right after itself (with only spaces or punctuation between) cut to one saying, two
// for a single character repeated three times or more. Text without such a run is returned as is,
// without allocating. Collapsing repeats until none is left, it gives its own result back
// unchanged: 退退退货退货 → 退退货退货 → 退退货, and the analysis of a stored text is its own.
func CollapseRepeats(s string) string {
	if !mayRepeat(s) {
		return s
	}
	var buf [256]rune
	rs := buf[:0]
	for _, r := range s {
		rs = append(rs, r)
	}
	collapsed := false
	for {
		out, ok := collapseOnce(rs)
		if !ok {
			break
		}
		rs, collapsed = out, true
	}
	if !collapsed {
		return s
	}
	return string(rs)
}

// collapseOnce cuts every run in rs, left to right, and reports whether there was one; rs is
// left alone (the result is new).
func collapseOnce(rs []rune) ([]rune, bool) {
	first := -1
	for i := range rs {
		if p, _, reps := repeatAt(rs, i); reps > keptSayings(p) {
			first = i
			break
		}
	}
	if first < 0 {
		return rs, false
	}
	out := slices.Clone(rs[:first])
	for i := first; i < len(rs); {
		if p, end, reps := repeatAt(rs, i); reps > keptSayings(p) {
			for range keptSayings(p) {
				out = append(out, rs[i:i+p]...)
			}
			i = end
			continue
		}
		out = append(out, rs[i])
		i++
	}
	return out, true
}

// keptSayings is how many sayings of a repeated phrase of p characters are kept.
func keptSayings(p int) int {
	if p == 1 {
		return 2
	}
	return 1
}

// repeatAt finds the shortest phrase of Chinese characters at rs[i] said again right after
// itself: its length p, how many times it is said in a row (reps ≥ 2; 0 when none is) and where
// the last saying ends. Single characters count from three sayings (two are a word: 谢谢, 看看).
func repeatAt(rs []rune, i int) (p, end, reps int) {
	for p = 1; p <= maxRepeatUnit && i+p <= len(rs); p++ {
		if !repeatable(rs[i+p-1]) {
			return 0, 0, 0
		}
		end, reps = i+p, 1
		for j := end; ; {
			k := j
			for k < len(rs) && isRepeatSep(rs[k]) {
				k++
			}
			if k+p > len(rs) || !sameRunes(rs[k:k+p], rs[i:i+p]) {
				break
			}
			j = k + p
			end, reps = j, reps+1
		}
		if reps >= 3 || p > 1 && reps == 2 {
			return p, end, reps
		}
	}
	return 0, 0, 0
}

// mayRepeat is CollapseRepeats' fast path, a necessary condition for a run to collapse: in the
// text without its spaces and punctuation, a character three times in a row, or p characters
// each equal to the one p before (2 ≤ p ≤ maxRepeatUnit).
func mayRepeat(s string) bool {
	var last [maxRepeatUnit]rune // the latest characters, last[n%maxRepeatUnit] the oldest
	for i := range last {
		last[i] = -1 // no character yet: equal to none
	}
	var streak [maxRepeatUnit + 1]int
	n := 0
	for _, r := range s {
		if isRepeatSep(r) {
			continue
		}
		// Whether r is repeatable matters only when it equals one of the latest characters,
		// which most characters do not: it is looked up then, once.
		rep, known := false, false
		for p := 1; p <= maxRepeatUnit; p++ {
			if last[(n-p)&(maxRepeatUnit-1)] == r {
				if !known {
					rep, known = repeatable(r), true
				}
				if rep {
					streak[p]++
					if streak[p] >= max(p, 2) {
						return true
					}
					continue
				}
			}
			streak[p] = 0
		}
		last[n&(maxRepeatUnit-1)] = r
		n++
	}
	return false
}

func sameRunes(a, b []rune) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// repeatable reports whether r may be part of a collapsed phrase: a Chinese character that is
// not a numeral.
func repeatable(r rune) bool {
	if r < 0x4E00 || r > 0x9FFF {
		return false
	}
	switch r {
	case '十', '百', '千', '万', '亿', '两':
		return false
	}
	return cnDigit(r) == 0
}

// isRepeatSep reports whether r may stand between two sayings of a phrase.
func isRepeatSep(r rune) bool {
	switch r {
	case ' ', ',', '.', '!', '?', '~', '，', '。', '！', '？', '～', '、', '…':
		return true
	}
	return false
}

// keepSaid drops, in place, the rewrites a collapsed repeat took away: kd kd kd spelt out is
// 快递 快递 快递 and collapses to one 快递, which is one rewrite, not three. A word's first
// rewrite stays; of the others, as many as the text says the word. Each word is counted in the
// text once: counted again for every rewrite, 2 KB of kd and 啊 (400 rewrites) took 0.6 ms.
func keepSaid(rewrites []Rewrite, text string) []Rewrite {
	type tally struct{ kept, said int } // said < 0: not counted yet
	words := make(map[string]tally, len(rewrites))
	out := rewrites[:0]
	for _, r := range rewrites {
		t, ok := words[r.To]
		if !ok {
			t.said = -1
		}
		if t.kept > 0 && t.said < 0 {
			t.said = strings.Count(text, r.To)
		}
		if t.kept == 0 || t.kept < t.said {
			out = append(out, r)
			t.kept++
		}
		words[r.To] = t
	}
	return out
}
