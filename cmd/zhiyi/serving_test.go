package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/serve"
)

// learntCopy copies the fixture bundle to models/tiny and makes models/tiny-learnt-… beside it, a
// bundle learnt from it as far as its manifest says; it returns both directories.
func learntCopy(t *testing.T) (parent, child string) {
	t.Helper()
	bundle, err := fixtureBundle()
	if err != nil {
		t.Fatal(err)
	}
	models := filepath.Join(t.TempDir(), "models")
	parent, child = filepath.Join(models, "tiny"), filepath.Join(models, "tiny-learnt-20261205T000000Z")
	for _, dir := range []string{parent, child} {
		if err := os.CopyFS(dir, os.DirFS(bundle)); err != nil {
			t.Fatal(err)
		}
	}
	pm, err := intent.ReadManifest(parent)
	if err != nil {
		t.Fatal(err)
	}
	cm := *pm
	cm.CreatedAt, cm.Parent, cm.LearntFrom = pm.CreatedAt.Add(time.Hour), pm.Version(), &intent.Learnt{Corrections: 20}
	if err := intent.WriteManifest(child, &cm); err != nil {
		t.Fatal(err)
	}
	return parent, child
}

// zhiyi serve --learn keeps the bundle it serves in --data-dir: a restart serves what learning
// promoted and what a rollback went back to — above --model too — and does not learn again what
// was rolled back; a resumed bundle that no longer loads gives way to --model, the floor kept.
func TestServeResumesLearntBundle(t *testing.T) {
	parent, child := learntCopy(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sf := serveFlags{learn: true, learnEvery: time.Hour, learnMin: defaultLearnMin, record: true,
		storeFlags: storeFlags{dataDir: filepath.Join(t.TempDir(), "data")}, retain: "0"}
	log := slog.New(slog.DiscardHandler)
	// start is zhiyi serve --model model starting; stop it with its wiring's close.
	start := func(model string) (*wiring, *serve.Server) {
		t.Helper()
		return startServing(t, ctx, sf, log, serve.Config{ModelDir: model})
	}
	reload := func(srv *serve.Server, dir string) {
		t.Helper()
		if err := srv.Reload(ctx, dir); err != nil {
			t.Fatal(err)
		}
	}
	pm, err := intent.ReadManifest(parent)
	if err != nil {
		t.Fatal(err)
	}
	cm, err := intent.ReadManifest(child)
	if err != nil {
		t.Fatal(err)
	}

	w, srv := start(parent)
	if srv.ModelDir() != parent {
		t.Errorf("first start serves %s, want --model", srv.ModelDir())
	}
	reload(srv, child) // as learning reloads a promoted bundle
	w.close()

	w, srv = start(parent)
	if srv.ModelDir() != child {
		t.Errorf("restarted after a promotion: serves %s, want %s", srv.ModelDir(), child)
	}
	rolledBack := time.Now()
	reload(srv, parent) // a rollback
	w.close()

	w, srv = start(parent)
	from := w.learning.since(pm.CreatedAt)
	if srv.ModelDir() != parent || from.Before(rolledBack) {
		t.Errorf("restarted after a rollback: serves %s learning from %v, want %s from the rollback (%v)", srv.ModelDir(), from, parent, rolledBack)
	}
	reload(srv, child)
	w.close()

	// the promoted bundle no longer loads (its checksums hold: only the load can tell)
	policy := filepath.Join(child, intent.PolicyFile)
	good, err := os.ReadFile(policy)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(policy, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := intent.WriteManifest(child, cm); err != nil {
		t.Fatal(err)
	}
	w, srv = start(parent)
	if srv.ModelDir() != parent || w.learning.from().Before(rolledBack) {
		t.Errorf("the resumed bundle does not load: serves %s learning from %v, want --model, still from the rollback", srv.ModelDir(), w.learning.from())
	}
	w.close()
	if err := os.WriteFile(policy, good, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := intent.WriteManifest(child, cm); err != nil {
		t.Fatal(err)
	}

	// --model the learnt bundle, rolled back to its parent: the parent again after a restart
	w, srv = start(child)
	reload(srv, parent)
	w.close()
	w, srv = start(child)
	if srv.ModelDir() != parent {
		t.Errorf("--model the child, rolled back to its parent, restarted: serves %s, want the parent", srv.ModelDir())
	}
	w.close()
}

// A serving record is followed only while --model and the recorded bundle are the versions it
// names; its learn-from floor holds whatever serves, unless the record cannot be read.
func TestResumeServingRules(t *testing.T) {
	parent, child := learntCopy(t)
	data := t.TempDir()
	w := &wiring{sf: serveFlags{learn: true, storeFlags: storeFlags{dataDir: data}}, log: slog.New(slog.DiscardHandler)}
	pv, cv := bundleVersion(parent), bundleVersion(child)
	floor := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name      string
		rec       *servingRecord // nil: write raw
		raw       string
		model     string
		want      string
		wantFloor bool
	}{
		{"the child under its --model", &servingRecord{Model: child, Version: cv, Base: pv}, "", parent, child, true},
		{"--model pointed at the child since", &servingRecord{Model: parent, Version: pv, Base: cv}, "", parent, parent, true},
		{"--model retrained (another version)", &servingRecord{Model: child, Version: cv, Base: "tiny@20200101T000000Z"}, "", parent, parent, true},
		{"the recorded bundle changed since", &servingRecord{Model: child, Version: "tiny@20200101T000000Z", Base: pv}, "", parent, parent, true},
		{"the recorded bundle gone", &servingRecord{Model: filepath.Join(data, "gone"), Version: cv, Base: pv}, "", parent, parent, true},
		{"a damaged record", nil, "{not json", parent, parent, false},
		{"a record without its base", nil, `{"model":"/x","version":"tiny@20261204T000000Z"}`, parent, parent, false},
	} {
		var err error
		if c.rec != nil {
			c.rec.LearnFrom = floor
			err = writeServing(data, *c.rec)
		} else {
			err = os.WriteFile(filepath.Join(data, servingFileName), []byte(c.raw), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
		dir, resumed, from := w.resumeServing(c.model, bundleVersion(c.model))
		if dir != c.want || resumed != (c.want != c.model) || from.Equal(floor) != c.wantFloor {
			t.Errorf("%s: %s (resumed %v) learning from %v; want %s, floor kept %v", c.name, dir, resumed, from, c.want, c.wantFloor)
		}
	}
}

// A record that cannot be written leaves the old one as it was: it holds the learn-from floor
// (deleting it lost the floor, and a restart re-learnt what was rolled back); a rollback, which
// changes the floor, writes its record before the swap (TestRollbackKeepsFloorOnFullDisk).
func TestWriteServingFailure(t *testing.T) {
	data := t.TempDir()
	floor := time.Date(2026, 12, 4, 1, 0, 0, 0, time.UTC)
	old := servingRecord{Model: "/m", Version: "m@20261204T000000Z", Base: "m@20261204T000000Z", LearnFrom: floor}
	if err := writeServing(data, old); err != nil {
		t.Fatal(err)
	}
	write := writeFileAtomic
	t.Cleanup(func() { writeFileAtomic = write })
	writeFileAtomic = func(string, []byte) error { return syscall.ENOSPC }
	rec := servingRecord{Model: "/n", Version: "n@20261205T000000Z", Base: "m@20261204T000000Z", LearnFrom: floor}
	if err := writeServing(data, rec); !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "the previous record stays") {
		t.Errorf("a write on a full disk: %v, want ENOSPC, the previous record kept", err)
	}
	if got, err := readServing(filepath.Join(data, servingFileName)); err != nil || got.Model != "/m" || !got.LearnFrom.Equal(floor) {
		t.Errorf("the record after a failed write: %+v, %v; want the previous one, its floor %v", got, err, floor)
	}
}
