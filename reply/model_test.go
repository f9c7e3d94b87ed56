package reply

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/sentiment"
)

// BundleSentiment takes the bundle's lexicon when there is one, the embedded model alone when
// not, and refuses a broken one.
func TestBundleSentiment(t *testing.T) {
	dir := t.TempDir()
	a, err := BundleSentiment(dir)
	if err != nil || a == nil {
		t.Fatalf("a bundle without a lexicon: %v", err)
	}
	if got := a.Analyze("快递三天了还没到，气死了，你们什么破店"); got.Tag != sentiment.Negative {
		t.Errorf("tone %v, want negative", got.Tag)
	}
	if err := os.MkdirAll(filepath.Join(dir, intent.DictDir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, intent.DictDir, sentiment.LexiconFile), []byte("[negative\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := BundleSentiment(dir); err == nil {
		t.Error("a broken lexicon was taken")
	}
}
