package sentiment

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseLexicon(t *testing.T) {
	src := `# comment
[negative]
失望 1.5   # trailing comment
ＴＭＤ
[urgent:safety]
冒烟 3
[urgent]
急
[positive]
❤️
[degree]
太
[negation]
不
[neutral]
差价
`
	l, err := ParseLexicon(strings.NewReader(src), "lex.txt")
	if err != nil {
		t.Fatal(err)
	}
	if l.Len() != 8 {
		t.Errorf("Len = %d, want 8", l.Len())
	}
	want := map[string]struct {
		kind   entryKind
		weight float32
		reason string
	}{
		"失望":  {kindNegative, 1.5, ""},
		"tmd": {kindNegative, 1, ""}, // full-width folded and lower-cased, like messages
		"冒烟":  {kindUrgent, 3, "safety"},
		"急":   {kindUrgent, 1, ""},
		"❤":   {kindPositive, 1, ""}, // the variation selector is dropped, as Normalize drops it
		"太":   {kindDegree, 1.5, ""},
		"不":   {kindNegation, 0, ""},
		"差价":  {kindNeutral, 0, ""},
	}
	for _, e := range l.entries {
		w, ok := want[e.term]
		if !ok {
			t.Errorf("unexpected term %q", e.term)
			continue
		}
		if e.kind != w.kind || e.weight != w.weight || e.reason != w.reason {
			t.Errorf("%s: kind %d weight %v reason %q, want %d %v %q", e.term, e.kind, e.weight, e.reason, w.kind, w.weight, w.reason)
		}
	}
	if got := strings.Join(l.Reasons(), ","); got != "safety," {
		t.Errorf("Reasons = %q, want \"safety,\"", got)
	}
	if len(l.Sum()) != 64 {
		t.Errorf("Sum = %q, want 64 hex digits", l.Sum())
	}
}

// TestParseLexiconBOM: a file saved with a byte-order mark (Windows editors) reads as without one.
func TestParseLexiconBOM(t *testing.T) {
	l, err := ParseLexicon(strings.NewReader("\ufeff[negative]\n失望\n"), "sentiment.txt")
	if err != nil || l.Len() != 1 {
		t.Fatalf("lexicon with a BOM: %v", err)
	}
}

// TestParseLexiconFaceCodes: a WeChat face as it reaches chat in text ([发怒], [OK]) is a term,
// not a section header; a bracketed word of ASCII letters alone on its line is still a header,
// so a mistyped section stays an error.
func TestParseLexiconFaceCodes(t *testing.T) {
	l, err := ParseLexicon(strings.NewReader("[negative]\n[发怒] 2\n[流泪]\n[positive]\n[OK] 0.5\n"), "lex.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, term := range []string{"[发怒]", "[流泪]", "[ok]"} {
		if e, end, _ := l.longest(term+"了", 0); e < 0 || end != len(term) {
			t.Errorf("%s is not a term", term)
		}
	}
	_, err = ParseLexicon(strings.NewReader("[positive]\n[OK]\n"), "lex.txt")
	if err == nil || !strings.Contains(err.Error(), "unknown section [OK]") || !strings.Contains(err.Error(), "[OK] 1") {
		t.Errorf("[OK] without a weight: err = %v, want an unknown section that says how to write the term", err)
	}
}

func TestParseLexiconErrors(t *testing.T) {
	for _, c := range []struct {
		name, src, want string
	}{
		{"term before a section", "# x\n失望\n", "lex.txt:2: term \"失望\" before any [section]"},
		{"unknown section", "[negative]\n失望\n\n[angry]\n", "lex.txt:4: unknown section [angry]"},
		{"unclosed header", "[negative\n", "lex.txt:1: section header \"[negative\" lacks its closing ]"},
		{"reason on another section", "[negative:x]\n", "lex.txt:1: section [negative:x]: only [urgent:REASON] takes a reason"},
		{"empty reason", "[urgent:]\n", "lex.txt:1: section [urgent:]: only [urgent:REASON]"},
		{"bad weight", "[negative]\n失望 high\n", "lex.txt:2: term \"失望\": weight \"high\" is not a number in (0, 10]"},
		{"zero weight", "[negative]\n失望 0\n", "lex.txt:2: term \"失望\": weight \"0\""},
		{"weight too large", "[urgent]\n冒烟 30\n", "lex.txt:2: term \"冒烟\": weight \"30\""},
		{"weight on a negation", "[negation]\n不 2\n", "lex.txt:2: term \"不\": this section takes no weight"},
		{"weight on a hypothetical", "[hypothetical]\n会不会 2\n", "lex.txt:2: term \"会不会\": this section takes no weight"},
		{"too many fields", "[negative]\n太 失望 1\n", "lex.txt:2: want \"term [weight]\", got 3 fields"},
		{"duplicate across sections", "[negative]\n急\n[urgent]\n急\n", "lex.txt:4: term \"急\" is already at line 2"},
		{"invalid UTF-8", "[negative]\n\xff\n", "lex.txt:2: invalid UTF-8"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseLexicon(strings.NewReader(c.src), "lex.txt")
			if err == nil || !strings.HasPrefix(err.Error(), c.want) {
				t.Errorf("err = %v, want prefix %q", err, c.want)
			}
		})
	}
}

func TestLoadLexicon(t *testing.T) {
	l, err := LoadLexicon(shopLexicon)
	if err != nil {
		t.Fatal(err)
	}
	if l.Len() < 300 || l.Name() != shopLexicon {
		t.Errorf("shop lexicon: %d terms, name %q", l.Len(), l.Name())
	}
	if got := strings.Join(l.Reasons(), ","); got != "time,safety,money,threat" {
		t.Errorf("shop lexicon reasons = %s", got)
	}

	dir := t.TempDir()
	path := filepath.Join(dir, LexiconFile)
	if err := os.WriteFile(path, []byte("[negative]\n失望\n[degree]\n太 much\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadLexicon(path); err == nil || !strings.HasPrefix(err.Error(), path+":4: ") {
		t.Errorf("bad file: err = %v, want it to name %s:4", err, path)
	}
	if _, err := LoadLexicon(filepath.Join(dir, "missing.txt")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: err = %v, want fs.ErrNotExist", err)
	}
}

func TestLongestMatch(t *testing.T) {
	l, err := ParseLexicon(strings.NewReader("[negative]\n差\n不满\n太差劲\n[negation]\n不\n[neutral]\n差价\n"), "x")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ text, want string }{
		{"太差劲了", "太差劲"}, // the longest term at a position wins
		{"不满意", "不满"},   // over the shorter negation
		{"补差价", ""},     // no term starts at 补
		{"差价", "差价"},
		{"差", "差"},
	} {
		e, end, _ := l.longest(c.text, 0)
		got := ""
		if e >= 0 {
			got = c.text[:end]
		}
		if got != c.want {
			t.Errorf("longest(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}

// TestLexiconTraditionalTerms: a term written in traditional characters (a Hong Kong or Taiwan
// shop's 氣死, 騙子, 冒煙) matches messages, which reach the analyzer folded to simplified
// (nlp's Analysis.Text), as nlp's own dictionaries fold their words; and the same term in both
// scripts is one term, given twice.
func TestLexiconTraditionalTerms(t *testing.T) {
	l, err := ParseLexicon(strings.NewReader("[negative]\n氣死 3\n騙子 2\n[urgent:safety]\n冒煙 3\n"), "sentiment.txt")
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(l, Options{LexiconOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		text string // as reply gives it: normalised, folded, masked
		want string
	}{
		{"气死了", "气死"},
		{"你们是骗子吧", "骗子"},
		{"充电宝冒烟了", "冒烟"},
	} {
		r := a.Analyze(c.text)
		if len(r.Cues) != 1 || r.Cues[0].Text != c.want {
			t.Errorf("Analyze(%q): cues %+v, want %q from the traditional term", c.text, r.Cues, c.want)
		}
	}
}

// TestLexiconBothScripts: a lexicon that lists a term in both scripts (氣死 beside 气死) loaded
// before terms were folded, the traditional spelling never matching; it still loads, with the
// simplified spelling's entry, whichever comes first. A term written twice alike is refused.
func TestLexiconBothScripts(t *testing.T) {
	for _, src := range []string{"[negative]\n氣死 5\n气死 2\n", "[negative]\n气死 2\n氣死 5\n"} {
		l, err := ParseLexicon(strings.NewReader(src), "sentiment.txt")
		if err != nil {
			t.Errorf("%q: %v", src, err)
			continue
		}
		if l.Len() != 1 || l.entries[0].term != "气死" || l.entries[0].weight != 2 {
			t.Errorf("%q: entries %+v, want 气死 with weight 2", src, l.entries)
		}
	}
	_, err := ParseLexicon(strings.NewReader("[negative]\n气死\n气死\n"), "sentiment.txt")
	if err == nil || !strings.Contains(err.Error(), "sentiment.txt:3: ") || !strings.Contains(err.Error(), "already at line 2") {
		t.Errorf("气死 twice: err = %v, want sentiment.txt:3 naming line 2", err)
	}
}
