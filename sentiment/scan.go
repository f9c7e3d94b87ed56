package sentiment

import (
	"unicode"
	"unicode/utf8"
)

// Scopes, in runes between the end of a degree word or negation and the start of the cue it
// modifies: 太让人失望 (degree, two runes between), 不是要投诉 (negation, one between), 不是很满意
// (negation, then a degree word). Spaces and punctuation end both scopes: 不急，马上要 is not
// "not urgent"; so does, for a negation, any rune but the few that glue it to its cue
// (negationGlue): in 还没发货急死了 and 不退款就报警 the negation is the verb's, not the cue's.
const (
	degreeScope   = 2
	negationScope = 3
)

// lexScores is what the lexicon found in one message.
type lexScores struct {
	neg     float32    // negative and profanity cues, and negated positives, weighted by degree
	prof    float32    // profanity cues alone
	pos     float32    // positive cues not negated
	urg     float32    // urgent cues
	byReas  [8]float32 // urgent cues by the lexicon's reason index (the first 8 reasons)
	negated int        // cues cancelled or flipped by a negation
	hits    int        // cues counted
}

// scan finds the lexicon's cues in s (normalised text), applying degree words and negation, and
// appends them to cues when cues is not nil.
func (l *Lexicon) scan(s string, sc *lexScores, cues *[]Cue) {
	var (
		degree      float32 = 1
		degreeUntil         = -1 // last rune index a cue may start at and take the degree
		degreeStart         = 0  // byte offset of the degree word, for the cue's text
		negUntil            = -1
		negStart            = 0
		negFlips            = false // the negation in scope turns a positive negative (不满意)
		prev        rune    = -1    // the rune before position i
		ri                  = 0     // rune index of byte i
	)
	for i := 0; i < len(s); {
		e, end, n := l.longest(s, i)
		if e < 0 {
			r, size := decodeRune(s, i)
			switch {
			case isBreak(r):
				degreeUntil, negUntil = -1, -1
			case negUntil >= 0 && negFlips && !negationGlue(r):
				// 还没发货急死了, 不退款就报警: a verb between the negation and the cue is what
				// the negation negates; only degree words and the glue of 不是要, 不会再, 不容易
				// stand between a negation and the cue it cancels. A [hypothetical] word's scope
				// takes any (怎么防止账号被盗).
				negUntil = -1
			}
			prev = r
			i += size
			ri++
			continue
		}
		ent := &l.entries[e]
		switch ent.kind {
		case kindNeutral:
		case kindDegree:
			if ri > degreeUntil {
				degree, degreeStart = ent.weight, i
			} else { // 非常非常: degrees multiply
				degree *= ent.weight
			}
			degreeUntil = ri + n + degreeScope
		case kindNegation:
			// X不X and X没X ask a question (是不是 with 不是 a negation, 有没有 with 没有, and
			// 会不会 in a lexicon without it under [hypothetical]): the rune after the negation's
			// first rune repeats the one before it.
			if _, size := decodeRune(s, i); i+size < len(s) {
				if next, _ := decodeRune(s, i+size); next == prev {
					break
				}
			}
			negUntil, negStart, negFlips = ri+n+negationScope, i, true
		case kindHypothetical:
			// 会不会冒烟, 怎么防止被盗, 万一过敏: the customer asks whether it could happen, so
			// the cue is cancelled as a negation cancels it; 会不会舒服 is no complaint either.
			negUntil, negStart, negFlips = ri+n+negationScope, i, false
		default:
			start, w := i, ent.weight
			if ri <= degreeUntil {
				start, w = degreeStart, w*degree
			}
			negated := ri <= negUntil
			if negated && negStart < start {
				start = negStart
			}
			c := Cue{Text: s[start:end], Reason: ent.reason, Negated: negated}
			switch {
			case negated && negFlips && ent.kind == kindPositive:
				// 不满意, 不是很满意: a negated positive is a negative cue of the positive's weight;
				// a degree word inside the negation softens rather than strengthens, so it is
				// not applied.
				c.Kind, c.Weight = CueNegative, ent.weight
				sc.neg += ent.weight
				sc.negated++
				sc.hits++
			case negated:
				// 不生气, 不急, 会不会冒烟: cancelled, but kept as a cue so an agent sees why.
				c.Kind = cueKinds[ent.kind]
				sc.negated++
			default:
				c.Kind, c.Weight = cueKinds[ent.kind], w
				sc.hits++
				switch ent.kind {
				case kindNegative:
					sc.neg += w
				case kindProfanity:
					sc.neg += w
					sc.prof += w
				case kindPositive:
					sc.pos += w
				case kindUrgent:
					sc.urg += w
					if int(ent.reas) < len(sc.byReas) {
						sc.byReas[ent.reas] += w
					}
				}
			}
			if cues != nil {
				*cues = append(*cues, c)
			}
			degreeUntil, negUntil = -1, -1
		}
		prev, _ = utf8.DecodeLastRuneInString(s[i:end])
		i, ri = end, ri+n
	}
}

var cueKinds = [...]CueKind{
	kindNegative:  CueNegative,
	kindProfanity: CueProfanity,
	kindPositive:  CuePositive,
	kindUrgent:    CueUrgent,
}

// negationGlue reports whether r may stand between a negation and the cue it cancels (不是要投诉,
// 不会再生气, 不容易过敏, 不是那么急); any other rune not in a lexicon term ends the negation's
// scope. Degree words (不是很满意) are terms and do not end it.
func negationGlue(r rune) bool {
	switch r {
	case '是', '要', '会', '再', '用', '太', '很', '那', '这', '么', '怎', '容', '易', '算', '觉', '得', '大', '够':
		return true
	}
	return false
}

// isBreak reports whether r ends a degree or negation scope: spaces and punctuation.
func isBreak(r rune) bool {
	if r < utf8.RuneSelf {
		return r == ' ' || (r >= '!' && r <= '/') || (r >= ':' && r <= '@') || (r >= '[' && r <= '`') || (r >= '{' && r <= '~')
	}
	if r >= 0x4E00 && r <= 0x9FFF {
		return false
	}
	return unicode.IsPunct(r) || unicode.IsSpace(r)
}

// decodeRune is utf8.DecodeRuneInString(s[i:]) with ASCII and most three-byte characters (all
// of CJK) decoded inline: the standard function sends every multi-byte rune to a slower path,
// which was a third of the lexicon scan.
func decodeRune(s string, i int) (rune, int) {
	c0 := s[i]
	if c0 < utf8.RuneSelf {
		return rune(c0), 1
	}
	// Lead bytes E1–EC and EE–EF take any two continuation bytes without being overlong or a
	// surrogate (E0 and ED restrict the second byte); leave those and the rest to the library.
	if i+2 < len(s) && c0 >= 0xE1 && c0 <= 0xEF && c0 != 0xED {
		c1, c2 := s[i+1], s[i+2]
		if c1&0xC0 == 0x80 && c2&0xC0 == 0x80 {
			return rune(c0&0x0F)<<12 | rune(c1&0x3F)<<6 | rune(c2&0x3F), 3
		}
	}
	return utf8.DecodeRuneInString(s[i:])
}
