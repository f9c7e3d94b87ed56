package train

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// Each generation may lose MaxDrop against its parent continued without the corrections; over
// generations the losses add up. A first generation let lose 1 of the 70 messages (MaxDrop 0.5)
// leaves its child a parent whose control has lost them already: genuine corrections lose
// nothing more against it, and only the bound against the root refuses them — naming both
// accuracies — and does not record them as refused: they are judged again on a new line.
func TestLearnBoundsTheDropAgainstTheRoot(t *testing.T) {
	parent := weakShop(t, 1) // self-labelled messages in its history: its gate continues the parent
	mk := func(intent string, texts ...string) []Correction {
		var out []Correction
		for _, x := range texts {
			out = append(out, Correction{Text: x, Intent: intent, Source: "feedback"})
		}
		return out
	}
	ctx := context.Background()
	gen1 := filepath.Join(filepath.Dir(parent), "gen1")
	res, err := Learn(ctx, parent, gen1, mk("return_goods", "什么时候发货呀", "几天发货啊", "多久发货呢", "今天能发吗亲", "几天能到呀",
		"什么时候发货啊", "多久发货啊", "几天发货呀", "几天能到啊"), LearnConfig{MaxDrop: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Promoted || !(res.CandidateAccuracy < res.ControlAccuracy-0.01) {
		t.Fatalf("the first generation: %s; want promoted, losing more than 1 point", res.Reason)
	}
	genuine := mk("invoice", "报销凭证在哪弄", "报销凭证能给吗", "我要报销凭证", "报销凭证怎么申请", "公司要报销凭证",
		"报销凭证开一下", "能给个报销凭证不", "报销凭证发我邮箱", "报销凭证可以吗", "需要报销凭证", "报销凭证哪里申请", "报销凭证电子的行吗")
	for _, c := range []struct {
		name     string
		cfg      LearnConfig
		promoted bool
	}{
		{"the default bound: MaxDrop against the root", LearnConfig{MaxDrop: 0.01}, false},
		{"a bound that allows the first generation's loss", LearnConfig{MaxDrop: 0.01, MaxRootDrop: 0.03}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, err := Learn(ctx, gen1, filepath.Join(t.TempDir(), "gen2"), genuine, c.cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Log(res.Reason)
			if res.Promoted != c.promoted {
				t.Fatalf("promoted %v, want %v", res.Promoted, c.promoted)
			}
			if res.ControlAccuracy != res.CandidateAccuracy || !(res.RootAccuracy > res.CandidateAccuracy) {
				t.Errorf("candidate %.4f, control %.4f, root %.4f: want the candidate at its parent's control, below the root",
					res.CandidateAccuracy, res.ControlAccuracy, res.RootAccuracy)
			}
			if c.promoted {
				return
			}
			for _, want := range []string{"MaxRootDrop", "0.9714", "1.0000", "2 of 70"} {
				if !strings.Contains(res.Reason, want) {
					t.Errorf("the reason does not name %q", want)
				}
			}
			if rs, err := ReadRefused(gen1); err != nil || len(rs) != 0 {
				t.Errorf("%d refusals recorded (%v): the batch is not what the bound refuses", len(rs), err)
			}
		})
	}
}

// TestRootOfPrunedLine: a learnt bundle names its root (Manifest.Root), and rootOf finds it by
// that when the generations between are gone (learn.Prune); without the name, the chain stops at
// the oldest generation left, which was not trained from exports.
func TestRootOfPrunedLine(t *testing.T) {
	models := t.TempDir()
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	write := func(name string, m *intent.Manifest) string {
		p := filepath.Join(models, name)
		if err := os.Mkdir(p, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := intent.WriteManifest(p, m); err != nil {
			t.Fatal(err)
		}
		return p
	}
	root := &intent.Manifest{Name: "shop", CreatedAt: at}
	rootDir := write("shop", root)
	gone := &intent.Manifest{Name: "shop", CreatedAt: at.Add(time.Minute), Parent: root.Version()} // pruned: never written
	named := &intent.Manifest{Name: "shop", CreatedAt: at.Add(2 * time.Minute), Parent: gone.Version(), Root: root.Version()}
	namedDir := write("named", named)
	unnamed := &intent.Manifest{Name: "shop", CreatedAt: at.Add(3 * time.Minute), Parent: gone.Version()}
	unnamedDir := write("unnamed", unnamed)
	for _, c := range []struct {
		dir     string
		m       *intent.Manifest
		want    ancestry
		version string // rootVersion's
	}{
		{rootDir, root, ancestry{Dir: rootDir, Version: root.Version(), Trained: true}, root.Version()},
		{namedDir, named, ancestry{Dir: rootDir, Version: root.Version(), Trained: true}, root.Version()},
		{unnamedDir, unnamed, ancestry{Dir: unnamedDir, Version: unnamed.Version()}, ""},
	} {
		got, err := rootOf(c.dir, c.m)
		if err != nil || got != c.want {
			t.Errorf("rootOf(%s) = %+v, %v; want %+v", filepath.Base(c.dir), got, err, c.want)
		}
		if v, err := rootVersion(c.dir, c.m); err != nil || v != c.version {
			t.Errorf("rootVersion(%s) = %q, %v; want %q", filepath.Base(c.dir), v, err, c.version)
		}
	}
}
