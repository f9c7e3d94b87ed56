package train

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/zhiyi-ai/zhiyi/index"
	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/nlp"
)

// Config is everything `zhiyi train` needs.
type Config struct {
	Data    []string   // export files or directories
	Dev     string     // explicit dev file; "" splits the data
	KB      string     // knowledge base (kb.yaml); "" for none
	DictDir string     // dictionary directory; "" for none
	Out     string     // bundle directory to write
	Name    string     // bundle name; default: base name of Out
	CSV     CSVColumns // CSV column mapping
	// MaxTextBytes skips longer messages at import (Importer.MaxTextBytes): 0 is
	// DefaultMaxTextBytes, the serving limit; negative, none.
	MaxTextBytes int

	DevDays  int     // with timestamps: the newest DevDays days are the dev split
	DevShare float64 // without timestamps: this share of the data is the dev split
	// SubwordVocab is the BPE vocabulary size; 0 picks a default, a negative value turns
	// subwords off.
	SubwordVocab int
	// HistoryPerIntent caps the labelled history messages indexed per intent.
	HistoryPerIntent int
	TargetPrecision  float64 // dev precision the auto threshold must reach
	// Refit says when the final classifier is trained again on train and dev together, once
	// dev has chosen the epochs, calibration and thresholds: RefitAuto (when dev is the newest
	// weeks of the data — measured on the sample shop's holdout, +1 point; on randomly carved dev
	// splits of public data it cost about as much), RefitAlways or RefitNever.
	Refit string
	Fit   FitConfig

	Progress io.Writer // progress lines; nil for none
}

// DefaultConfig returns the defaults of `zhiyi train`.
func DefaultConfig() Config {
	return Config{CSV: DefaultCSVColumns(), DevDays: 14, DevShare: 0.1, HistoryPerIntent: 150,
		TargetPrecision: 0.95, Fit: DefaultFitConfig(), Refit: RefitAuto}
}

// The refit choices of Config.Refit.
const (
	RefitAuto   = "auto"
	RefitAlways = "always"
	RefitNever  = "never"
)

// Summary reports what training did.
type Summary struct {
	Import    ImportStats `json:"import"`
	DevImport ImportStats `json:"dev_import,omitempty"`
	Train     int         `json:"train"`
	Dev       int         `json:"dev"`
	DevSplit  string      `json:"dev_split"`
	Dropped   int         `json:"dropped_unknown_intent"`
	Fit       FitResult   `json:"fit"`
	// RefitEpochs are the epochs of each run of the final refit on train and dev (none: no refit).
	RefitEpochs []int             `json:"refit_epochs,omitempty"`
	Policy      intent.Policy     `json:"policy"`
	Classifier  *Report           `json:"classifier_only,omitempty"` // dev report, classifier alone
	Report      *Report           `json:"report,omitempty"`          // dev report, fused ranker
	Durations   map[string]string `json:"durations"`
	Bundle      string            `json:"bundle"`
}

// record is one imported message, masked: raw text never outlives the import callback.
type record struct {
	text   string
	intent string
	time   time.Time
}

// Run trains a model bundle from exported chats. The bundle is assembled in a temporary directory
// and moved into place only when complete.
func Run(ctx context.Context, cfg Config) (*Summary, error) {
	if cfg.Out == "" {
		return nil, errors.New("train: no output directory (--out)")
	}
	switch cfg.Refit {
	case RefitAuto, RefitAlways, RefitNever:
	case "":
		cfg.Refit = RefitAuto
	default:
		return nil, fmt.Errorf("train: refit %q: want auto, always or never", cfg.Refit)
	}
	if len(cfg.Data) == 0 {
		return nil, errors.New("train: no data (--data)")
	}
	if cfg.Name == "" {
		cfg.Name = filepath.Base(filepath.Clean(cfg.Out))
	}
	prog := cfg.Progress
	if prog == nil {
		prog = io.Discard
	}
	sum := &Summary{Durations: map[string]string{}}
	lap := time.Now()
	stage := func(name string) {
		sum.Durations[name] = time.Since(lap).Round(time.Millisecond).String()
		lap = time.Now()
	}

	dicts, err := nlp.LoadDictionaries(cfg.DictDir)
	if err != nil {
		return nil, err
	}
	var kb *index.KB
	if cfg.KB != "" {
		if kb, err = index.LoadKB(cfg.KB); err != nil {
			return nil, err
		}
	}

	// Load the segmenter's dictionary first: it is the one slow step that does not depend on
	// the data, and timing it apart keeps the other stages honest.
	if _, err := nlp.NewWith(dicts, nil); err != nil {
		return nil, err
	}
	stage("dictionary")

	fmt.Fprintf(prog, "importing %s\n", strings.Join(cfg.Data, ", "))
	recs, stats, err := importRecords(ctx, cfg.Data, cfg.CSV, cfg.MaxTextBytes)
	if err != nil {
		return nil, err
	}
	sum.Import = stats
	fmt.Fprintf(prog, "import: %s\n", stats)
	for _, p := range stats.Problems {
		fmt.Fprintf(prog, "  malformed: %s\n", p)
	}
	var devRecs []record
	if cfg.Dev != "" {
		if devRecs, sum.DevImport, err = importRecords(ctx, []string{cfg.Dev}, cfg.CSV, cfg.MaxTextBytes); err != nil {
			return nil, err
		}
		fmt.Fprintf(prog, "dev import: %s\n", sum.DevImport)
	}

	// Keep labels the knowledge base knows (plus none); the ranker must never answer with an
	// intent that has no answer.
	known := func(l string) bool {
		return kb == nil || l == intent.NoneIntent || hasIntent(kb, l)
	}
	var labelled, unlabelled []record
	unknown := map[string]int{}
	for _, r := range recs {
		switch {
		case r.intent == "":
			unlabelled = append(unlabelled, r)
		case known(r.intent):
			labelled = append(labelled, r)
		default:
			unknown[r.intent]++
			sum.Dropped++
		}
	}
	if len(unknown) > 0 {
		fmt.Fprintf(prog, "warning: %d labelled messages name intents missing from the knowledge base and were left out: %v\n", sum.Dropped, unknown)
	}
	trainRecs, devSplit, how := splitDev(labelled, devRecs, cfg)
	timeSplit := strings.HasPrefix(how, splitByTime)
	devSplit = slices.DeleteFunc(devSplit, func(r record) bool { return r.intent == "" || !known(r.intent) })
	sum.DevSplit = how
	if len(trainRecs) == 0 {
		return nil, fmt.Errorf("train: no labelled messages to train on (%s)", stats)
	}
	fmt.Fprintf(prog, "split: %d train, %d dev (%s), %d unlabelled\n", len(trainRecs), len(devSplit), how, len(unlabelled))
	stage("import")

	tmp, err := intent.NewBundleDir(cfg.Out)
	if err != nil {
		return nil, err
	}
	committed := false
	defer func() {
		if !committed {
			intent.RemoveBundleDir(tmp) // and its lock
		}
	}()
	if err := copyDicts(cfg.DictDir, filepath.Join(tmp, intent.DictDir)); err != nil {
		return nil, err
	}
	if cfg.KB != "" {
		if err := copyFile(cfg.KB, filepath.Join(tmp, intent.KBFile)); err != nil {
			return nil, err
		}
	}

	if err := nlp.WriteLexicon(filepath.Join(tmp, nlp.LexiconFile)); err != nil {
		return nil, err
	}
	stage("lexicon")

	// Subwords learn from every training-period message, labelled or not.
	subDir := ""
	if cfg.SubwordVocab >= 0 {
		var texts []string
		for _, r := range trainRecs {
			texts = append(texts, r.text)
		}
		for _, r := range unlabelled {
			texts = append(texts, r.text)
		}
		vocab := cfg.SubwordVocab
		if vocab == 0 {
			vocab = min(8000, max(500, len(texts)))
		}
		subDir = filepath.Join(tmp, intent.SubwordDir)
		if err := os.MkdirAll(subDir, 0o755); err != nil {
			return nil, err
		}
		if err := nlp.TrainSubword(texts, vocab, 3, subDir); err != nil {
			return nil, err
		}
		fmt.Fprintf(prog, "subword: BPE with vocabulary %d trained on %d messages\n", vocab, len(texts))
	}
	stage("subword")

	an, err := nlp.NewWith(dicts, nil)
	if err != nil {
		return nil, err
	}
	if subDir != "" {
		sub, err := nlp.LoadSubword(subDir)
		if err != nil {
			return nil, err
		}
		if an, err = nlp.NewWith(dicts, sub); err != nil {
			return nil, err
		}
	}
	labels := labelList(trainRecs, devSplit)
	li := map[string]int{}
	for i, l := range labels {
		li[l] = i
	}
	toExamples := func(rs []record) []Example {
		out := make([]Example, 0, len(rs))
		for _, r := range rs {
			j, ok := li[r.intent]
			if !ok {
				continue // a dev label never seen in training cannot be learnt
			}
			out = append(out, Example{Features: an.Analyze(r.text).Features, Label: j})
		}
		return out
	}
	trainEx, devEx := toExamples(trainRecs), toExamples(devSplit)
	sum.Train, sum.Dev = len(trainEx), len(devEx)
	stage("analyze")

	fmt.Fprintf(prog, "fitting %d intents on %d messages\n", len(labels), len(trainEx))
	clf, fit, err := Fit(ctx, trainEx, devEx, labels, cfg.Fit, prog)
	if err != nil {
		return nil, err
	}
	sum.Fit = fit
	if err := writeClassifier(filepath.Join(tmp, intent.ClassifierFile), clf); err != nil {
		return nil, err
	}
	if err := writeHistory(filepath.Join(tmp, intent.ExamplesFile), trainRecs, cfg.HistoryPerIntent); err != nil {
		return nil, err
	}
	stage("fit")

	// Calibrate, then fit the ranker and the thresholds on dev.
	policy := intent.DefaultPolicy()
	policy.TargetPrecision = cfg.TargetPrecision
	if err := writeJSON(filepath.Join(tmp, intent.PolicyFile), policy); err != nil {
		return nil, err
	}
	eng, err := intent.LoadUnverified(ctx, tmp, cfg.Name)
	if err != nil {
		return nil, err
	}
	var items []scored
	for _, r := range devSplit {
		if j, ok := li[r.intent]; ok {
			items = append(items, scored{scores: eng.ScoreAll(ctx, eng.Analyzer().Analyze(r.text)), label: j})
		}
	}
	eng.Close()
	if len(items) > 0 {
		policy.Temperature = fitTemperature(items)
		policy.Fusion = fitFusion(items, policy.Temperature)
		policy.RetrievalGate, items = chooseGate(items, policy.Fusion, policy.Temperature, 0.002)
		var preds []prediction
		var buf []float64
		for _, it := range items {
			buf = intent.Fuse(it.scores, policy.Fusion, policy.Temperature, buf[:0])
			b := argmax(buf)
			preds = append(preds, prediction{intent: labels[b], confidence: buf[b], correct: b == it.label})
		}
		choosePolicy(&policy, preds, cfg.TargetPrecision, 40)
		fmt.Fprintf(prog, "calibration: temperature %.3f; fusion %+v; retrieval below %.2f; auto ≥ %.3f (%d per-intent), suggest ≥ %.3f\n",
			policy.Temperature, policy.Fusion, policy.RetrievalGate, policy.Auto, len(policy.AutoByIntent), policy.Suggest)
	} else {
		fmt.Fprintln(prog, "warning: no dev data: default thresholds, no fusion weights fitted")
	}
	sum.Policy = policy
	stage("calibrate")

	devLabelled := make([]Labelled, 0, len(devSplit))
	for _, r := range devSplit {
		devLabelled = append(devLabelled, Labelled{Text: r.text, Intent: r.intent})
	}
	// Classifier alone (fusion off) against the fused ranker, on the same dev split.
	if len(devLabelled) > 0 {
		alone := policy
		alone.Fusion = intent.Fusion{Classifier: 1}
		if sum.Classifier, err = evaluateWith(ctx, tmp, cfg.Name, alone, devLabelled, "dev (classifier only)"); err != nil {
			return nil, err
		}
	}
	if err := writeJSON(filepath.Join(tmp, intent.PolicyFile), policy); err != nil {
		return nil, err
	}
	metrics := map[string]float64{}
	if len(devLabelled) > 0 {
		if sum.Report, err = evaluateWith(ctx, tmp, cfg.Name, policy, devLabelled, "dev split ("+how+"), held out from training"); err != nil {
			return nil, err
		}
		metrics = sum.Report.Metrics()
		metrics["classifier_only_accuracy"] = sum.Classifier.Accuracy
		metrics["classifier_only_macro_f1"] = sum.Classifier.MacroF1
		if err := writeReport(tmp, sum.Report); err != nil {
			return nil, err
		}
		fmt.Fprintf(prog, "dev: accuracy %.4f (classifier alone %.4f), macro-F1 %.4f, auto %.1f%% at precision %.4f, out-of-scope P %.3f R %.3f\n",
			sum.Report.Accuracy, sum.Classifier.Accuracy, sum.Report.MacroF1, 100*sum.Report.AutoCoverage,
			sum.Report.AutoPrecision, sum.Report.OutOfScope.Precision, sum.Report.OutOfScope.Recall)
	}
	stage("evaluate")

	// Refit on train and dev together, with the epochs early stopping chose: the dev weeks are
	// the newest data and the model should learn from them too. Calibration, fusion, thresholds
	// and the report above were measured on dev while it was held out, so they stay honest
	// estimates for the refitted model.
	refit := cfg.Refit == RefitAlways || cfg.Refit == RefitAuto && timeSplit
	if refit && len(devEx) > 0 {
		refitCfg := cfg.Fit
		refitCfg.RunEpochs = fit.BestEpochs
		all := append(slices.Clip(trainEx), devEx...)
		fmt.Fprintf(prog, "refit: %d messages (train and dev), epochs %v\n", len(all), refitCfg.RunEpochs)
		if clf, _, err = Fit(ctx, all, nil, labels, refitCfg, nil); err != nil {
			return nil, err
		}
		if err := writeClassifier(filepath.Join(tmp, intent.ClassifierFile), clf); err != nil {
			return nil, err
		}
		if err := writeHistory(filepath.Join(tmp, intent.ExamplesFile), append(slices.Clip(trainRecs), devSplit...), cfg.HistoryPerIntent); err != nil {
			return nil, err
		}
		sum.RefitEpochs = fit.BestEpochs
		stage("refit")
	}

	cfgJSON, _ := json.Marshal(struct {
		Fit              FitConfig `json:"fit"`
		RefitEpochs      []int     `json:"refit_epochs"`
		DevSplit         string    `json:"dev_split"`
		SubwordVocab     int       `json:"subword_vocab"`
		HistoryPerIntent int       `json:"history_per_intent"`
		TargetPrecision  float64   `json:"target_precision"`
		Labels           []string  `json:"labels"`
		Train            int       `json:"train"`
		Dev              int       `json:"dev"`
	}{cfg.Fit, sum.RefitEpochs, how, cfg.SubwordVocab, cfg.HistoryPerIntent, cfg.TargetPrecision, labels, len(trainEx), len(devEx)})
	if err := intent.WriteIndex(ctx, tmp); err != nil {
		return nil, err
	}
	stage("index")
	m := &intent.Manifest{Name: cfg.Name, CreatedAt: time.Now().UTC(), DataFingerprint: fingerprint(recs, devRecs),
		Config: cfgJSON, Metrics: metrics}
	if err := intent.WriteManifest(tmp, m); err != nil {
		return nil, err
	}
	if err := intent.CommitBundle(tmp, cfg.Out); err != nil {
		return nil, err
	}
	committed = true
	sum.Bundle = cfg.Out
	stage("write")
	fmt.Fprintf(prog, "wrote %s\n", cfg.Out)
	return sum, nil
}

func evaluateWith(ctx context.Context, dir, name string, p intent.Policy, data []Labelled, what string) (*Report, error) {
	if err := writeJSON(filepath.Join(dir, intent.PolicyFile), p); err != nil {
		return nil, err
	}
	eng, err := intent.LoadUnverified(ctx, dir, name)
	if err != nil {
		return nil, err
	}
	defer eng.Close()
	return Evaluate(ctx, eng, data, what, nil)
}

func writeReport(dir string, r *Report) error {
	if err := writeJSON(filepath.Join(dir, intent.ReportJSONFile), r); err != nil {
		return err
	}
	var b strings.Builder
	if err := r.WriteHTML(&b); err != nil {
		return err
	}
	return intent.WriteFileAtomic(filepath.Join(dir, intent.ReportHTMLFile), []byte(b.String()))
}

func hasIntent(kb *index.KB, id string) bool {
	_, ok := kb.Intent(id)
	return ok
}

func importRecords(ctx context.Context, paths []string, cols CSVColumns, maxText int) ([]record, ImportStats, error) {
	im := NewImporter()
	im.CSV = cols
	im.MaxTextBytes = maxText
	var recs []record
	err := im.Import(ctx, paths, func(m Message) error {
		text, _ := nlp.Mask(nlp.Normalize(m.Text))
		recs = append(recs, record{text: text, intent: m.Intent, time: m.Time})
		return nil
	})
	return recs, im.Stats(), err
}

// splitByTime starts the description of a dev split made of the newest messages.
const splitByTime = "by time:"

// splitDev picks the dev split: an explicit dev file; else the newest DevDays days when every
// message has a time; else a deterministic DevShare of the messages chosen by a hash of the text.
func splitDev(labelled, explicit []record, cfg Config) (train, dev []record, how string) {
	if explicit != nil {
		return labelled, explicit, "dev file " + cfg.Dev
	}
	if len(labelled) == 0 {
		return nil, nil, "none"
	}
	timed := true
	var newest time.Time
	for _, r := range labelled {
		if r.time.IsZero() {
			timed = false
			break
		}
		if r.time.After(newest) {
			newest = r.time
		}
	}
	if timed && cfg.DevDays > 0 {
		cut := newest.AddDate(0, 0, -cfg.DevDays)
		for _, r := range labelled {
			if r.time.After(cut) {
				dev = append(dev, r)
			} else {
				train = append(train, r)
			}
		}
		share := float64(len(dev)) / float64(len(labelled))
		if share >= 0.05 && share <= 0.5 {
			return train, dev, fmt.Sprintf("%s messages after %s", splitByTime, cut.Format("2006-01-02"))
		}
		train, dev = nil, nil
	}
	if cfg.DevShare <= 0 {
		return labelled, nil, "none"
	}
	for _, r := range labelled {
		h := fnv.New32a()
		h.Write([]byte(r.text))
		if float64(h.Sum32()%10000)/10000 < cfg.DevShare {
			dev = append(dev, r)
		} else {
			train = append(train, r)
		}
	}
	return train, dev, fmt.Sprintf("by hash: %.0f%% of messages", 100*cfg.DevShare)
}

func labelList(sets ...[]record) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range sets[0] {
		if !seen[r.intent] {
			seen[r.intent] = true
			out = append(out, r.intent)
		}
	}
	sort.Strings(out)
	return out
}

// writeHistory stores labelled training messages (masked) for the retrieval index, at most
// perIntent per intent, chosen deterministically (newest first when times are known).
func writeHistory(path string, recs []record, perIntent int) error {
	sorted := slices.Clone(recs)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].time.After(sorted[j].time) })
	count := map[string]int{}
	seen := map[string]bool{}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	for _, r := range sorted {
		if perIntent > 0 && count[r.intent] >= perIntent || seen[r.text] {
			continue
		}
		count[r.intent]++
		seen[r.text] = true
		if err := enc.Encode(intent.ExampleDoc{Text: r.text, Intent: r.intent}); err != nil {
			return err
		}
	}
	return intent.WriteFileAtomic(path, []byte(b.String()))
}

func writeClassifier(path string, c *intent.Classifier) error {
	var b strings.Builder
	if _, err := c.WriteTo(&b); err != nil {
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
	for _, name := range nlp.DictFiles {
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
