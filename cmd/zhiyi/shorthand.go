package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/zhiyi-ai/zhiyi/index"
	"github.com/zhiyi-ai/zhiyi/nlp"
	"github.com/zhiyi-ai/zhiyi/train"
)

// runShorthand mines shorthand candidates from exports for the operator to review: Latin-letter
// tokens of 2–5 letters that customers type often and that no dictionary knows yet (kd, yhq), each
// with the words of the knowledge base and the dictionaries whose pinyin initials, or whole pinyin,
// match. It prints them; it never writes the dictionary.
func runShorthand(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("zhiyi shorthand", flag.ContinueOnError)
	setUsage(fs, stderr, "Usage: zhiyi shorthand --data FILE_OR_DIR... --dict DIR [--kb kb.yaml] [--min 3]\n\n"+
		"Lists the Latin-letter shorthand (kd, yhq, tk) customers type that the dictionaries do not know,\n"+
		"with example messages and suggested expansions. It writes nothing: copy the lines you agree with\n"+
		"into DIR/shorthand.txt (快递: kd, kuaidi) and train again.")
	var data multiFlag
	fs.Var(&data, "data", "exported chats: a file or directory (repeatable; also takes the paths after it)")
	dictDir := fs.String("dict", "", "the shop's dictionary directory (its words are known; shorthand.txt is where accepted lines go)")
	kbPath := fs.String("kb", "", "knowledge base (kb.yaml): its examples' words are suggested expansions")
	minCount := fs.Int("min", 3, "list tokens found in at least this many messages")
	csvMap := fs.String("csv", "", "CSV column mapping (see zhiyi train -h)")
	args, extra := splitDataArgs(args)
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	data = append(data, extra...)
	if len(data) == 0 || *dictDir == "" {
		fmt.Fprintln(stderr, "zhiyi shorthand: --data and --dict are required")
		fs.Usage()
		return errUsage
	}
	an, err := nlp.New(nlp.Config{DictDir: *dictDir})
	if err != nil {
		return err
	}
	var kb *index.KB
	if *kbPath != "" {
		if kb, err = index.LoadKB(*kbPath); err != nil {
			return err
		}
	}
	cols, err := train.ParseCSVColumns(*csvMap)
	if err != nil {
		return err
	}
	m := newShorthandMiner(an, kb)
	im := train.NewImporter()
	im.CSV = cols
	if err := im.Import(ctx, data, func(msg train.Message) error { m.add(msg.Text); return nil }); err != nil {
		return err
	}
	printImport(stderr, im.Stats())
	if st := im.Stats(); st.Kept == 0 {
		return train.NoMessagesError(data, st)
	}
	m.print(stdout, *dictDir, max(*minCount, 1))
	return nil
}

// shorthandMiner counts Latin-letter tokens and the vocabulary's words over the messages.
type shorthandMiner struct {
	an       *nlp.Analyzer
	known    map[string]bool // every word and variant of the dictionaries, lower case
	vocab    map[string]int  // candidate expansions → how often the knowledge base uses them
	used     map[string]int  // words → messages whose terms hold them
	tokens   map[string]*shorthandToken
	messages int
	latin    int // messages written in a Latin script, not read for shorthand
}

type shorthandToken struct {
	token    string
	count    int
	examples []string // masked
}

func newShorthandMiner(an *nlp.Analyzer, kb *index.KB) *shorthandMiner {
	m := &shorthandMiner{an: an, known: map[string]bool{}, vocab: map[string]int{}, used: map[string]int{},
		tokens: map[string]*shorthandToken{}}
	d := an.Dictionaries()
	for _, w := range d.UserWords {
		m.known[w.Word] = true
		m.vocab[w.Word] += 0
	}
	for _, w := range d.Stopwords {
		m.known[w] = true // hh, okk: the shop has said what they are
	}
	for _, r := range d.Rules {
		m.known[r.Canonical] = true
		m.vocab[r.Canonical] += 0
		for _, v := range r.Variants {
			m.known[v] = true
		}
	}
	if kb != nil {
		for _, it := range kb.Intents {
			for _, ex := range it.Examples {
				for _, t := range an.Analyze(ex).Terms {
					if isLatin(t) {
						m.known[t] = true // xl, app: the shop's own words
					} else {
						m.vocab[t]++
					}
				}
			}
		}
	}
	return m
}

// add counts one customer message.
func (m *shorthandMiner) add(text string) {
	m.messages++
	a := m.an.Analyze(text)
	seen := map[string]bool{}
	for _, t := range a.Terms {
		if !seen[t] {
			seen[t] = true
			m.used[t]++
		}
	}
	// The tokens are read from the folded, masked text: placeholders are upper case, so a
	// masked value is never a candidate.
	s := a.Text
	// typed pinyin the analyser restores to a word of the dictionaries (fahuo → 发货, 现huo →
	// 现货) is understood already
	for _, r := range a.Rewrites {
		if r.Kind == nlp.KindPinyin {
			for _, p := range strings.FieldsFunc(strings.ToLower(r.From), func(c rune) bool { return c < 'a' || c > 'z' }) {
				seen["\x00"+p] = true
			}
		}
	}
	if writtenInLatin(s) {
		m.latin++ // its words (you, my, it) are English, not shorthand
		return
	}
	for i := 0; i < len(s); {
		if s[i] < 'a' || s[i] > 'z' {
			i++
			continue
		}
		j := i
		for j < len(s) && s[j] >= 'a' && s[j] <= 'z' {
			j++
		}
		tok := s[i:j]
		// 2–5 letters, not inside a longer ASCII word or after a number (170cm, 2xl)
		// nor glued to a masked number (jt<ORDER>: the letters of a tracking number), nor part of
		// a model number, id or address (type-c, wxid_ab12, www.x.com), nor a unit, size,
		// English word or brand (notShorthand)
		if n := j - i; n >= 2 && n <= 5 && (i == 0 || !isASCIIAlnum(s[i-1])) && (j == len(s) || !isASCIIAlnum(s[j])) &&
			(j == len(s) || s[j] != '<') && !joined(s, i, j) && !notShorthand[tok] &&
			!m.known[tok] && !seen["\x00"+tok] {
			seen["\x00"+tok] = true
			c := m.tokens[tok]
			if c == nil {
				c = &shorthandToken{token: tok}
				m.tokens[tok] = c
			}
			c.count++
			if len(c.examples) < 2 {
				c.examples = append(c.examples, shorthandExample(s, i, j))
			}
		}
		i = j
	}
}

// writtenInLatin reports whether a message is mostly an English (or other Latin-script)
// sentence: three words or more that look English — two letters or more, a vowel, not a pinyin
// syllable (so kd dao le mei and zfb tk le ma stay shorthand) — and more letters than twice its
// Han characters.
func writtenInLatin(s string) bool {
	words, letters, han := 0, 0, 0
	for i := 0; i < len(s); {
		c := s[i]
		if n := nlp.PlaceholderLen(s[i:]); n > 0 {
			i += n // masked data (<PHONE>, <NAME>) is no word of any script
			continue
		}
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			j := i
			for j < len(s) && (s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z') {
				j++
			}
			w := strings.ToLower(s[i:j])
			letters += len(w)
			if len(w) >= 2 && strings.ContainsAny(w, "aeiouy") && !nlp.IsPinyinSyllable(w) {
				words++
			}
			i = j
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if unicode.Is(unicode.Han, r) {
			han++
		}
		i += n
	}
	return words >= 3 && letters > 2*han
}

// isLatin reports whether w is made of ASCII letters and digits only.
func isLatin(w string) bool {
	for i := 0; i < len(w); i++ {
		if !isASCIIAlnum(w[i]) {
			return false
		}
	}
	return true
}

func isASCIIAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// suggest returns the vocabulary's words that tok may stand for, most used first: tok is their
// pinyin initials (yhq → 优惠券) or their whole pinyin (baoyou → 包邮). Words of one character are
// left out: every letter has hundreds.
func (m *shorthandMiner) suggest(tok string) []string {
	var out []string
	for w := range m.vocab {
		if len([]rune(w)) < 2 || isLatin(w) {
			continue
		}
		if nlp.PinyinInitials(w) == tok || strings.Join(nlp.Pinyin(w, nil), "") == tok {
			out = append(out, w)
		}
	}
	slices.SortFunc(out, func(a, b string) int {
		if sa, sb := m.used[a]+m.vocab[a], m.used[b]+m.vocab[b]; sa != sb {
			return sb - sa
		}
		return strings.Compare(a, b)
	})
	return out
}

// print writes the candidates found in at least min messages, most frequent first.
func (m *shorthandMiner) print(w io.Writer, dictDir string, min int) {
	var list []*shorthandToken
	for _, c := range m.tokens {
		if c.count >= min {
			list = append(list, c)
		}
	}
	slices.SortFunc(list, func(a, b *shorthandToken) int {
		if a.count != b.count {
			return b.count - a.count
		}
		return strings.Compare(a.token, b.token)
	})
	fmt.Fprintf(w, "# zhiyi shorthand: %d candidates — Latin-letter tokens of 2–5 letters in at least %d of %d customer\n", len(list), min, m.messages)
	fmt.Fprintf(w, "# messages that the dictionaries in %s do not know, most frequent first. Review them, and copy\n", dictDir)
	fmt.Fprintf(w, "# the lines you agree with into %s (\"word: shorthand\"); this command writes nothing.\n", filepath.Join(dictDir, nlp.ShorthandFile))
	if m.latin > 0 {
		fmt.Fprintf(w, "# %d messages written in English (or another Latin script) were not read.\n", m.latin)
	}
	for _, c := range list {
		fmt.Fprintf(w, "\n# %s: %d messages, e.g. %s\n", c.token, c.count, strings.Join(quoteAll(c.examples), " "))
		sug := m.suggest(c.token)
		if len(sug) == 0 {
			fmt.Fprintf(w, "# (no word of the knowledge base or the dictionaries has these initials)\n")
			continue
		}
		fmt.Fprintf(w, "%s: %s\n", sug[0], c.token)
		if len(sug) > 1 {
			fmt.Fprintf(w, "# or: %s\n", strings.Join(sug[1:min2(len(sug), 4)], ", "))
		}
	}
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = "「" + x + "」"
	}
	return out
}

func min2(a, b int) int { return min(a, b) }
