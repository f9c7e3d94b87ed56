package nlp

// FeatureKind is the hash space a feature id belongs to: the top four bits of the id.
type FeatureKind uint32

// The kinds of feature, each hashed into its own space.
const (
	FeatWord       FeatureKind = 1 + iota // a content word after rewrites and stop words
	FeatBigram                            // two consecutive content words
	FeatChar1                             // one character of the masked text
	FeatChar2                             // two characters
	FeatChar3                             // three characters
	FeatSubword                           // a BPE unit
	FeatRewrite                           // the canonical term of a rewrite that fired
	FeatPinyinPair                        // the toneless pinyin of two consecutive characters (fa piao)
)

// Kinds after FeatRewrite were added later: the ids of the earlier kinds never move (bundles
// store them). A feature in a not-meant or courtesy scope (scope.go) keeps its kind and is
// hashed to a marked variant.

const (
	featKindShift = 28
	featHashMask  = 1<<featKindShift - 1
)

// Kind returns the kind of a feature id.
func Kind(id uint32) FeatureKind { return FeatureKind(id >> featKindShift) }

// FeatureID hashes s into the space of kind k. The same string always gives the same id, across
// processes and machines (FNV-1a, no random seed).
func FeatureID(k FeatureKind, s string) uint32 {
	return fold(k, fnvString(fnvOffset^uint64(k)*fnvPrime, s))
}

// bigramID hashes two words as one feature without building the joined string.
func bigramID(a, b string) uint32 {
	h := fnvString(fnvOffset^uint64(FeatBigram)*fnvPrime, a)
	h ^= 0x1f // unit separator: "ab"+"c" and "a"+"bc" differ
	h *= fnvPrime
	return fold(FeatBigram, fnvString(h, b))
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnvString(h uint64, s string) uint64 {
	// three bytes a round: a Chinese character, the usual unit of a feature
	for ; len(s) >= 3; s = s[3:] {
		h = (h ^ uint64(s[0])) * fnvPrime
		h = (h ^ uint64(s[1])) * fnvPrime
		h = (h ^ uint64(s[2])) * fnvPrime
	}
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * fnvPrime
	}
	return h
}

func fold(k FeatureKind, h uint64) uint32 {
	return uint32(k)<<featKindShift | uint32(h^h>>32)&featHashMask
}

// edgeID hashes a character at the start ('^') or end ('$') of a message.
func edgeID(k FeatureKind, edge byte, s string) uint32 {
	h := fnvOffset ^ uint64(k)*fnvPrime
	h ^= uint64(edge)
	h *= fnvPrime
	return fold(k, fnvString(h, s))
}
