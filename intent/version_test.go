package intent

import (
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestCommitVersionKeepsVersionsApart: bundles of one name made in one second had one version
// (shop@<second>), so a learnt bundle's parent, and a rollback to it, could be either. Each now
// gets its own, ordered as they were committed, and a child made in its parent's second (the
// parent elsewhere: --out) comes after it.
func TestCommitVersionKeepsVersionsApart(t *testing.T) {
	parent := t.TempDir()
	second := time.Date(2026, 12, 6, 5, 54, 35, 0, time.UTC)
	commit := func(out string, m *Manifest) *Manifest {
		t.Helper()
		tmp, err := NewBundleDir(out)
		if err != nil {
			t.Fatal(err)
		}
		fakeBundle(t, tmp)
		if err := CommitVersion(tmp, out, m); err != nil {
			t.Fatal(err)
		}
		got, err := ReadManifest(out)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	var versions []string
	for i := range 3 {
		m := commit(filepath.Join(parent, fmt.Sprint("shop-learnt-", i)), &Manifest{Name: "shop", CreatedAt: second.Add(time.Duration(i) * time.Millisecond)})
		versions = append(versions, m.Version())
	}
	if want := []string{"shop@20261206T055435Z", "shop@20261206T055435Z-2", "shop@20261206T055435Z-3"}; !slices.Equal(versions, want) {
		t.Errorf("three bundles in one second: versions %q, want %q", versions, want)
	}
	// another name, or another second, is not held back by them
	if m := commit(filepath.Join(parent, "other"), &Manifest{Name: "other", CreatedAt: second}); m.Version() != "other@20261206T055435Z" {
		t.Errorf("another name's version %s, want other@20261206T055435Z", m.Version())
	}
	if m := commit(filepath.Join(parent, "next"), &Manifest{Name: "shop", CreatedAt: second.Add(time.Second)}); m.Version() != "shop@20261206T055436Z" {
		t.Errorf("the next second's version %s, want shop@20261206T055436Z", m.Version())
	}
	// a parent that is not beside out still counts
	m := commit(filepath.Join(t.TempDir(), "elsewhere"), &Manifest{Name: "shop", CreatedAt: second, Parent: "shop@20261206T055435Z-3"})
	if m.Version() != "shop@20261206T055435Z-4" {
		t.Errorf("a child of shop@20261206T055435Z-3 in its second: version %s, want shop@20261206T055435Z-4", m.Version())
	}
}

// TestCommitVersionConcurrent: writers committing at once (two replicas over one models
// directory) choose one at a time.
func TestCommitVersionConcurrent(t *testing.T) {
	parent := t.TempDir()
	second := time.Date(2026, 12, 6, 5, 54, 35, 0, time.UTC)
	tmps := make([]string, 6)
	for i := range tmps {
		tmp, err := NewBundleDir(filepath.Join(parent, fmt.Sprint("b", i)))
		if err != nil {
			t.Fatal(err)
		}
		fakeBundle(t, tmp)
		tmps[i] = tmp
	}
	var wg sync.WaitGroup
	for i, tmp := range tmps {
		wg.Go(func() {
			if err := CommitVersion(tmp, filepath.Join(parent, fmt.Sprint("b", i)), &Manifest{Name: "shop", CreatedAt: second}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for i := range tmps {
		m, err := ReadManifest(filepath.Join(parent, fmt.Sprint("b", i)))
		if err != nil {
			t.Fatal(err)
		}
		if seen[m.Version()] {
			t.Errorf("version %s given twice", m.Version())
		}
		seen[m.Version()] = true
	}
}
