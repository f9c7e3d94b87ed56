package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/zhiyi-ai/zhiyi/index"
	"github.com/zhiyi-ai/zhiyi/nlp"
	"github.com/zhiyi-ai/zhiyi/sentiment"
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
	// The tone the shop gave a word of letters (yyds, xswl in sentiment.txt) says what it is: it
	// is no shorthand to expand, and listing it at every run would hide the ones that are.
	if lexPath := filepath.Join(*dictDir, sentiment.LexiconFile); fileExists(lexPath) {
		lex, err := sentiment.LoadLexicon(lexPath)
		if err != nil {
			return err
		}
		for _, t := range lex.Terms() {
			m.known[t] = true
		}
	}
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
	an    *nlp.Analyzer
	known map[string]bool // every word and variant of the dictionaries, lower case
	vocab map[string]int  // candidate expansions → how often the knowledge base uses them
	used  map[string]int  // words → messages whose terms hold them
	// variantOf maps a dictionary variant in characters (保价) to its canonical term (价保): a
	// token may be the variant's initials, and the line to copy names the canonical term.
	variantOf map[string]string
	// contexts holds, for every word, the words seen just before and after it ("<有", ">吗") in
	// the knowledge base's examples and the messages; tokenContexts the same of each token. A
	// token is suggested first the words found where it is (有xh吗 beside 有现货吗: 现货, not the
	// more frequent 喜欢).
	contexts      map[string]map[string]bool
	tokenContexts map[string]map[string]int
	tokens        map[string]*shorthandToken
	messages      int
	latin         int // messages written in a Latin script, not read for shorthand
}

type shorthandToken struct {
	token    string
	count    int
	examples []string // masked
}

func newShorthandMiner(an *nlp.Analyzer, kb *index.KB) *shorthandMiner {
	m := &shorthandMiner{an: an, known: map[string]bool{}, vocab: map[string]int{}, used: map[string]int{},
		tokens: map[string]*shorthandToken{}, variantOf: map[string]string{},
		contexts: map[string]map[string]bool{}, tokenContexts: map[string]map[string]int{}}
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
			if !isLatin(v) && !strings.ContainsFunc(v, func(c rune) bool { return c < utf8.RuneSelf }) {
				m.variantOf[v] = r.Canonical
			}
		}
	}
	if kb != nil {
		for _, it := range kb.Intents {
			for _, ex := range it.Examples {
				a := an.Analyze(ex)
				for _, t := range a.Terms {
					if isLatin(t) {
						m.known[t] = true // xl, app: the shop's own words
					} else {
						m.vocab[t]++
					}
				}
				m.addContexts(a.Tokens, "")
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
	m.addContexts(a.Tokens, "")
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
			m.addContexts(a.Tokens, tok)
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

// addContexts records the neighbours of the words of tokens (an analysis's Tokens, stop words
// included: 有 and 吗 place 现货 as well as any word): of every vocabulary word when tok is
// empty (only those can be suggested, which bounds the maps by the vocabulary, not the
// exports), else of the shorthand token tok alone.
func (m *shorthandMiner) addContexts(tokens []string, tok string) {
	for i, t := range tokens {
		if tok != "" && t != tok {
			continue
		}
		if _, word := m.vocab[t]; tok == "" && !word {
			continue
		}
		// a neighbouring word, not the message's start or end: half of all words stand there
		var near []string
		if i > 0 {
			near = append(near, "<"+tokens[i-1])
		}
		if i+1 < len(tokens) {
			near = append(near, ">"+tokens[i+1])
		}
		if tok != "" {
			c := m.tokenContexts[tok]
			if c == nil {
				c = map[string]int{}
				m.tokenContexts[tok] = c
			}
			for _, n := range near {
				c[n]++
			}
			continue
		}
		c := m.contexts[t]
		if c == nil {
			c = map[string]bool{}
			m.contexts[t] = c
		}
		for _, n := range near {
			c[n] = true
		}
	}
}

// suggest returns the words that tok may stand for: the vocabulary's words, and the dictionaries'
// variants in characters, whose pinyin initials are tok (yhq → 优惠券) or whose whole pinyin is
// (baoyou → 包邮). Words found where tok is (the same word before or after it) come first, then
// the most used. Words of one character are left out: every letter has hundreds. A variant is
// returned as written (保价); canonical gives the term its line names (价保).
func (m *shorthandMiner) suggest(tok string) []string {
	spells := func(w string) bool {
		return len([]rune(w)) >= 2 && !isLatin(w) &&
			(nlp.PinyinInitials(w) == tok || strings.Join(nlp.Pinyin(w, nil), "") == tok)
	}
	var out []string
	for w := range m.vocab {
		if spells(w) {
			out = append(out, w)
		}
	}
	for v := range m.variantOf {
		if _, listed := m.vocab[v]; !listed && spells(v) {
			out = append(out, v)
		}
	}
	fit := func(w string) int {
		n := 0
		for near, count := range m.tokenContexts[tok] {
			if m.contexts[m.canonical(w)][near] {
				n += count
			}
		}
		return n
	}
	slices.SortFunc(out, func(a, b string) int {
		if fa, fb := fit(a), fit(b); fa != fb {
			return fb - fa
		}
		ca, cb := m.canonical(a), m.canonical(b)
		if sa, sb := m.used[ca]+m.vocab[ca], m.used[cb]+m.vocab[cb]; sa != sb {
			return sb - sa
		}
		return strings.Compare(a, b)
	})
	return out
}

// canonical is the term w is rewritten to, w itself when it is no variant.
func (m *shorthandMiner) canonical(w string) string {
	if c, ok := m.variantOf[w]; ok {
		return c
	}
	return w
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
		if canon := m.canonical(sug[0]); canon != sug[0] {
			fmt.Fprintf(w, "%s: %s\n# (%s: %s, which the dictionaries rewrite to %s)\n", canon, c.token, c.token, sug[0], canon)
		} else {
			fmt.Fprintf(w, "%s: %s\n", sug[0], c.token)
		}
		if len(sug) > 1 {
			more := sug[1:min2(len(sug), 4)]
			for i, x := range more {
				if canon := m.canonical(x); canon != x {
					more[i] = x + " (→ " + canon + ")"
				}
			}
			fmt.Fprintf(w, "# or: %s\n", strings.Join(more, ", "))
		}
	}
}

// fileExists reports whether path names something Stat can see.
func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = "「" + x + "」"
	}
	return out
}

func min2(a, b int) int { return min(a, b) }
