package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	iofs "io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/reply"
	"github.com/zhiyi-ai/zhiyi/serve"
)

// servingFileName is where zhiyi serve --learn keeps, in --data-dir, the bundle it serves and
// from when it learns, so that a restart serves what learning promoted (or a rollback went back
// to) and does not learn again what was rolled back. Without it a restart served --model again,
// and the next hour re-learnt every correction since --model was made, rolled-back ones too. It
// is one replica's: each replica with --learn keeps its own in its own --data-dir.
const servingFileName = "serving.json"

// servingRecord is the content of servingFileName.
type servingRecord struct {
	Model   string `json:"model"`   // the bundle serving, its directory absolute
	Version string `json:"version"` // its manifest's version, checked before it is served again
	// Base is the version --model had when the record was written: a restart with --model at
	// another version (retrained, or pointed elsewhere) follows --model instead.
	Base string `json:"base"`
	// LearnFrom is the last switch to an older bundle (a rollback): corrections given before it
	// are not learnt again, whichever bundle serves.
	LearnFrom time.Time `json:"learn_from,omitzero"`
	At        time.Time `json:"at"` // when it was written, for the people who read the file
}

// newServer starts the server over the wired parts, on --model or, with --learn, on the bundle
// the serving record names (resumeServing). A resumed bundle that does not load gives way to
// --model: a restart must not fail where it served before.
func (w *wiring) newServer(cfg serve.Config) (*serve.Server, error) {
	model := cfg.ModelDir
	resumed := false
	if w.sf.learn {
		var learnFrom time.Time
		w.base = bundleVersion(model)
		cfg.ModelDir, resumed, learnFrom = w.resumeServing(model, w.base)
		cfg.ModelsRoot = cmp.Or(cfg.ModelsRoot, filepath.Dir(filepath.Clean(model))) // --model's, as without a record
		w.learning.resume(learnFrom)
	}
	rb := &rollbackRecorder{w: w}
	// after w.options(): this check runs the rules' (checkParts) and then records a rollback
	opts := append(w.options(), serve.WithReloadCheck(rb.check))
	srv, err := serve.New(cfg, rb.load, w.log, opts...)
	if err != nil && resumed {
		w.log.Error("the bundle learning last served does not load: serving --model", slog.String("dir", cfg.ModelDir),
			slog.String("error", err.Error()))
		cfg.ModelDir = model
		srv, err = serve.New(cfg, rb.load, w.log, opts...)
	}
	return srv, err
}

// rollbackRecorder writes, with --learn, the serving record of a switch to an older bundle (a
// rollback) before the server swaps it in, and refuses the switch when it cannot. The record
// keeps the learn-from floor: written after the swap, a failure (--data-dir full) lost it — the
// old record was deleted — and after a restart --learn learnt again and re-promoted the batch
// the operator had rolled back.
type rollbackRecorder struct {
	w  *wiring
	mu sync.Mutex
	// the engine loaded last and its directory: the check is given the engine alone, and runs
	// right after its load, under the same load slot (one engine kept, not one per load: a load
	// whose check never runs would hold its engine)
	last    serve.Engine
	lastDir string
}

// load is the wiring's loader, noting the directory the engine came from.
func (rb *rollbackRecorder) load(ctx context.Context, dir string) (serve.Engine, error) {
	eng, err := rb.w.load(ctx, dir)
	if err == nil && rb.w.sf.learn {
		rb.mu.Lock()
		rb.last, rb.lastDir = eng, dir
		rb.mu.Unlock()
	}
	return eng, err
}

// check is the server's reload check: the rules (checkParts), then the record of a rollback.
func (rb *rollbackRecorder) check(ctx context.Context, candidate serve.Engine) error {
	rb.mu.Lock()
	dir, known := rb.lastDir, rb.last == candidate
	rb.last, rb.lastDir = nil, ""
	rb.mu.Unlock()
	if err := rb.w.checkParts(ctx, candidate); err != nil {
		return err
	}
	m, ok := candidate.(*reply.Model)
	cur := rb.w.serving()
	if !rb.w.sf.learn || !ok || cur == nil || !m.Manifest().CreatedAt.Before(cur.Manifest().CreatedAt) {
		return nil // not a switch to an older bundle (learnWindow.serving's test)
	}
	path := filepath.Join(rb.w.sf.dataDir, servingFileName)
	err := errors.New("the loaded bundle's directory is unknown")
	if known {
		rec := servingRecord{Model: dir, Version: m.Manifest().Version(), Base: rb.w.base, LearnFrom: time.Now()}
		err = writeServingFile(path, rec)
	}
	if err != nil {
		return fmt.Errorf("%w: going back to %s needs %s to keep when learning starts again (else a restart re-learns what is rolled back), and it cannot be written: %w",
			serve.ErrNotRecorded, m.Manifest().Version(), path, err)
	}
	return nil
}

// bundleVersion is the version of the bundle in dir ("" when its manifest cannot be read).
func bundleVersion(dir string) string {
	m, err := intent.PeekManifest(dir)
	if err != nil {
		return ""
	}
	return m.Version()
}

// resumeServing returns the bundle a starting zhiyi serve --learn serves: the one the record in
// --data-dir names, when --model (of version base) is still the version it was written under
// and the recorded bundle still the version it names; else model, with a warning when a record
// was not followed.
// resumed says the record's bundle was chosen. The record's learn-from floor holds either way:
// it only keeps rolled-back corrections out.
func (w *wiring) resumeServing(model, base string) (dir string, resumed bool, learnFrom time.Time) {
	path := filepath.Join(w.sf.dataDir, servingFileName)
	rec, err := readServing(path)
	if errors.Is(err, iofs.ErrNotExist) {
		return model, false, time.Time{}
	}
	if err != nil {
		w.log.Warn("serving --model: the serving record cannot be read", slog.String("file", path), slog.String("error", err.Error()))
		return model, false, time.Time{}
	}
	ignore := func(why string) (string, bool, time.Time) {
		w.log.Warn("serving --model, not the bundle learning last served", slog.String("file", path), slog.String("why", why))
		return model, false, rec.LearnFrom
	}
	if base != rec.Base {
		return ignore(fmt.Sprintf("--model %s is version %s, not %s as when the record was written", model, base, rec.Base))
	}
	if v := bundleVersion(rec.Model); v != rec.Version {
		return ignore(fmt.Sprintf("%s is version %q now, not %s", rec.Model, v, rec.Version))
	}
	if rec.Version == rec.Base {
		return model, false, rec.LearnFrom // --model itself
	}
	w.log.Info("serving the bundle learning last switched to", slog.String("dir", rec.Model), slog.String("model", rec.Version),
		slog.String("file", path), slog.String("instead_of", model))
	return rec.Model, true, rec.LearnFrom
}

// readServing reads a serving record, checking that it names a bundle.
func readServing(path string) (servingRecord, error) {
	var rec servingRecord
	b, err := os.ReadFile(path)
	if err != nil {
		return rec, err
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		return rec, fmt.Errorf("%s: %w", path, err)
	}
	if rec.Model == "" || rec.Version == "" || rec.Base == "" {
		return rec, fmt.Errorf("%s: no model, version or base", path)
	}
	return rec, nil
}

// writeServing records rec in dataDir. When it cannot be written, the old record stays: it holds
// the learn-from floor, which deleting it lost (a restart then re-learnt what was rolled back). It
// names no bundle since rolled back: a rollback writes its record before the swap, or is refused
// (rollbackRecorder). A restart may serve the bundle before a later promotion, and learn again.
func writeServing(dataDir string, rec servingRecord) error {
	path := filepath.Join(dataDir, servingFileName)
	if err := writeServingFile(path, rec); err != nil {
		return fmt.Errorf("%s: %w (the previous record stays)", path, err)
	}
	return nil
}

// writeServingFile writes rec, its bundle's directory made absolute, atomically to path.
func writeServingFile(path string, rec servingRecord) error {
	abs, err := filepath.Abs(rec.Model)
	if err != nil {
		return err
	}
	rec.Model, rec.At = abs, time.Now().UTC()
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return writeFileAtomic(path, append(b, '\n'))
}

// writeFileAtomic is intent.WriteFileAtomic; tests replace it to fail, as a full disk does.
var writeFileAtomic = intent.WriteFileAtomic
