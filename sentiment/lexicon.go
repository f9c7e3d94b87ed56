package sentiment

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/zhiyi-ai/zhiyi/internal/hashtab"
	"github.com/zhiyi-ai/zhiyi/nlp"
)

// LexiconFile is the lexicon's file name inside a shop's dictionary directory.
const LexiconFile = "sentiment.txt"

// entryKind is the section a lexicon term comes from.
type entryKind uint8

const (
	kindNegative entryKind = iota + 1
	kindProfanity
	kindPositive
	kindUrgent
	kindDegree
	kindNegation
	kindNeutral
	kindHypothetical
)

// sections maps a section header (without brackets) to its kind and the weight a term gets when
// its line gives none; a zero default means the section takes no weights.
var sections = map[string]struct {
	kind   entryKind
	weight float32
}{
	"negative":     {kindNegative, 1},
	"profanity":    {kindProfanity, 2},
	"positive":     {kindPositive, 1},
	"urgent":       {kindUrgent, 1},
	"degree":       {kindDegree, 1.5},
	"negation":     {kindNegation, 0},
	"neutral":      {kindNeutral, 0},
	"hypothetical": {kindHypothetical, 0},
}

// maxWeight bounds a weight so one typo (30 for 3.0) cannot swamp every other cue.
const maxWeight = 10

// entry is one term of the lexicon.
type entry struct {
	term   string // normalised
	kind   entryKind
	weight float32
	reason string // [urgent:REASON] only
	reas   uint8  // index of reason in Lexicon.reasons
	line   int
}

// Lexicon is a parsed sentiment lexicon (see the package documentation for the file format). It
// is immutable once parsed and safe for concurrent use.
type Lexicon struct {
	name    string
	sum     string // sha256 of the file's bytes, hex
	entries []entry
	reasons []string // distinct urgent reasons in order of first appearance; "" included if used

	// The terms live in a trie over runes; an edge (node, rune) → child is one slot of a hash
	// table, and term[node] is the entry ending at node or -1.
	edges *hashtab.Table[uint32]
	term  []int32
}

// LoadLexicon reads and parses a lexicon file. Errors name path:line.
func LoadLexicon(path string) (*Lexicon, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("sentiment: cannot open lexicon: %w", err)
	}
	defer f.Close()
	return ParseLexicon(f, path)
}

// ParseLexicon parses a lexicon from r; name (usually the file's path) prefixes error messages
// as name:line.
func ParseLexicon(r io.Reader, name string) (*Lexicon, error) {
	l := &Lexicon{name: name}
	h := sha256.New()
	sc := bufio.NewScanner(io.TeeReader(r, h))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	seen := map[string]int{} // term → index in entries
	var typedAs []string     // each entry's term as written, normalised but not folded
	kind, defWeight, reason, inSection := entryKind(0), float32(0), "", false
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if n == 1 {
			line = strings.TrimPrefix(line, "\ufeff") // a BOM, as the other dictionaries allow
		}
		if !utf8.ValidString(line) {
			return nil, fmt.Errorf("%s:%d: invalid UTF-8", name, n)
		}
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "[") && isHeader(line) {
			if !strings.HasSuffix(line, "]") {
				return nil, fmt.Errorf("%s:%d: section header %q lacks its closing ]", name, n, line)
			}
			head := strings.TrimSpace(line[1 : len(line)-1])
			reason = ""
			if i := strings.IndexByte(head, ':'); i >= 0 {
				head, reason = strings.TrimSpace(head[:i]), strings.TrimSpace(head[i+1:])
				if head != "urgent" || reason == "" || strings.ContainsAny(reason, " \t") {
					return nil, fmt.Errorf("%s:%d: section [%s]: only [urgent:REASON] takes a reason, one word", name, n, line[1:len(line)-1])
				}
			}
			s, ok := sections[head]
			if !ok {
				return nil, fmt.Errorf("%s:%d: unknown section [%s] (want negative, profanity, positive, urgent[:REASON], degree, negation, hypothetical or neutral; a WeChat face of letters such as [OK] is a term once it has a weight: [OK] 1)", name, n, head)
			}
			kind, defWeight, inSection = s.kind, s.weight, true
			continue
		}
		if !inSection {
			return nil, fmt.Errorf("%s:%d: term %q before any [section]", name, n, line)
		}
		e, err := parseEntry(line, kind, defWeight)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n, err)
		}
		e.reason, e.line = reason, n
		typed := nlp.Normalize(strings.Fields(line)[0])
		if i, dup := seen[e.term]; dup {
			// A spelling in the other script (氣死 beside 气死) folds onto the term. Files that
			// list both loaded before terms were folded, the traditional one never matching:
			// they still do, with the simplified spelling's entry. The same spelling twice is
			// a mistake.
			if prev := &l.entries[i]; typedAs[i] != typed {
				if typed == e.term {
					*prev, typedAs[i] = e, typed
				}
				continue
			}
			return nil, fmt.Errorf("%s:%d: term %q is already at line %d", name, n, e.term, l.entries[i].line)
		}
		seen[e.term] = len(l.entries)
		typedAs = append(typedAs, typed)
		l.entries = append(l.entries, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", name, n+1, err)
	}
	l.sum = hex.EncodeToString(h.Sum(nil))
	l.build()
	return l, nil
}

// isHeader tells a section header ([negative], [urgent:time], or a mistyped one, which is then an
// error) from a term in brackets, a WeChat face as it reaches chat in text: [发怒] 2, [OK] 0.5. A
// header is a line of brackets around ASCII letters, optionally with :REASON; a line with no ] at
// all is a header lacking its bracket.
func isHeader(line string) bool {
	i := strings.IndexByte(line, ']')
	if i < 0 {
		return true
	}
	if i != len(line)-1 {
		return false // [OK] 0.5: a term with a weight
	}
	head, _, _ := strings.Cut(line[1:i], ":")
	for _, r := range strings.TrimSpace(head) {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// parseEntry parses "term [weight]" in a section of the given kind.
func parseEntry(line string, kind entryKind, defWeight float32) (entry, error) {
	f := strings.Fields(line)
	if len(f) > 2 {
		return entry{}, fmt.Errorf("want \"term [weight]\", got %d fields", len(f))
	}
	// Folded as well as normalised: the messages the analyzer reads are folded to simplified
	// (nlp's Analysis.Text), so a term kept in traditional characters (氣死, 騙子) would never
	// match; nlp's own dictionaries fold their words the same way.
	term := nlp.Fold(nlp.Normalize(f[0]))
	if term == "" {
		return entry{}, fmt.Errorf("term %q is empty once normalised", f[0])
	}
	e := entry{term: term, kind: kind, weight: defWeight}
	if len(f) == 2 {
		if defWeight == 0 {
			return entry{}, fmt.Errorf("term %q: this section takes no weight", term)
		}
		v, err := strconv.ParseFloat(f[1], 32)
		if err != nil || !(v > 0 && v <= maxWeight) {
			return entry{}, fmt.Errorf("term %q: weight %q is not a number in (0, %d]", term, f[1], maxWeight)
		}
		e.weight = float32(v)
	}
	return e, nil
}

// build fills the trie and the list of urgent reasons.
func (l *Lexicon) build() {
	type edge struct {
		node uint32
		r    rune
	}
	child := map[edge]uint32{}
	l.term = []int32{-1}
	for i := range l.entries {
		e := &l.entries[i]
		if e.kind == kindUrgent {
			if !contains(l.reasons, e.reason) {
				l.reasons = append(l.reasons, e.reason)
			}
			e.reas = uint8(min(indexOf(l.reasons, e.reason), 255))
		}
		node := uint32(0)
		for _, r := range e.term {
			next, ok := child[edge{node, r}]
			if !ok {
				next = uint32(len(l.term))
				l.term = append(l.term, -1)
				child[edge{node, r}] = next
			}
			node = next
		}
		l.term[node] = int32(i)
	}
	l.edges = hashtab.New[uint32](len(child))
	for e, c := range child {
		l.edges.PutIfAbsent(edgeKey(e.node, e.r), c)
	}
}

func contains(list []string, s string) bool { return indexOf(list, s) >= 0 }

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

func edgeKey(node uint32, r rune) uint64 { return uint64(node)<<32 | uint64(uint32(r)) }

// longest returns the entry of the longest term that starts at byte i of s, the byte just past
// it and its length in runes; e < 0 when no term starts there.
func (l *Lexicon) longest(s string, i int) (e int32, end, runes int) {
	e = -1
	node, n := uint32(0), 0
	for j := i; j < len(s); {
		r, size := decodeRune(s, j)
		c, ok := l.edges.Get(edgeKey(node, r))
		if !ok {
			break
		}
		node, j, n = c, j+size, n+1
		if t := l.term[node]; t >= 0 {
			e, end, runes = t, j, n
		}
	}
	return e, end, runes
}

// Len returns the number of terms.
func (l *Lexicon) Len() int { return len(l.entries) }

// Terms returns the lexicon's terms, normalised as messages are, in file order.
func (l *Lexicon) Terms() []string {
	out := make([]string, len(l.entries))
	for i, e := range l.entries {
		out[i] = e.term
	}
	return out
}

// Name returns the name the lexicon was parsed under (its path for LoadLexicon).
func (l *Lexicon) Name() string { return l.name }

// Sum returns the SHA-256 of the lexicon file's bytes, in hex: the generated model records the
// sum of the lexicon it was trained with.
func (l *Lexicon) Sum() string { return l.sum }

// Reasons returns the urgent reasons the lexicon names ([urgent:time] → "time"), in file order.
func (l *Lexicon) Reasons() []string { return append([]string(nil), l.reasons...) }

// emptyLexicon matches nothing: New(nil, …) uses it.
var emptyLexicon = func() *Lexicon {
	l := &Lexicon{name: "(none)"}
	l.build()
	return l
}()
