package nlp

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestLoadDictionariesErrors(t *testing.T) {
	tests := []struct {
		name, file, content, want string
	}{
		{"negation as stop word", StopwordsFile, "的\n不\n", "stopwords.txt:2"},
		{"question word as stop word", StopwordsFile, "怎么\n", "must not be a stop word"},
		{"synonym without colon", SynonymsFile, "# ok\n退货 东西不要了\n", "synonyms.txt:2"},
		{"synonym without variants", SynonymsFile, "退货:\n", "no variants"},
		{"dialect without region", DialectFile, "付款: 过数\n", "dialect.txt:1"},
		{"bad frequency", UserDictFile, "运费险 many n\n", "userdict.txt:1"},
		{"variant with two targets", SynonymsFile, "退货: 不要了\n取消: 不要了\n", `maps to both "退货" (`},
		{"variant with two targets, lines named", SynonymsFile, "退货: 不要了\n\n取消: 不要了\n", "synonyms.txt:3)"},
		{"cycle", SynonymsFile, "退款: 退钱\n退钱: 退款\n", "lead back to each other"},
		// A line over the limit is named by its own number, not the one before it.
		{"line over 1 MiB", SynonymsFile, "退货: 退回\n换货: 调换\n" + strings.Repeat("长", 1<<20/3+1) + "\n", "synonyms.txt:3: a line longer than 1 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, tt.file), []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := LoadDictionaries(dir)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("LoadDictionaries error = %v, want it to mention %q", err, tt.want)
			}
		})
	}
	// Every malformed line of every file at once, each at its place: one edit fixes them all.
	dir := t.TempDir()
	for name, content := range map[string]string{
		SynonymsFile:  "退货 东西不要了\n换货: 调换\n退款:\n",
		UserDictFile:  "运费险 many n\n",
		StopwordsFile: "的\n" + strings.Repeat("不\n", maxLineProblems+5),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, err := LoadDictionaries(dir)
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	for _, want := range []string{"synonyms.txt:1:", "synonyms.txt:3:", "userdict.txt:1:", "stopwords.txt:2:",
		fmt.Sprintf("stopwords.txt:%d:", maxLineProblems+1), "stopwords.txt: 5 more malformed lines"} {
		if !strings.Contains(msg, want) {
			t.Errorf("several mistakes: error %q does not name %q", msg, want)
		}
	}
	if strings.Contains(msg, fmt.Sprintf("stopwords.txt:%d:", maxLineProblems+2)) || strings.Contains(msg, "synonyms.txt:2:") {
		t.Errorf("several mistakes: more than the first %d of a file, or a good line, named: %q", maxLineProblems, msg)
	}
	// A broken region header is one mistake: the entries under it are not also "before any
	// [region] header", a line each.
	dir = t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, DialectFile), []byte("[粤语\n系: 是\n唔: 不\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadDictionaries(dir); err == nil || !strings.Contains(err.Error(), "dialect.txt:1:") || strings.Contains(err.Error(), "dialect.txt:2:") {
		t.Errorf("a broken first header: %v, want its line alone", err)
	}
	if _, err := LoadDictionaries(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("missing directory: no error")
	}
	// Shorthand written the other way round would rewrite every 垃圾 a customer types into lj:
	// loaded (a bundle trained with it still serves), and Suspect names it for train and lint.
	dir = t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ShorthandFile), []byte("优惠券: yhq\nlj: 垃圾\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if d, err := LoadDictionaries(dir); err != nil {
		t.Errorf("backwards shorthand: %v, want it loaded", err)
	} else if err := d.Suspect(); err == nil || !strings.Contains(err.Error(), `shorthand.txt:2: "lj: 垃圾" reads backwards: a line is "word: shorthand" (垃圾: lj)`) {
		t.Errorf("backwards shorthand: Suspect() = %v", err)
	}
	// A Latin canonical term is fine where it is no shorthand (synonyms), or where a variant is
	// letters too (a spelling of it).
	dir = t.TempDir()
	for name, content := range map[string]string{SynonymsFile: "iphone: 苹果手机\n", ShorthandFile: "typec: type-c, 太普c\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if d, err := LoadDictionaries(dir); err != nil {
		t.Errorf("a Latin canonical term that is no backwards shorthand: %v", err)
	} else if err := d.Suspect(); err != nil {
		t.Errorf("a Latin canonical term that is no backwards shorthand: %v", err)
	}
	if d, err := LoadDictionaries(t.TempDir()); err != nil || len(d.Rules) != 0 {
		t.Errorf("empty directory: %v, %+v", err, d)
	}
	// A userdict word on two lines loads, and is named: the segmenter keeps the higher of the
	// two frequencies, so an operator lowering one of them changes nothing.
	dir = t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, UserDictFile), []byte("运费险 2000 n\n花呗\n运费险 10\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if d, err := LoadDictionaries(dir); err != nil {
		t.Errorf("a repeated userdict word: %v, want it loaded", err)
	} else if w := d.Warnings(); len(w) != 1 || !strings.Contains(w[0], "userdict.txt:3: 运费险 is also at ") || !strings.HasSuffix(w[0], "userdict.txt:1: the segmenter keeps the higher frequency of the two; keep one line") {
		t.Errorf("a repeated userdict word: Warnings() = %q", w)
	}
}

// TestDictionaryChains: a canonical term that is another rule's variant is followed to the end
// of the chain, across files, so every spelling of one meaning becomes one token.
func TestDictionaryChains(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		SynonymsFile:  "退款: 退钱\n退钱: 退米米\n",
		DialectFile:   "[粤语]\n退米米: 退返\n",
		UserDictFile:  "退款 3000 v\n退钱 3000 v\n退米米 3000 v\n退返 3000 v\n",
		ShorthandFile: "退钱: tq\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	a, err := New(Config{DictDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{"退钱", "退米米", "退返", "tq"} {
		an := a.Analyze(in + "什么时候到")
		if !slices.Contains(an.Terms, "退款") || slices.Contains(an.Terms, "退钱") || slices.Contains(an.Terms, "退米米") {
			t.Errorf("Analyze(%q).Terms = %q, want 退款 (the chain's end) alone", in, an.Terms)
		}
	}
}
