package main

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	iofs "io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/learn"
	"github.com/zhiyi-ai/zhiyi/serve"
)

// servingFileName is where zhiyi serve --learn keeps, in --data-dir, the bundle it serves and
// from when it learns, so that a restart serves what learning promoted (or a rollback went back
// to) and does not learn again what was rolled back. Without it a restart served --model again,
// and the next hour re-learnt every correction since --model was made, rolled-back ones too.
const servingFileName = "serving.json"

// servingRecord is the content of servingFileName.
type servingRecord struct {
	Model   string `json:"model"`   // the bundle's directory, absolute
	Version string `json:"version"` // its manifest's version, checked before it is served again
	// LearnFrom is the last switch to an older bundle (a rollback): corrections given before it
	// are not learnt again.
	LearnFrom time.Time `json:"learn_from,omitzero"`
	At        time.Time `json:"at"` // when it was written
}

// newServer starts the server over the wired parts, on --model or, with --learn, on the bundle
// the serving record names (resumeServing). A resumed bundle that does not load gives way to
// --model: a restart must not fail where it served before.
func (w *wiring) newServer(cfg serve.Config) (*serve.Server, error) {
	model, learnFrom := cfg.ModelDir, time.Time{}
	if w.sf.learn {
		cfg.ModelDir, learnFrom = resumeServing(model, w.sf.dataDir, w.log)
		cfg.ModelsRoot = cmp.Or(cfg.ModelsRoot, filepath.Dir(filepath.Clean(model))) // --model's, as without a record
	}
	w.learning.resume(learnFrom)
	srv, err := serve.New(cfg, w.load, w.log, w.options()...)
	if err != nil && cfg.ModelDir != model {
		w.log.Error("the bundle learning last served does not load: serving --model", slog.String("bundle", cfg.ModelDir),
			slog.String("error", err.Error()))
		cfg.ModelDir = model
		w.learning.resume(time.Time{})
		srv, err = serve.New(cfg, w.load, w.log, w.options()...)
	}
	return srv, err
}

// resumeServing returns the bundle a starting zhiyi serve --learn serves: the one the record in
// dataDir names when it is model itself or was learnt from it (model's lineage), with the learn
// window's floor; model otherwise, with a warning when a record was there but not followed. An
// operator who retrains model from exports starts a new line: the record of the old one is
// ignored (and replaced at the next reload).
func resumeServing(model, dataDir string, log *slog.Logger) (dir string, learnFrom time.Time) {
	path := filepath.Join(dataDir, servingFileName)
	rec, err := readServing(path)
	if errors.Is(err, iofs.ErrNotExist) {
		return model, time.Time{}
	}
	ignore := func(why string) (string, time.Time) {
		log.Warn("serving --model: the bundle learning last served is not resumed", slog.String("file", path), slog.String("why", why))
		return model, time.Time{}
	}
	if err != nil {
		return ignore(err.Error())
	}
	mm, err := intent.ReadManifest(model)
	if err != nil {
		return model, time.Time{} // the load reports it
	}
	rm, err := intent.ReadManifest(rec.Model)
	switch {
	case err != nil:
		return ignore(fmt.Sprintf("%s: %v", rec.Model, err))
	case rm.Version() != rec.Version:
		return ignore(fmt.Sprintf("%s is version %s now, not %s", rec.Model, rm.Version(), rec.Version))
	}
	ok, err := learn.Descends(rec.Model, mm.Version())
	switch {
	case err != nil:
		return ignore(err.Error())
	case !ok:
		return ignore(fmt.Sprintf("%s (%s) was not learnt from --model %s (%s)", rec.Model, rec.Version, model, mm.Version()))
	}
	if rec.Version != mm.Version() {
		log.Info("serving the bundle learning last switched to, learnt from --model", slog.String("model", rec.Model),
			slog.String("version", rec.Version), slog.String("from", model), slog.String("file", path))
	}
	return rec.Model, rec.LearnFrom
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
	if rec.Model == "" || rec.Version == "" {
		return rec, fmt.Errorf("%s: no model or version", path)
	}
	return rec, nil
}

// writeServing records that the bundle in dir (of version version) serves, learning from
// learnFrom on.
func writeServing(dataDir, dir, version string, learnFrom time.Time) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(servingRecord{Model: abs, Version: version, LearnFrom: learnFrom, At: time.Now().UTC()}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return err
	}
	return intent.WriteFileAtomic(filepath.Join(dataDir, servingFileName), append(b, '\n'))
}
