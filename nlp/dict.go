package nlp

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// The file names inside a dictionary directory.
const (
	UserDictFile  = "userdict.txt"
	SynonymsFile  = "synonyms.txt"
	DialectFile   = "dialect.txt"
	StopwordsFile = "stopwords.txt"
	// ShorthandFile holds the shop's shorthand (kd, yhq, zfb) in the synonyms format.
	ShorthandFile = "shorthand.txt"
)

// DictFiles lists the dictionary files a directory may hold, for copying into a bundle.
var DictFiles = []string{UserDictFile, SynonymsFile, DialectFile, StopwordsFile, ShorthandFile}

// RewriteKind says where a rewrite rule came from.
type RewriteKind string

// The kinds of rewrite.
const (
	KindSynonym   RewriteKind = "synonym"
	KindDialect   RewriteKind = "dialect"
	KindShorthand RewriteKind = "shorthand" // shorthand.txt: kd → 快递, yhq → 优惠券
	KindPinyin    RewriteKind = "pinyin"    // typed pinyin restored to a dictionary word: 现huo → 现货
	KindRegional  RewriteKind = "regional"  // a built-in regional function word folded: 咗 → 了, 伐 → 吗 (regional.go)
)

// UserWord is one line of userdict.txt.
type UserWord struct {
	Word string
	Freq float64
	POS  string
}

// RewriteRule maps variants to one canonical term.
type RewriteRule struct {
	Canonical string
	Variants  []string
	Kind      RewriteKind
	Region    string // dialect region, e.g. 粤语; empty for synonyms
	at        string // file:line it was read from, for check's errors
}

// Dictionaries is the parsed content of a dictionary directory.
type Dictionaries struct {
	UserWords []UserWord
	Rules     []RewriteRule
	Stopwords []string
	// backwards holds the shorthand lines written the other way round (lj: 垃圾), file:line
	// each: loaded as written, so a bundle trained with one still loads, and refused by
	// Suspect where the shop's files are read for a new bundle (train, lint).
	backwards []error
	// repeated holds the userdict words given on a second line, file:line each: the segmenter
	// keeps the higher frequency, so an edit to one line may change nothing (Warnings).
	repeated  []string
	userLines map[string]string // word → where it was first given
}

// protectedWords may never be stop words: they flip or carry the meaning of a message.
var protectedWords = map[string]bool{
	"不": true, "没": true, "没有": true, "不要": true, "别": true, "未": true, "无": true, "非": true,
	"不是": true, "不用": true, "不能": true, "不想": true, "没法": true, "冇": true, "唔": true,
	"怎么": true, "怎样": true, "什么": true, "为什么": true, "多少": true, "几": true, "吗": true,
	"哪": true, "哪里": true, "哪儿": true, "能": true, "可以": true, "何时": true, "多久": true,
}

const defaultUserFreq = 2000

// LoadDictionaries reads the dictionary files in dir. Every file is optional; dir == "" gives
// empty dictionaries. A malformed line is an error naming file and line.
func LoadDictionaries(dir string) (*Dictionaries, error) {
	d := &Dictionaries{}
	if dir == "" {
		return d, nil
	}
	if st, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("dictionary directory: %w", err)
	} else if !st.IsDir() {
		return nil, fmt.Errorf("dictionary directory %s: not a directory", dir)
	}
	var errs []error
	for _, f := range []struct {
		name  string
		parse func(at, line string) error
	}{
		{UserDictFile, d.parseUserWord},
		{SynonymsFile, d.ruleParser(KindSynonym)},
		{DialectFile, d.ruleParser(KindDialect)},
		{ShorthandFile, d.ruleParser(KindShorthand)},
		{StopwordsFile, d.parseStopword},
	} {
		if err := eachLine(filepath.Join(dir, f.name), f.parse); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) == 0 {
		if err := d.check(); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...) // every file's malformed lines, so one edit fixes them all
	}
	return d, nil
}

// maxLineProblems is how many malformed lines of one file eachLine reports.
const maxLineProblems = 20

// eachLine calls fn for every non-blank, non-comment line of path, normalised, with its place
// (path:line). A missing file is not an error. The lines fn refuses are reported together
// (errors.Join, path:line: problem each, the first maxLineProblems of them); a file that cannot
// be read stops it.
func eachLine(path string, fn func(at, line string) error) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("dictionary: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), maxDictLine)
	n, bad := 0, 0
	var problems []error
	problem := func(err error) {
		if bad++; bad <= maxLineProblems {
			problems = append(problems, err)
		}
	}
	for sc.Scan() {
		n++
		if err := CheckUTF8(sc.Bytes()); err != nil {
			// the file's encoding, not a line's mistake: said once
			return errors.Join(append(problems, fmt.Errorf("%s:%d: %w", path, n, err))...)
		}
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		line = Normalize(line)
		if line == "" {
			continue
		}
		at := fmt.Sprintf("%s:%d", path, n)
		if err := fn(at, line); err != nil {
			problem(fmt.Errorf("%s: %w", at, err))
		}
	}
	if err := sc.Err(); errors.Is(err, bufio.ErrTooLong) {
		problems = append(problems, fmt.Errorf("%s:%d: a line longer than %d MiB (a dictionary entry is a line): %w", path, n+1, maxDictLine>>20, err))
	} else if err != nil {
		problems = append(problems, fmt.Errorf("%s:%d: %w", path, n+1, err))
	}
	if bad > maxLineProblems {
		problems = append(problems, fmt.Errorf("%s: %d more malformed lines", path, bad-maxLineProblems))
	}
	return errors.Join(problems...)
}

// maxDictLine bounds a dictionary line: a synonym rule with its variants is a few hundred bytes.
const maxDictLine = 1 << 20

func (d *Dictionaries) parseUserWord(at, line string) error {
	f := strings.Fields(line)
	w := UserWord{Word: normalFold(f[0]), Freq: defaultUserFreq}
	if len(f) > 3 {
		return fmt.Errorf("want \"word [freq [pos]]\", got %d fields", len(f))
	}
	if len(f) > 1 {
		v, err := strconv.ParseFloat(f[1], 64)
		if err != nil || v <= 0 {
			return fmt.Errorf("frequency %q is not a positive number", f[1])
		}
		w.Freq = v
	}
	if len(f) > 2 {
		w.POS = f[2]
	}
	if first, ok := d.userLines[w.Word]; ok {
		d.repeated = append(d.repeated, fmt.Sprintf("%s: %s is also at %s: the segmenter keeps the higher frequency of the two; keep one line", at, w.Word, first))
	} else {
		if d.userLines == nil {
			d.userLines = map[string]string{}
		}
		d.userLines[w.Word] = at
	}
	d.UserWords = append(d.UserWords, w)
	return nil
}

// Suspect returns what the files hold that loads but cannot be meant: a shorthand line written
// the other way round (lj: 垃圾, which rewrites every 垃圾 into lj), each with its file:line.
// zhiyi train and zhiyi lint refuse the shop's dictionaries with it; a bundle's are loaded
// as they were trained.
func (d *Dictionaries) Suspect() error {
	return errors.Join(d.backwards...)
}

// Warnings returns what the files hold that loads and may be meant, but may not do what its
// editor thinks: a userdict word on two lines, of which the segmenter keeps the higher
// frequency. zhiyi train and zhiyi lint print them.
func (d *Dictionaries) Warnings() []string {
	return d.repeated
}

// backwards reports whether a shorthand line names the shorthand as its word: a canonical term of
// Latin letters alone whose every variant has a Han character (lj: 垃圾).
func backwards(canon string, variants []string) bool {
	if len(variants) == 0 || strings.ContainsFunc(canon, func(r rune) bool { return (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') }) {
		return false
	}
	for _, v := range variants {
		if !strings.ContainsFunc(v, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
			return false
		}
	}
	return true
}

func (d *Dictionaries) ruleParser(kind RewriteKind) func(at, line string) error {
	region := ""
	badHeader := false // the last header was refused: its entries are not "before any header"
	return func(at, line string) error {
		if strings.HasPrefix(line, "[") {
			if !strings.HasSuffix(line, "]") || len(line) < 3 {
				badHeader = true
				return fmt.Errorf("region header %q: want [region]", line)
			}
			if kind != KindDialect {
				return fmt.Errorf("region headers belong in %s", DialectFile)
			}
			region, badHeader = strings.TrimSpace(line[1:len(line)-1]), false
			return nil
		}
		if kind == KindDialect && region == "" && !badHeader {
			return fmt.Errorf("dialect entry before any [region] header")
		}
		canon, rest, ok := strings.Cut(line, ":")
		canon = strings.TrimSpace(canon)
		if !ok || canon == "" {
			return fmt.Errorf("want \"canonical: variant, variant\", got %q", line)
		}
		if strings.ContainsAny(canon, " ,") {
			return fmt.Errorf("canonical term %q must be a single word", canon)
		}
		var variants []string
		listed, raw := false, canon
		canon = normalFold(canon)
		for _, v := range strings.FieldsFunc(rest, func(r rune) bool { return r == ',' || r == '，' || r == '、' }) {
			if v = strings.TrimSpace(v); v == "" {
				continue
			}
			listed = listed || v != raw
			// Messages are folded before the rewrites: a variant in traditional characters is
			// matched as the message will read (帳戶 as 帐户; 擡頭 is 抬头 itself and drops out).
			if v = normalFold(v); v != canon && !slices.Contains(variants, v) {
				variants = append(variants, v)
			}
		}
		if !listed {
			return fmt.Errorf("canonical term %q has no variants", canon)
		}
		if kind == KindShorthand && backwards(canon, variants) {
			// lj: 垃圾 would rewrite every 垃圾 a customer types into lj
			d.backwards = append(d.backwards, fmt.Errorf("%s: %q reads backwards: a line is \"word: shorthand\" (%s: %s), so this one would rewrite %s into %s",
				at, line, variants[0], canon, strings.Join(variants, ", "), canon))
		}
		d.Rules = append(d.Rules, RewriteRule{Canonical: canon, Variants: variants, Kind: kind, Region: region, at: at})
		return nil
	}
}

func (d *Dictionaries) parseStopword(_, line string) error {
	line = normalFold(line)
	if protectedWords[line] {
		return fmt.Errorf("%q changes the meaning of a message and must not be a stop word", line)
	}
	if strings.ContainsRune(line, ' ') {
		return fmt.Errorf("stop word %q contains a space", line)
	}
	d.Stopwords = append(d.Stopwords, line)
	return nil
}

// check refuses a variant mapped to two different canonical terms, and follows chains: where a
// canonical term is itself another rule's variant (退款: 退钱 and 退钱: 退米), the rule rewrites
// to the end of the chain, so every variant of one meaning becomes the same token; a cycle is
// refused. Errors name the lines involved.
func (d *Dictionaries) check() error {
	owner := map[string]int{} // variant -> index of its rule
	for i, r := range d.Rules {
		for _, v := range r.Variants {
			if j, ok := owner[v]; ok && d.Rules[j].Canonical != r.Canonical {
				return fmt.Errorf("dictionary: variant %q maps to both %q (%s) and %q (%s)", v, d.Rules[j].Canonical, d.Rules[j].at, r.Canonical, r.at)
			}
			owner[v] = i
		}
	}
	for i := range d.Rules {
		r := &d.Rules[i]
		path := []int{i}
		for {
			j, ok := owner[d.Rules[path[len(path)-1]].Canonical]
			if !ok {
				break
			}
			if slices.Contains(path, j) {
				var at []string
				for _, k := range path {
					at = append(at, fmt.Sprintf("%s (%s)", d.Rules[k].at, d.Rules[k].Canonical))
				}
				return fmt.Errorf("dictionary: the rewrites of %s lead back to each other: keep one canonical term", strings.Join(at, ", "))
			}
			path = append(path, j)
		}
		if len(path) > 1 {
			r.Canonical = d.Rules[path[len(path)-1]].Canonical
		}
	}
	return nil
}
