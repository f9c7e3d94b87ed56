package train

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/nlp"
	"github.com/zhiyi-ai/zhiyi/sentiment"
)

// openBundle creates the temporary bundle directory beside Out, first of all: an Out that
// cannot be written fails before the import's minutes, not after them.
func (r *run) openBundle() (bool, error) {
	var err error
	r.tmp, err = intent.NewBundleDir(r.cfg.Out)
	return false, err
}

// startBundle copies into the bundle the parts that come straight from the inputs:
// dictionaries, knowledge base and the segmenter's base lexicon.
func (r *run) startBundle() (bool, error) {
	if err := copyDicts(r.cfg.DictDir, filepath.Join(r.tmp, intent.DictDir)); err != nil {
		return false, err
	}
	if r.cfg.KB != "" {
		if err := copyFile(r.cfg.KB, filepath.Join(r.tmp, intent.KBFile)); err != nil {
			return false, err
		}
	}
	return false, nlp.WriteLexicon(filepath.Join(r.tmp, nlp.LexiconFile))
}

// writeIndex persists the retrieval index once the documents and the policy are final.
func (r *run) writeIndex() (bool, error) {
	return false, intent.WriteIndex(r.ctx, r.tmp)
}

// commit seals the bundle with its manifest and moves it into place.
func (r *run) commit() (bool, error) {
	cfgJSON, err := json.Marshal(struct {
		Fit              FitConfig `json:"fit"`
		RefitEpochs      []int     `json:"refit_epochs"`
		DevSplit         string    `json:"dev_split"`
		SubwordVocab     int       `json:"subword_vocab"`
		MaxFeatures      int       `json:"max_features,omitempty"`
		HistoryPerIntent int       `json:"history_per_intent"`
		TargetPrecision  float64   `json:"target_precision"`
		Labels           []string  `json:"labels"`
		Train            int       `json:"train"`
		Dev              int       `json:"dev"`
	}{r.cfg.Fit, r.sum.RefitEpochs, r.how, r.cfg.SubwordVocab, r.cfg.MaxFeatures, r.cfg.HistoryPerIntent, r.cfg.TargetPrecision,
		r.labels, len(r.trainEx), len(r.devEx)})
	if err != nil {
		return false, err
	}
	m := &intent.Manifest{Name: r.cfg.Name, CreatedAt: time.Now().UTC(), DataFingerprint: fingerprint(r.data.recs, r.devRecs),
		Config: cfgJSON, Metrics: r.metrics}
	// CommitVersion gives it a version no bundle of its name beside it has (a promotion of the
	// same second, the bundle it replaces when made in that second): learnt bundles name their
	// parent by version, and a rollback from a child of the other would land on this one.
	seal := func(m *intent.Manifest) error {
		rep := r.sum.Report
		if rep == nil {
			return nil
		}
		// The report was written before the refit, by an engine named when it was scored: it
		// names the bundle as served, and says what the shipped weights saw.
		rep.Model = m.Version()
		if len(r.sum.RefitEpochs) > 0 && !strings.Contains(rep.Data, "refit") {
			rep.Data += "; these numbers are the model's before its final refit on train and dev together, which the bundle ships"
		}
		return writeReport(r.tmp, rep)
	}
	if err := intent.CommitVersionFunc(r.tmp, r.cfg.Out, m, seal); err != nil {
		return false, err
	}
	r.committed = true
	r.sum.Bundle = r.cfg.Out
	fmt.Fprintf(r.prog, "wrote %s\n", r.cfg.Out)
	return false, nil
}

// writeClassifier writes c atomically, over base's rows when it has them (Classifier.WriteOver;
// nil: standalone).
func writeClassifier(path string, c, base *intent.Classifier) error {
	var b strings.Builder
	if _, err := c.WriteOver(&b, base); err != nil {
		return err
	}
	return intent.WriteFileAtomic(path, []byte(b.String()))
}

func writeJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return intent.WriteFileAtomic(path, append(data, '\n'))
}

func copyDicts(from, to string) error {
	if from == "" {
		return nil
	}
	if err := os.MkdirAll(to, 0o755); err != nil {
		return err
	}
	for _, name := range append(slices.Clone(nlp.DictFiles), sentiment.LexiconFile) {
		err := copyFile(filepath.Join(from, name), filepath.Join(to, name))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

func copyFile(from, to string) error {
	data, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return intent.WriteFileAtomic(to, data)
}

// fingerprint identifies the training data by content (masked text and labels, in order).
func fingerprint(sets ...[]record) string {
	h := sha256.New()
	for _, set := range sets {
		for _, r := range set {
			io.WriteString(h, r.text)
			h.Write([]byte{0})
			io.WriteString(h, r.intent)
			h.Write([]byte{'\n'})
		}
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}
