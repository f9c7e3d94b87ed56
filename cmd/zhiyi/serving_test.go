package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
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
// promoted, and after a rollback does not learn again what was rolled back; a resumed bundle that
// no longer loads, a record of another line (--model retrained from exports) or a damaged record
// give way to --model.
func TestServeResumesLearntBundle(t *testing.T) {
	parent, child := learntCopy(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	data := filepath.Join(t.TempDir(), "data")
	sf := serveFlags{learn: true, learnEvery: time.Hour, learnMin: defaultLearnMin, record: true,
		storeFlags: storeFlags{dataDir: data}, retain: "0"}
	log := slog.New(slog.DiscardHandler)
	// start is zhiyi serve --model parent starting; stop it with its wiring's close.
	start := func() (*wiring, *serve.Server) {
		t.Helper()
		w, err := wire(ctx, serve.Config{ModelDir: parent}, sf, log)
		if err != nil {
			t.Fatal(err)
		}
		srv, err := w.newServer(serve.Config{ModelDir: parent})
		if err != nil {
			w.close()
			t.Fatal(err)
		}
		w.started(ctx, srv)
		return w, srv
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

	w, srv := start()
	if srv.ModelDir() != parent {
		t.Errorf("first start serves %s, want --model", srv.ModelDir())
	}
	reload(srv, child) // as learning reloads a promoted bundle
	w.close()

	w, srv = start()
	if srv.ModelDir() != child {
		t.Errorf("restarted after a promotion: serves %s, want %s", srv.ModelDir(), child)
	}
	rolledBack := time.Now()
	reload(srv, parent) // a rollback
	w.close()

	w, srv = start()
	from := w.learning.since(pm.CreatedAt)
	if srv.ModelDir() != parent || from.Before(rolledBack) {
		t.Errorf("restarted after a rollback: serves %s learning from %v, want %s from the rollback (%v)", srv.ModelDir(), from, parent, rolledBack)
	}
	reload(srv, child)
	w.close()

	// the promoted bundle no longer loads (its checksums hold: only the load can tell): --model serves
	if err := os.WriteFile(filepath.Join(child, intent.PolicyFile), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := intent.WriteManifest(child, cm); err != nil {
		t.Fatal(err)
	}
	w, srv = start()
	if srv.ModelDir() != parent || !w.learning.from().IsZero() {
		t.Errorf("the resumed bundle damaged: serves %s learning from %v, want --model", srv.ModelDir(), w.learning.from())
	}
	w.close()

	// recordChild records the child as serving, its checksums made right again
	recordChild := func() {
		t.Helper()
		if err := intent.WriteManifest(child, cm); err != nil {
			t.Fatal(err)
		}
		if err := writeServing(data, child, cm.Version(), time.Time{}); err != nil {
			t.Fatal(err)
		}
		if dir, _ := resumeServing(parent, data, log); dir != child {
			t.Fatalf("a record of the child, learnt from --model: resumes %s", dir)
		}
	}
	for _, c := range []struct {
		name  string
		setup func()
	}{
		{"a bundle changed since", func() {
			recordChild()
			f, err := os.OpenFile(filepath.Join(child, intent.ExamplesFile), os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteString(`{"text":"x","intent":"y"}` + "\n")
			f.Close()
		}},
		{"--model retrained from exports", func() {
			recordChild()
			pm.CreatedAt = pm.CreatedAt.Add(2 * time.Hour) // a new version, which the child does not descend from
			if err := intent.WriteManifest(parent, pm); err != nil {
				t.Fatal(err)
			}
		}},
		{"a damaged record", func() {
			if err := os.WriteFile(filepath.Join(data, servingFileName), []byte("{not json"), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		c.setup()
		if dir, from := resumeServing(parent, data, log); dir != parent || !from.IsZero() {
			t.Errorf("%s: resumes %s learning from %v, want --model", c.name, dir, from)
		}
	}
}
