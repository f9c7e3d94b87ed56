package reply

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/sentiment"
)

// BundleSentiment takes the bundle's lexicon when there is one, the built-in one when not (a
// shop's safety cues need no sentiment.txt of its own), and refuses a broken one.
func TestBundleSentiment(t *testing.T) {
	dir := t.TempDir()
	a, err := BundleSentiment(dir)
	if err != nil || a == nil {
		t.Fatalf("a bundle without a lexicon: %v", err)
	}
	if got := a.Analyze("快递三天了还没到，气死了，你们什么破店"); got.Tag != sentiment.Negative {
		t.Errorf("tone %v, want negative", got.Tag)
	}
	for _, text := range []string{"路由器着火了", "光猫冒烟了"} {
		if got := a.Analyze(text); got.Tag != sentiment.Urgent {
			t.Errorf("%s: tone %v, want urgent", text, got.Tag)
		}
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

// A mistyped bundle path is an error (fs.ErrNotExist, naming it), not the built-in lexicon in
// place of the bundle's own: a library user calls BundleSentiment with a path of their own, not
// only after intent.Load has found the directory as zhiyi serve does.
func TestBundleSentimentMissingDir(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "models", "shp")
	a, err := BundleSentiment(missing)
	if !errors.Is(err, fs.ErrNotExist) || a != nil {
		t.Fatalf("BundleSentiment(missing dir) = %v, %v; want nil, fs.ErrNotExist", a, err)
	}
	if !strings.Contains(err.Error(), missing) {
		t.Errorf("error %q does not name %s", err, missing)
	}
	file := filepath.Join(t.TempDir(), "manifest.json")
	if err := os.WriteFile(file, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := BundleSentiment(file); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("BundleSentiment(a file) = %v, want fs.ErrNotExist", err)
	}
}

// A bundle path that cannot be read is named with why, not said not to exist: a symbolic link
// to itself (as permission denied, which a test run as root cannot make) answered "is no
// directory: file does not exist", sending the operator after a path that is there.
func TestBundleSentimentUnreadableDir(t *testing.T) {
	loop := filepath.Join(t.TempDir(), "models")
	if err := os.Symlink(loop, loop); err != nil {
		t.Skip(err)
	}
	_, err := BundleSentiment(loop)
	if err == nil || errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), loop) {
		t.Errorf("BundleSentiment(a symlink loop) = %v, want an error naming it and why, not fs.ErrNotExist", err)
	}
}
