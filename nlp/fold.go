package nlp

//go:generate go run ./internal/gen -pkg .

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/longbridgeapp/opencc"
)

// Fold folds traditional Chinese into simplified, Taiwan and Hong Kong vocabulary included
// (軟體 → 软件, 登入 → 登录, 帳戶 → 帐户), with OpenCC's tw2sp conversion
// (github.com/longbridgeapp/opencc): Taiwan phrases first, then characters. It returns s itself
// when s holds no traditional character, which is nearly every message and costs one table test
// per character; the converter (about 10 µs and 90 allocations a message) runs only on the pieces
// of text that hold one, and is built on first use. Two simplified characters that tw2sp's
// Taiwan variant table would rewrite (么 of 什么, 抬 of 抬头) pass through as they are, so a
// message that mixes the scripts keeps them.
//
// s should be normalised (Normalize); the result is. Messages and dictionary words alike are
// read through normalFold.
func Fold(s string) string {
	if !hasTraditional(s) {
		return s
	}
	return foldPieces(s)
}

// hasTraditional reports whether s holds a character of traditionalChars.
func hasTraditional(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			continue
		}
		r, size := decodeRune(s, i)
		i += size
		if isTraditional(r) {
			return true
		}
	}
	return false
}

func isTraditional(r rune) bool {
	if r < 0x10000 {
		return tradBMP[r>>6]&(1<<(r&63)) != 0
	}
	_, ok := tradSupp[r]
	return ok
}

// tradBMP marks the characters of traditionalChars below U+10000; tradSupp holds the others
// (extension B and later, a few hundred, rare in messages). Built at start-up from the generated
// string: 4,105 characters decoded, about 20 µs (BenchmarkFoldTables).
var tradBMP, tradSupp = foldTables()

func foldTables() (*[0x10000 / 64]uint64, map[rune]struct{}) {
	bmp := new([0x10000 / 64]uint64)
	supp := map[rune]struct{}{}
	for _, r := range traditionalChars {
		if r < 0x10000 {
			bmp[r>>6] |= 1 << (r & 63)
		} else {
			supp[r] = struct{}{}
		}
	}
	// 擡, which the converter leaves (foldPieces folds it after): traditional all the same
	bmp['擡'>>6] |= 1 << ('擡' & 63)
	return bmp, supp
}

// converter is the process's tw2sp converter, built on first use (its dictionaries take a few
// milliseconds to build).
var converter = sync.OnceValues(func() (*opencc.OpenCC, error) { return opencc.New("tw2sp") })

// foldPieces converts the pieces of s that hold a traditional character: a piece is a maximal run
// of letters (Chinese characters included) other than foldKeep's, so ASCII, digits, placeholders,
// punctuation and emoji never reach the converter and nothing is converted across them.
func foldPieces(s string) string {
	cc, err := converter()
	if err != nil {
		return s // never: the dictionaries are embedded in the library
	}
	var b strings.Builder
	b.Grow(len(s))
	start, trad := -1, false // the current piece, and whether it holds a traditional character
	flush := func(end int) {
		if start < 0 {
			return
		}
		piece := s[start:end]
		// A few of the converter's outputs are traditional themselves (薴 → 苧 → 苎): convert
		// again, so that folding folded text changes nothing.
		// tw2sp's Taiwan variant table turns 抬 into 擡 (foldKeep), so 擡 itself comes out of
		// the converter as it went in: it is folded here as OpenCC's t2s does, before the test
		// for another round (which would turn the 么 of 怎么 into 幺).
		for n := 0; trad && n < 3; n++ {
			out, err := cc.Convert(piece)
			if err != nil {
				break
			}
			out = strings.ReplaceAll(out, "擡", "抬")
			if out == piece {
				break
			}
			piece, trad = out, hasTraditional(out)
		}
		b.WriteString(piece)
		start, trad = -1, false
	}
	for i := 0; i < len(s); {
		r, size := decodeRune(s, i)
		if r >= 0x80 && unicode.IsLetter(r) && !strings.ContainsRune(foldKeep, r) {
			if start < 0 {
				start = i
			}
			trad = trad || isTraditional(r)
		} else {
			flush(i)
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	flush(len(s))
	out := b.String()
	if !isNormal(out) { // never seen; guards the promise that the result is normalised
		out = Normalize(out)
	}
	return out
}

// normalFold is the form a message is matched in, before masking (Fold of Normalize), and the
// form every word of the dictionaries is read in, so that a variant listed in traditional
// characters (帳戶) meets the message that typed it (folded to 帐户).
func normalFold(s string) string { return Fold(Normalize(s)) }
