package nlp

import (
	"strings"
	"sync"
)

// Pinyin: the toneless syllable of each Chinese character (its first reading when it has
// several; github.com/mozillazg/go-pinyin's table, generated into pinyin_table.go), so that a
// typo that sounds right (发飘 for 发票, 腿款 for 退款) shares features with the word it stands
// for, and so that shorthand made of initials (yhq for 优惠券) can be matched to words.

// pinyinTab is the lookup built once from pinyinSyllables.
type pinyinTab struct {
	syl []string // syllable by index; index 0 is "" (no reading)
	// of is the syllable index of every character U+3400–U+9FFF (0: none).
	of [pinyinLast - pinyinFirst + 1]uint16
	// bi is the FNV state after hashing a syllable and the separator as the first of a
	// FeatPinyinPair pair.
	bi []uint64
	// byName is the index of every syllable of two letters or more (the one-letter a, e, m, n
	// and o are left out: typed alone they are rarely pinyin).
	byName map[string]uint16
}

const (
	pinyinFirst = 0x3400
	pinyinLast  = 0x9FFF
)

// pinyinTable builds the table on first use (27,000 characters decoded, about 0.2 ms).
var pinyinTable = sync.OnceValue(func() *pinyinTab {
	t := &pinyinTab{syl: make([]string, 1, len(pinyinSyllables)+1)}
	for _, e := range pinyinSyllables {
		id := uint16(len(t.syl))
		t.syl = append(t.syl, e.syl)
		for _, r := range e.chars {
			t.of[r-pinyinFirst] = id
		}
	}
	t.bi = make([]uint64, len(t.syl))
	t.byName = make(map[string]uint16, len(t.syl))
	for i, s := range t.syl {
		h := fnvString(fnvOffset^uint64(FeatPinyinPair)*fnvPrime, s)
		t.bi[i] = (h ^ 0x1f) * fnvPrime
		if len(s) >= 2 {
			t.byName[s] = uint16(i)
		}
	}
	return t
})

// pinyinOthers are the other modern readings of the common polyphones (行: hang; not 见 xian), by
// syllable index, built on first use (typed pinyin indexes the shop's words by them).
var pinyinOthers = sync.OnceValue(func() map[rune][]uint16 {
	t := pinyinTable()
	id := make(map[string]uint16, len(t.syl))
	for i, s := range t.syl[1:] {
		id[s] = uint16(i + 1)
	}
	m := map[rune][]uint16{}
	for _, e := range pinyinOtherReadings {
		s, ok := id[e.syl]
		if !ok {
			continue // a syllable no character reads first (hm, ng): pinyin never spells it
		}
		for _, r := range e.chars {
			m[r] = append(m[r], s)
		}
	}
	return m
})

// IsPinyinSyllable reports whether s is a toneless pinyin syllable of two letters or more, in
// lower case (le, ma, dao, zhuang).
func IsPinyinSyllable(s string) bool {
	_, ok := pinyinTable().byName[s]
	return ok
}

// maxSyllable is the longest pinyin syllable in letters (zhuang).
const maxSyllable = 6

// maxLatinPinyin is the longest run of Latin letters read as pinyin (four syllables or so).
const maxLatinPinyin = 24

// split reads a run of lower-case Latin letters as pinyin typed in place of characters (xiexie,
// huo in 现huo, zai不zai): it appends the syllables' indexes to dst when the whole run is a
// sequence of syllables of two letters or more, the fewest syllables when there are several
// ways, and returns dst unchanged otherwise (qx, iphone, ok).
func (t *pinyinTab) split(run string, dst []uint16) []uint16 {
	n := len(run)
	if n < 2 || n > maxLatinPinyin {
		return dst
	}
	// best[i]: fewest syllables that make run[:i], 0 when none does; from[i]: where the last
	// of them starts.
	var best, from [maxLatinPinyin + 1]uint8
	best[0] = 1 // one more than the count, so that 0 means none
	for i := 2; i <= n; i++ {
		for l := 2; l <= min(maxSyllable, i); l++ {
			if best[i-l] == 0 {
				continue
			}
			if _, ok := t.byName[run[i-l:i]]; ok && (best[i] == 0 || best[i-l]+1 < best[i]) {
				best[i], from[i] = best[i-l]+1, uint8(i-l)
			}
		}
	}
	if best[n] == 0 {
		return dst
	}
	k := int(best[n]) - 1
	for range k {
		dst = append(dst, 0)
	}
	for i, j := n, len(dst)-1; i > 0; i, j = int(from[i]), j-1 {
		dst[j] = t.byName[run[from[i]:i]]
	}
	return dst
}

// index returns the syllable index of r, 0 when r has no reading.
func (t *pinyinTab) index(r rune) uint16 {
	if r < pinyinFirst || r > pinyinLast {
		return 0
	}
	return t.of[r-pinyinFirst]
}

// pairID is the FeatPinyinPair id of two syllables (indexes, both non-zero): the same as
// pinyinPairID(syllable a, syllable b).
func (t *pinyinTab) pairID(a, b uint16) uint32 {
	return fold(FeatPinyinPair, fnvString(t.bi[a], t.syl[b]))
}

// Pinyin appends the toneless pinyin syllables of the Chinese characters of s to dst (the first
// reading of a character that has several) and returns it; other characters are skipped.
//
//	Pinyin("退款", nil) → ["tui" "kuan"]
func Pinyin(s string, dst []string) []string {
	t := pinyinTable()
	for _, r := range s {
		if i := t.index(r); i != 0 {
			dst = append(dst, t.syl[i])
		}
	}
	return dst
}

// PinyinInitials returns the first letters of the pinyin of s's characters, in order, with ASCII
// letters and digits kept as they are (lower-cased): PinyinInitials("优惠券") is "yhq",
// PinyinInitials("t恤") is "tx". It returns "" when some other character (punctuation, a symbol, a
// character without a reading) is in s: such a word has no shorthand.
func PinyinInitials(s string) string {
	t := pinyinTable()
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r + 'a' - 'A')
		default:
			i := t.index(r)
			if i == 0 {
				return ""
			}
			b.WriteByte(t.syl[i][0])
		}
	}
	return b.String()
}

// pinyinPairID hashes two syllables as one FeatPinyinPair feature ("fa", "piao").
func pinyinPairID(a, b string) uint32 {
	h := fnvString(fnvOffset^uint64(FeatPinyinPair)*fnvPrime, a)
	h = (h ^ 0x1f) * fnvPrime
	return fold(FeatPinyinPair, fnvString(h, b))
}
