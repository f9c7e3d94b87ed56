package learn

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/internal/dirlock"
	"github.com/zhiyi-ai/zhiyi/internal/shoptest"
	"github.com/zhiyi-ai/zhiyi/train"
)

// pruneLine writes, in a models root, a bundle "shop" trained from exports and n generations
// learnt from it one after another (shop-learnt-<time>, a minute apart), their manifests only.
// Generations up to oldStyle (1-based) record no Root, as bundles learnt before it was
// recorded. It returns the root's path and the generations' paths, oldest first.
func pruneLine(t *testing.T, n, oldStyle int) (string, []string) {
	t.Helper()
	models := filepath.Join(t.TempDir(), "models")
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	write := func(name string, m *intent.Manifest) string {
		p := filepath.Join(models, name)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := intent.WriteManifest(p, m); err != nil {
			t.Fatal(err)
		}
		return p
	}
	root := &intent.Manifest{Name: "shop", CreatedAt: at}
	rootDir := write("shop", root)
	parent := root.Version()
	var line []string
	for i := 1; i <= n; i++ {
		c := at.Add(time.Duration(i) * time.Minute)
		m := &intent.Manifest{Name: "shop", CreatedAt: c, Parent: parent, Root: root.Version()}
		if i <= oldStyle {
			m.Root = ""
		}
		line = append(line, write("shop"+learntSuffix+c.Format(intent.VersionLayout), m))
		parent = m.Version()
	}
	return rootDir, line
}

func TestPrune(t *testing.T) {
	for _, tc := range []struct {
		name     string
		n, keep  int
		oldStyle int   // generations without Root
		protect  []int // generations (1-based) protected, as the serving one
		held     []int // generations another process serves
		want     []int // generations left
	}{
		{name: "the newest kept", n: 12, keep: 4, want: r(9, 12)},
		{name: "keep 0 keeps all", n: 6, keep: 0, want: r(1, 6)},
		{name: "fewer than keep", n: 3, keep: 4, want: r(1, 3)},
		{name: "the serving one and keep-1 of its parents", n: 12, keep: 3, protect: []int{6}, want: append(r(4, 6), r(10, 12)...)},
		{name: "serving the newest keeps keep in all", n: 12, keep: 2, protect: []int{12}, want: r(11, 12)},
		{name: "in use elsewhere", n: 8, keep: 2, held: []int{2}, want: []int{2, 7, 8}},
		{name: "a kept bundle without Root keeps its chain", n: 8, keep: 2, oldStyle: 8, want: r(1, 8)},
		{name: "the chain of old bundles goes once the kept ones name the root", n: 8, keep: 2, oldStyle: 5, want: r(7, 8)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rootDir, line := pruneLine(t, tc.n, tc.oldStyle)
			var protect []string
			for _, g := range tc.protect {
				protect = append(protect, line[g-1])
			}
			for _, g := range tc.held {
				f, err := os.Open(line[g-1])
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				if ok, err := dirlock.TryLockShared(f); !ok || err != nil {
					t.Fatal(ok, err)
				}
			}
			removed, err := Prune(rootDir, tc.keep, protect...)
			if err != nil {
				t.Fatal(err)
			}
			var left []int
			for i, p := range line {
				if _, err := os.Stat(p); err == nil {
					left = append(left, i+1)
				} else if !slices.Contains(removed, p) {
					t.Errorf("%s is gone but not reported removed", filepath.Base(p))
				}
			}
			if !slices.Equal(left, tc.want) {
				t.Errorf("generations left %v, want %v", left, tc.want)
			}
			if _, err := intent.PeekManifest(rootDir); err != nil {
				t.Errorf("the root: %v", err)
			}
			es, _ := os.ReadDir(filepath.Dir(rootDir))
			for _, e := range es {
				if e.Name()[0] == '.' {
					t.Errorf("%s left behind", e.Name())
				}
			}
		})
	}
}

// r is the generations from to to.
func r(from, to int) []int {
	var out []int
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

// TestPruneLeavesOtherBundles: bundles of another line, of names Promote never makes, and a
// bundle trained from exports under a learnt bundle's name stay; a hidden leftover of a removal
// cut short goes.
func TestPruneLeavesOtherBundles(t *testing.T) {
	rootDir, line := pruneLine(t, 3, 0)
	models := filepath.Dir(rootDir)
	at := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	others := map[string]*intent.Manifest{
		"other-learnt-20261201T000100Z":            {Name: "other", CreatedAt: at, Parent: "other@20261201T000000Z"},
		"shop-learnt-copy":                         {Name: "shop", CreatedAt: at, Parent: "shop@20261201T000000Z"},
		"shop" + learntSuffix + "20261130T000000Z": {Name: "shop", CreatedAt: at.Add(-72 * time.Hour)},
	}
	for name, m := range others {
		p := filepath.Join(models, name)
		if err := os.Mkdir(p, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := intent.WriteManifest(p, m); err != nil {
			t.Fatal(err)
		}
	}
	leftover := filepath.Join(models, "."+filepath.Base(line[0])+prunedMark+"x1")
	if err := os.MkdirAll(filepath.Join(leftover, "index"), 0o755); err != nil {
		t.Fatal(err)
	}
	removed, err := Prune(line[2], 1)
	if err != nil {
		t.Fatal(err)
	}
	if want := line[:2]; !slices.Equal(removed, want) {
		t.Errorf("removed %v, want %v", removed, want)
	}
	for name := range others {
		if _, err := os.Stat(filepath.Join(models, name)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := os.Stat(leftover); !os.IsNotExist(err) {
		t.Errorf("the leftover of an earlier removal stays: %v", err)
	}
}

// TestPruneLearntLine: promotions record the bundle trained from exports as their Root (the gate
// finds it by that once the generations between are gone: train's TestRootOfPrunedLine), and
// the bundle of an open engine is never removed.
func TestPruneLearntLine(t *testing.T) {
	ctx := context.Background()
	models := filepath.Join(t.TempDir(), "models")
	model := filepath.Join(models, "tiny")
	if err := shoptest.TrainTiny(model); err != nil {
		t.Fatal(err)
	}
	root, err := intent.PeekManifest(model)
	if err != nil {
		t.Fatal(err)
	}
	dir := model
	var line []string
	for g := range 3 {
		var fixes []train.Correction
		for i := range 12 {
			fixes = append(fixes, train.Correction{Text: fmt.Sprintf("报销凭证%d号怎么弄%d", g, i), Intent: "invoice", Source: "feedback"})
		}
		res, err := Promote(ctx, dir, fixes, train.LearnConfig{MaxDrop: 0.05})
		if err != nil || !res.Promoted {
			t.Fatalf("generation %d: %+v, %v", g+1, res, err)
		}
		m, err := intent.PeekManifest(res.Bundle)
		if err != nil {
			t.Fatal(err)
		}
		if m.Root != root.Version() {
			t.Errorf("generation %d records root %q, want %s", g+1, m.Root, root.Version())
		}
		dir = res.Bundle
		line = append(line, dir)
	}
	serving, err := intent.Load(ctx, line[0])
	if err != nil {
		t.Fatal(err)
	}
	removed, err := Prune(dir, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(removed, line[1:2]) {
		t.Errorf("removed %v, want the second generation alone (the first serves)", removed)
	}
	if err := serving.Close(); err != nil {
		t.Fatal(err)
	}
	if removed, err := Prune(dir, 1); err != nil || !slices.Equal(removed, line[:1]) {
		t.Errorf("once closed: removed %v, %v; want the first generation", removed, err)
	}
	if p, err := Parent(dir); err == nil {
		t.Errorf("the parent %s is still there", p)
	}
}
