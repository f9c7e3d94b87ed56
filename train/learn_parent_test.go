package train

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// onFirstWrite runs fn at the first progress line Learn writes: the parent is loaded and its
// history read by then.
type onFirstWrite struct {
	once sync.Once
	fn   func()
}

func (w *onFirstWrite) Write(p []byte) (int, error) { w.once.Do(w.fn); return len(p), nil }

// Learning promotes a child of the bundle it loaded, or nothing: not of a bundle the caller did
// not expect (retrained in place, not reloaded), and not one mixing the classifier continued from
// the loaded bundle with the files of a bundle retrained or edited in place while it learnt.
func TestLearnRefusesAChangedParent(t *testing.T) {
	var fixes []Correction
	for _, text := range []string{"报销凭证在哪弄", "报销凭证能给吗", "我要报销凭证", "报销凭证怎么申请", "公司要报销凭证",
		"报销凭证开一下", "能给个报销凭证不", "报销凭证发我邮箱", "报销凭证可以吗", "需要报销凭证", "报销凭证哪里申请", "报销凭证电子的行吗"} {
		fixes = append(fixes, Correction{Text: text, Intent: "invoice", Source: "feedback"})
	}
	// the weak shop (learnShop), its configuration kept to retrain it in place
	dir := t.TempDir()
	kb, data := writeWeakShop(t, dir)
	cfg := DefaultConfig()
	cfg.Data, cfg.KB, cfg.Out, cfg.Progress = []string{data}, kb, filepath.Join(dir, "models", "shop"), io.Discard
	cfg.Weak.Rounds = -1
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	parent := cfg.Out
	editKB := func() {
		b, err := os.ReadFile(kb)
		if err != nil {
			t.Error(err)
			return
		}
		if err := os.WriteFile(kb, append(b, "\n# edited: an answer nobody reviewed\n"...), 0o644); err != nil {
			t.Error(err)
		}
	}
	for i, tc := range []struct {
		name   string
		expect string // LearnConfig.Parent: "" for the bundle's own version
		during func() // while learning
	}{
		{name: "not the version expected", expect: "shop@20260101T000000Z"},
		{name: "retrained in place while learning", during: func() {
			editKB()
			if _, err := Run(context.Background(), cfg); err != nil {
				t.Error(err)
			}
		}},
		{name: "kb.yaml edited in place while learning", during: func() {
			editKB()
			if err := copyFile(kb, filepath.Join(parent, "kb.yaml")); err != nil {
				t.Error(err)
			}
		}},
	} {
		out := filepath.Join(dir, "models", fmt.Sprintf("shop-learnt-%d", i))
		t.Run(tc.name, func(t *testing.T) {
			lc := LearnConfig{MaxDrop: 0.02, Parent: tc.expect}
			if tc.during != nil {
				lc.Progress = &onFirstWrite{fn: tc.during}
			}
			if lc.Parent == "" {
				pm, err := intent.PeekManifest(parent)
				if err != nil {
					t.Fatal(err)
				}
				lc.Parent = pm.Version()
			}
			res, err := Learn(context.Background(), parent, out, fixes, lc)
			if !errors.Is(err, ErrParentChanged) {
				t.Fatalf("Learn: %+v, %v; want ErrParentChanged", res, err)
			}
			t.Logf("refused: %v", err)
			if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s written (%v): nothing may be promoted", out, err)
			}
		})
	}
}
