package intent

import (
	"path/filepath"
	"testing"
	"time"
)

// TestCommitVersionOrdersAsCreated: a version's Seq says which of one second's bundles came
// later, and so must its creation time, which the service orders bundles by (a reload of an
// older bundle is a rollback: --learn's floor and the serving record; the 模型 page lists by
// it). A writer stamps its manifest and then waits for the models directory's lock while
// another commits: the one that committed first took name@second, the waiting one got -2 with
// an earlier created_at, so that shop@…-2 listed as older than shop@…, and loading it after
// shop@… read as going back. The same for a child committed in its parent's second with a
// stamp before the parent's (a parent from a clock a little ahead).
func TestCommitVersionOrdersAsCreated(t *testing.T) {
	parent := t.TempDir()
	second := time.Date(2026, 12, 6, 5, 54, 35, 0, time.UTC)
	commit := func(name string, m *Manifest) *Manifest {
		t.Helper()
		out := filepath.Join(parent, name)
		tmp, err := NewBundleDir(out)
		if err != nil {
			t.Fatal(err)
		}
		fakeBundle(t, tmp)
		if err := CommitVersionFunc(tmp, out, m, nil); err != nil {
			t.Fatal(err)
		}
		got, err := ReadManifest(out)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	first := commit("shop-learnt-a", &Manifest{Name: "shop", CreatedAt: second.Add(900 * time.Millisecond)})
	waited := commit("shop-learnt-b", &Manifest{Name: "shop", CreatedAt: second.Add(100 * time.Millisecond)})
	if waited.Version() != "shop@20261206T055435Z-2" {
		t.Fatalf("the second commit of the second: version %s, want shop@20261206T055435Z-2", waited.Version())
	}
	if !waited.CreatedAt.After(first.CreatedAt) {
		t.Errorf("%s was created at %v, before %s (%v): versions and creation times order them differently",
			waited.Version(), waited.CreatedAt.Format(time.RFC3339Nano), first.Version(), first.CreatedAt.Format(time.RFC3339Nano))
	}
	child := commit("shop-learnt-c", &Manifest{Name: "shop", CreatedAt: second.Add(500 * time.Millisecond), Parent: waited.Version()})
	if child.Version() != "shop@20261206T055435Z-3" || !child.CreatedAt.After(waited.CreatedAt) {
		t.Errorf("a child of %s stamped before it: %s created %v, want -3 after %v", waited.Version(), child.Version(),
			child.CreatedAt.Format(time.RFC3339Nano), waited.CreatedAt.Format(time.RFC3339Nano))
	}
	// at the end of a second, the move past the others lands in the next one
	last := commit("late", &Manifest{Name: "late", CreatedAt: second.Add(time.Second - time.Nanosecond)})
	next := commit("late-2", &Manifest{Name: "late", CreatedAt: second.Add(time.Second - time.Nanosecond)})
	if last.Version() != "late@20261206T055435Z" || next.Version() != "late@20261206T055436Z" || !next.CreatedAt.After(last.CreatedAt) {
		t.Errorf("two stamped at a second's last nanosecond: %s (%v) and %s (%v), want late@…35Z and late@…36Z",
			last.Version(), last.CreatedAt.Format(time.RFC3339Nano), next.Version(), next.CreatedAt.Format(time.RFC3339Nano))
	}
}
