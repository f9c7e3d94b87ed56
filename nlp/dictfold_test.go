package nlp

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Every variant of the shipped dictionaries, typed as listed, reaches its canonical term:
// messages are folded (帳戶 → 帐户) before the rewrites, so a variant listed in traditional
// characters is matched folded too.
func TestEveryShopVariantReachesItsTerm(t *testing.T) {
	a := mustShopAnalyzer(t)
	for _, name := range []string{SynonymsFile, DialectFile, ShorthandFile} {
		path := filepath.Join("../corpora/shop/dict", name)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for n, line := range strings.Split(string(b), "\n") {
			line, _, _ = strings.Cut(line, "#")
			canon, variants, ok := strings.Cut(line, ":")
			if !ok {
				continue
			}
			for _, v := range strings.FieldsFunc(variants, func(r rune) bool { return r == ',' || r == '，' || r == '、' }) {
				v = strings.TrimSpace(v)
				if an := a.Analyze(v); !slices.Contains(an.Tokens, canonicalOf(a, strings.TrimSpace(canon))) {
					t.Errorf("%s:%d: variant %q never reaches %s: text %q tokens %q", name, n+1, v, strings.TrimSpace(canon), an.Text, an.Tokens)
				}
			}
		}
	}
}

// canonicalOf is the term a rule's canonical term ends at (chains: 退钱 → 退款).
func canonicalOf(a *Analyzer, canon string) string {
	for _, r := range a.Dictionaries().Rules {
		if slices.Contains(r.Variants, canon) {
			return r.Canonical
		}
	}
	return canon
}

// Dictionary words are read as messages are (normalFold): the traditional variant is the folded
// one, a variant that folds into its canonical term drops out, and two variants that fold alike
// under two terms are the conflict they are.
func TestLoadDictionariesFoldsWords(t *testing.T) {
	dir := t.TempDir()
	write := func(content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, SynonymsFile), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("账号: 帳戶, 帐户, 帳號\n抬头: 擡頭\n")
	d, err := LoadDictionaries(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Rules[0].Variants; !slices.Equal(got, []string{"帐户", "帐号"}) {
		t.Errorf("账号's variants %q, want [帐户 帐号]", got)
	}
	if got := d.Rules[1].Variants; len(got) != 0 {
		t.Errorf("抬头's variants %q, want none (擡頭 folds to 抬头)", got)
	}
	write("付款: 結帳\n退款: 结帐\n")
	if _, err := LoadDictionaries(dir); err == nil || !strings.Contains(err.Error(), "maps to both") {
		t.Errorf("结帐 under 付款 and 退款: error %v, want maps to both", err)
	}
}
