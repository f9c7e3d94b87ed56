package train

import (
	"strings"
	"unicode"

	"github.com/zhiyi-ai/zhiyi/index"
	"github.com/zhiyi-ai/zhiyi/nlp"
)

// The built-in out-of-scope examples are questions an online shop does not answer, but one
// shop's out of scope is another's business: 宽带怎么办理 and 路由器怎么重启 are a broadband
// provider's own questions, and as out-of-scope examples they sent that provider's customers to
// a person at 0.99 confidence (a new shop's walkthrough, twenty-fifth session). So a built-in
// example that uses a word the knowledge base is about is left out: a term (two to four Chinese
// characters, none of them a function character such as 怎 or 吗, or a Latin word of three
// letters or more) that at least two, and at least a third, of one intent's examples use, that
// at most one built-in example uses (a word all sorts of questions use says nothing of a
// shop), and that no longer such term always holds there (开发 inside 开发票).

// seedTermMinShare is the share of an intent's examples a term must be in.
const seedTermMinShare = 0.3

// functionRunes are characters that carry no topic: a term with one of them is no shop's word.
const functionRunes = "怎么什么多少要吗呢吧啊的了是我你他她它们这那哪几个有没能可以会想请问一下在还不就都也和与或很太好嘛呀哦嗯到给把被让用去来说看做过"

// shopTerms returns the knowledge base's terms (see above) among texts seen by the built-in
// examples (seeds, normalised): term → the intent whose examples use it.
func shopTerms(kb *index.KB, seeds []string) map[string]string {
	inSeeds := map[string]int{}
	for _, s := range seeds {
		for t := range textTerms(s) {
			inSeeds[t]++
		}
	}
	terms := map[string]string{}
	for _, it := range kb.Intents {
		count := map[string]int{}
		for _, ex := range it.Examples {
			for t := range textTerms(nlp.Normalize(ex)) {
				count[t]++
			}
		}
		min := max(2, int(seedTermMinShare*float64(len(it.Examples))+0.999))
		for t, n := range count {
			if n < min || inSeeds[t] > 1 || extendedAlways(t, n, count) {
				continue
			}
			if _, ok := terms[t]; !ok {
				terms[t] = it.ID
			}
		}
	}
	return terms
}

// extendedAlways reports whether a longer term holds t in every one of the n examples t is in.
func extendedAlways(t string, n int, count map[string]int) bool {
	for u, m := range count {
		if m == n && len(u) > len(t) && strings.Contains(u, t) {
			return true
		}
	}
	return false
}

// textTerms returns the candidate terms of a normalised text: its Chinese runs' n-grams of two to
// four characters without a function character, and its Latin words of three letters or more,
// lower-cased.
func textTerms(text string) map[string]struct{} {
	out := map[string]struct{}{}
	rs := []rune(strings.ToLower(text))
	for i := 0; i < len(rs); {
		switch {
		case unicode.Is(unicode.Han, rs[i]):
			for n := 2; n <= 4 && i+n <= len(rs); n++ {
				g := rs[i : i+n]
				if !allHan(g) || strings.ContainsAny(string(g), functionRunes) {
					break
				}
				out[string(g)] = struct{}{}
			}
			i++
		case rs[i] >= 'a' && rs[i] <= 'z':
			j := i
			for j < len(rs) && rs[j] >= 'a' && rs[j] <= 'z' {
				j++
			}
			if j-i >= 3 {
				out[string(rs[i:j])] = struct{}{}
			}
			i = j
		default:
			i++
		}
	}
	return out
}

func allHan(rs []rune) bool {
	for _, r := range rs {
		if !unicode.Is(unicode.Han, r) {
			return false
		}
	}
	return true
}

// seedTerm returns a term of terms that seed (normalised) uses, or "".
func seedTerm(seed string, terms map[string]string) string {
	best := ""
	for t := range textTerms(seed) {
		if _, ok := terms[t]; ok && (len(t) > len(best) || len(t) == len(best) && t < best) {
			best = t
		}
	}
	return best
}
