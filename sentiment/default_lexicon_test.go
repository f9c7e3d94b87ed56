package sentiment

import (
	"os"
	"strings"
	"testing"
)

// The built-in lexicon is the one the embedded model was trained with: the model's header names
// its sum, and it is the sample shop's file byte for byte.
func TestDefaultLexiconIsTheModels(t *testing.T) {
	lex := DefaultLexicon()
	if !strings.Contains(defaultModelText, "sha256 "+lex.Sum()) {
		t.Errorf("the embedded model was not trained with the built-in lexicon (sum %s); copy corpora/shop/dict/sentiment.txt to sentiment/lexicon.txt", lex.Sum())
	}
	shop, err := os.ReadFile("../corpora/shop/dict/sentiment.txt")
	if err != nil {
		t.Fatal(err)
	}
	if string(shop) != defaultLexiconText {
		t.Error("sentiment/lexicon.txt differs from corpora/shop/dict/sentiment.txt")
	}
	for _, r := range []string{"safety", "money", "threat", "time"} {
		if !lex.HasReason(r) {
			t.Errorf("no [urgent:%s] cues", r)
		}
	}
	if lex.HasReason("weather") {
		t.Error("HasReason says yes to a reason the lexicon lacks")
	}
}
