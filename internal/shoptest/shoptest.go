package shoptest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/zhiyi-ai/zhiyi/train"
)

// root is the repository root, found from this file's location so callers in any package
// directory work.
func root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Path returns a path inside corpora/shop.
func Path(elem ...string) string {
	return filepath.Join(append([]string{root(), "corpora", "shop"}, elem...)...)
}

// made holds the temporary directory once Bundle has created it, for Cleanup.
var made atomic.Pointer[string]

var bundle = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "zhiyi-shop-")
	if err != nil {
		return "", err
	}
	made.Store(&dir)
	cfg := train.DefaultConfig()
	cfg.Data = []string{Path("chats")}
	cfg.Labels = []string{Path("gold", "labels.jsonl")}
	cfg.KB = Path("kb.yaml")
	cfg.DictDir = Path("dict")
	cfg.Out = filepath.Join(dir, "shop")
	if _, err := train.Run(context.Background(), cfg); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("train the sample shop: %w", err)
	}
	return cfg.Out, nil
})

// Bundle trains the sample shop once per process (a few seconds) into a temporary directory and
// returns the bundle's path. Call Cleanup from TestMain: each bundle is about 10 MB on disk.
func Bundle() (string, error) { return bundle() }

// Cleanup removes the trained bundle, if one was made (it never trains one).
func Cleanup() {
	if dir := made.Load(); dir != nil {
		os.RemoveAll(*dir)
	}
}

// Holdout returns the texts of the sample shop's holdout messages: realistic and never trained on.
func Holdout() ([]string, error) {
	f, err := os.Open(Path("holdout", "holdout_2026-11.jsonl"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m struct{ Text string }
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			return nil, err
		}
		out = append(out, m.Text)
	}
	return out, sc.Err()
}

// TrainTiny trains the tiny synthetic shop (intent/testdata/shop: four intents) into the bundle
// directory out, in about a second: for tests that need a real bundle but not the sample shop,
// which takes minutes under the race detector (over nine on a loaded CI machine).
func TrainTiny(out string) error {
	tiny := filepath.Join(root(), "intent", "testdata", "shop")
	cfg := train.DefaultConfig()
	cfg.Data = []string{filepath.Join(tiny, "data.jsonl")}
	cfg.KB = filepath.Join(tiny, "kb.yaml")
	cfg.DictDir = filepath.Join(tiny, "dict")
	cfg.Out = out
	cfg.DevDays = 7
	cfg.Progress = io.Discard
	_, err := train.Run(context.Background(), cfg)
	return err
}
