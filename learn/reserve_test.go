package learn

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/shoptest"
	"github.com/zhiyi-ai/zhiyi/train"
)

// TestPromoteRemovesKilledReservations: a promotion killed while it learnt (a crash, an OOM
// kill, a deploy) left its reserved name behind as an empty directory beside the bundles, one
// more for every such death. The next promotion removes those of its bundle — empty, unlocked,
// a minute old, and named exactly as zhiyi names them — and nothing else.
func TestPromoteRemovesKilledReservations(t *testing.T) {
	ctx := context.Background()
	models := filepath.Join(t.TempDir(), "models")
	model := filepath.Join(models, "tiny")
	if err := shoptest.TrainTiny(model); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * staleAfter)
	mkdir := func(name string, age time.Time, files ...string) {
		p := filepath.Join(models, name)
		if err := os.Mkdir(p, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if err := os.WriteFile(filepath.Join(p, f), []byte("mine"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Chtimes(p, age, age); err != nil {
			t.Fatal(err)
		}
	}
	mkdir("tiny-learnt-20261206T033000Z", old)   // killed
	mkdir("tiny-learnt-20261206T033000Z-2", old) // killed, the second of its second
	mkdir("tiny-learnt-20260101T000000Z", old)   // killed long ago
	keep := []string{
		"tiny-learnt-20261206T033001Z",      // just made: its promotion may not have locked it yet
		"tiny-learnt-20261206T033002Z",      // holds a file
		"tiny-learnt-backup",                // not a name zhiyi makes
		"tiny-learnt-20261206T033003Z-1",    // nor this (-2 is the first suffix)
		"tiny-learnt-20261206T033004Z-02",   // nor this
		"tiny-learnt-20261306T033000Z",      // nor this (month 13)
		"other-learnt-20261206T033000Z",     // another bundle's
		"tiny-copy-learnt-20261206T033000Z", // another bundle's, whose name begins like this one's
	}
	mkdir(keep[0], time.Now())
	mkdir(keep[1], old, "notes.txt")
	for _, name := range keep[2:] {
		mkdir(name, old)
	}
	var progress bytes.Buffer
	// no corrections: nothing to learn (an error), after the clean-up
	if res, err := Promote(ctx, model, nil, train.LearnConfig{Progress: &progress}); err == nil || res.Promoted {
		t.Fatalf("promote without corrections: %+v, %v; want an error", res, err)
	}
	want := append([]string{"tiny"}, keep...)
	slices.Sort(want)
	es, err := os.ReadDir(models)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		got = append(got, e.Name())
	}
	if !slices.Equal(got, want) {
		t.Errorf("beside the bundle after the next promotion: %q, want %q", got, want)
	}
	if n := strings.Count(progress.String(), "(the empty reservation of a learn that did not finish)\n"); n != 3 {
		t.Errorf("progress says %q, want the 3 reservations removed, one a line", progress.String())
	}
}

// TestCleanReservationsLeavesALiveOne: a promotion that learns for more than a minute still
// holds its reservation (its lock), and a concurrent one does not remove it.
func TestCleanReservationsLeavesALiveOne(t *testing.T) {
	models := t.TempDir()
	model := filepath.Join(models, "shop")
	p, unlock, err := reserve(models, "shop-learnt-20261206T033000Z")
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * staleAfter)
	if err := os.Chtimes(p, old, old); err != nil {
		t.Fatal(err)
	}
	if removed, err := CleanReservations(model); err != nil || len(removed) > 0 {
		t.Fatalf("CleanReservations while it is held: %q, %v; want nothing removed", removed, err)
	}
	unlock() // the promotion died
	if removed, err := CleanReservations(model); err != nil || !slices.Equal(removed, []string{p}) {
		t.Errorf("CleanReservations once released: %q, %v; want %s removed", removed, err, p)
	}
	// a learnt bundle's promotions are named after the original, and cleaned from it too
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Errorf("%s is still there: %v", p, err)
	}
	if got := learntBase(filepath.Join(models, "shop-learnt-20261206T033000Z-2")); got != "shop" {
		t.Errorf("learntBase of a learnt bundle: %s, want shop", got)
	}
}
