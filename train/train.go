package train

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/zhiyi-ai/zhiyi/index"
	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/nlp"
)

// Config is everything `zhiyi train` needs.
type Config struct {
	Data   []string // export files or directories
	Dev    string   // explicit dev file; "" splits the data
	Labels []string // label files (--labels): msgid or text lines, or filled cluster sheets
	// Until leaves out messages sent at or after it (zero: none): to train on a period and
	// evaluate on the next.
	Until   time.Time
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
	// weeks of the data — measured on the sample shop's holdout, +1 point — or there is a ranker,
	// which decides and has no epochs for dev to choose: +0.3–0.5 points on the public sets' k-fold
	// CV; for the classifier alone on randomly carved dev splits it cost about as much as it
	// won), RefitAlways or RefitNever.
	Refit string
	Fit   FitConfig
	// Weak says how training learns where messages carry no label.
	Weak WeakConfig
	// IgnoreExportLabels trains as if the exports carried no labels (a CSV's tag column, an
	// intent field), keeping only --labels files and the seeds.
	IgnoreExportLabels bool
	// Ranker trains a second classifier, a linear SVM, that orders the intents while the two
	// models' calibrated probabilities together give their confidences (intent.RankerFile,
	// RankerPolicy.Agreement), when there is a labelled dev split to calibrate it on. RankerC is its C; 0 chooses it by
	// cross-validation.
	Ranker  bool
	RankerC float64
	// ContextFeatures trains the classifier with the conversation's active intent as a feature
	// (intent.ContextFeature), so it learns which intents each topic's follow-ups take.
	ContextFeatures bool
	// MaxFeatures caps the features both models keep, those whose weights move the intents'
	// scores most (PruneFeatures), and both are fitted again on them: 0 caps them at what
	// fits about 10 MB of bundle (modelBudget), a negative value keeps every feature.
	MaxFeatures int

	Progress io.Writer // progress lines; nil for none
}

// DefaultConfig returns the defaults of `zhiyi train`.
func DefaultConfig() Config {
	return Config{CSV: DefaultCSVColumns(), DevDays: 14, DevShare: 0.1, HistoryPerIntent: 150,
		TargetPrecision: 0.95, Fit: DefaultFitConfig(), Refit: RefitAuto, ContextFeatures: true,
		Ranker: true}
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
	// DevOverlap counts the exported messages left out of training for being in the dev file.
	DevOverlap int `json:"dev_overlap,omitempty"`
	Dropped    int `json:"dropped_unknown_intent"`
	// DataOnly counts the labelled messages left out for only giving personal data (订单号<ORDER>):
	// their conversation decides them, not their words.
	DataOnly int         `json:"data_only,omitempty"`
	Labels   *LabelStats `json:"labels,omitempty"`
	// Seeds and NoneSeeds count the knowledge base's examples and the built-in out-of-scope
	// examples trained on; SelfLabelled the unlabelled messages self-training labelled.
	Seeds     int `json:"seeds,omitempty"`
	NoneSeeds int `json:"none_seeds,omitempty"`
	// NoneSeedsLeftOut are the built-in out-of-scope examples that use a word of the knowledge
	// base (宽带 for a broadband provider), each with the word: the shop's business, not out of it.
	NoneSeedsLeftOut []string   `json:"none_seeds_left_out,omitempty"`
	SelfLabelled     int        `json:"self_labelled,omitempty"`
	Fit              FitResult  `json:"fit"`
	Ranker           *FitResult `json:"ranker,omitempty"`
	// RefitEpochs are the epochs of each run of the final refit on train and dev (none: no refit).
	RefitEpochs []int             `json:"refit_epochs,omitempty"`
	Policy      intent.Policy     `json:"policy"`
	Classifier  *Report           `json:"classifier_only,omitempty"` // dev report, without retrieval
	Report      *Report           `json:"report,omitempty"`          // dev report, fused ranker
	Durations   map[string]string `json:"durations"`
	Bundle      string            `json:"bundle"`
}

// record is one customer message, masked: raw text never outlives the import callback.
type record struct {
	text   string
	intent string
	time   time.Time
	msgID  string
	conv   string // conversation key (Message.Conversation)
	source string // file:line
	// origin says where the label came from, which decides what the record may be used for.
	origin origin
	// weight scales the record's say in training (0 means 1): self-training's labels count less.
	weight float32
	// byText marks a label given by text ({"text","intent"}): it holds for every message with
	// that text, where an export's label holds for its own message only (imported.byID).
	byText bool
}

// origin is where a record or its label came from.
type origin uint8

const (
	fromExport   origin = iota // an exported message; its label (if any) from the export itself
	fromLabel                  // an exported message labelled one by one (--labels msgid or text lines)
	fromSheet                  // an exported message labelled by cluster (a filled cluster sheet)
	fromText                   // a text label that matched no message: an example of its own
	fromSeed                   // an example question of kb.yaml
	fromNoneSeed               // a built-in out-of-scope example
	fromSelf                   // an exported message labelled by self-training
)

// exported reports whether the record is an exported message (one the dev split may hold, and
// self-training may label).
func (o origin) exported() bool {
	return o == fromExport || o == fromLabel || o == fromSheet || o == fromSelf
}

// representative reports whether labels of this origin sample the messages as they come: those
// of an export or labelled one by one. A cluster sheet labels what was easy to group, the seeds
// are written by the shop, self-training labels what it is sure of; none of these may judge the
// model (the dev split, calibration).
func (o origin) representative() bool { return o == fromExport || o == fromLabel }

// Run trains a model bundle from exported chats: a sequence of named stages over one run's state.
// The bundle is assembled in a temporary directory and moved into place only when complete.
func Run(ctx context.Context, cfg Config) (*Summary, error) {
	r, err := newRun(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer r.cleanup()
	for _, s := range []stage{
		{"out", r.openBundle},
		{"dictionary", r.loadDictionaries},
		{"import", r.importData},
		{"label", r.applyLabels},
		{"seed", r.addSeeds},
		{"split", r.split},
		{"lexicon", r.startBundle},
		{"subword", r.trainSubword},
		{"selftrain", r.selfTrain},
		{"analyze", r.analyze},
		{"fit", r.fit},
		{"calibrate", r.calibrate},
		{"context", r.fitContext},
		{"evaluate", r.evaluate},
		{"refit", r.refit},
		{"index", r.writeIndex},
		{"write", r.commit},
	} {
		if err := r.do(s); err != nil {
			return nil, err
		}
	}
	return r.sum, nil
}

// stage is one named step of a training run. A stage that had nothing to do says so (skipped)
// and is left out of Summary.Durations.
type stage struct {
	name string
	run  func() (skipped bool, err error)
}

// run is one training run's state, filled in by the stages in order.
type run struct {
	ctx  context.Context
	cfg  Config
	sum  *Summary
	prog io.Writer

	dicts *nlp.Dictionaries
	kb    *index.KB

	data                imported // the exports, masked, then labelled
	devRecs             []record
	devIDs              map[string]int // the dev file's message ids (imported.byMsgID)
	trainRecs, devSplit []record       // labelled, split
	unlabelled          []record
	how                 string // how dev was split
	timeSplit           bool

	tmp       string // the bundle being written
	committed bool

	an             *nlp.Analyzer
	labels         []string
	labelIndex     map[string]int
	trainEx, devEx []Example
	clf            *intent.Classifier
	ranker         *intent.Classifier // nil: no ranker
	rankerData     *rankerData        // what ranker was fitted on (fitRanker), for learning
	rankerC        float64            // the ranker's C, once chosen
	policy         intent.Policy
	devLabelled    []Labelled
	cvItems        []scored          // cross-validated scores of trainEx, when there is no dev split
	dataOnly       map[string]bool   // texts of labelled messages that only give personal data (examples)
	dataOnlyShown  []string          // the first three of them, masked, for the progress
	devPreds       []devPrediction   // dev's decisions message by message (calibrate)
	estPreds       []prediction      // cross-validated estimates beside them, when dev is small
	sticky         map[string]bool   // intents a conversation keeps to
	activeOf       map[string]string // a message's conversation's active intent when it was said
	metrics        map[string]float64
}

func newRun(ctx context.Context, cfg Config) (*run, error) {
	if cfg.Out == "" {
		return nil, errors.New("train: no output directory (--out)")
	}
	if err := intent.CheckBundleOut(cfg.Out); err != nil {
		return nil, fmt.Errorf("train: --out: %w", err)
	}
	if !(cfg.RankerC >= 0) || math.IsInf(cfg.RankerC, 0) {
		return nil, fmt.Errorf("train: ranker C %v: want a positive number, or 0 to choose by cross-validation", cfg.RankerC)
	}
	// Values that would train without a word and give a model that never answers alone (a
	// precision above 1), or no training split at all (a dev share of 1 or more).
	if !(cfg.TargetPrecision > 0 && cfg.TargetPrecision <= 1) {
		return nil, fmt.Errorf("train: target precision %v: want a share above 0 and at most 1 (0.95: 95 %%)", cfg.TargetPrecision)
	}
	if !(cfg.DevShare >= 0 && cfg.DevShare < 1) {
		return nil, fmt.Errorf("train: dev share %v: want at least 0 and below 1 (0.1: a tenth of the untimed messages)", cfg.DevShare)
	}
	if cfg.Fit.Runs < 1 {
		return nil, fmt.Errorf("train: %d runs: want at least 1", cfg.Fit.Runs)
	}
	// The fit checks its settings itself, but without a labelled dev split it runs with the
	// weak configuration's epochs, and --epochs -1 went through unchecked.
	if err := cfg.Fit.validate(); err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	switch cfg.Refit {
	case RefitAuto, RefitAlways, RefitNever:
	case "":
		cfg.Refit = RefitAuto
	default:
		return nil, fmt.Errorf("train: refit %q: want auto, always or never", cfg.Refit)
	}
	if len(cfg.Data) == 0 && (cfg.KB == "" || cfg.Weak.NoSeeds) {
		return nil, errors.New("train: no data: give exports (--data), or a knowledge base (--kb) whose example questions to train on")
	}
	// Before the import's minutes: a mistyped path should not wait for them to fail.
	paths := [][2]string{{"--kb", cfg.KB}, {"--dict", cfg.DictDir}}
	for _, l := range cfg.Labels {
		paths = append(paths, [2]string{"--labels", l})
	}
	for _, p := range paths {
		if p[1] == "" {
			continue
		}
		if _, err := os.Stat(p[1]); err != nil {
			return nil, fmt.Errorf("train: %s: %w", p[0], err)
		}
	}
	if cfg.Name == "" {
		cfg.Name = filepath.Base(filepath.Clean(cfg.Out))
	}
	cfg.Weak = cfg.Weak.withDefaults()
	r := &run{ctx: ctx, cfg: cfg, sum: &Summary{Durations: map[string]string{}}, prog: cfg.Progress, metrics: map[string]float64{}}
	if r.prog == nil {
		r.prog = io.Discard
	}
	return r, nil
}

// do runs one stage and records how long it took.
func (r *run) do(s stage) error {
	if err := r.ctx.Err(); err != nil {
		return err
	}
	start := time.Now()
	skipped, err := s.run()
	if err != nil {
		return err
	}
	if !skipped {
		r.sum.Durations[s.name] = time.Since(start).Round(time.Millisecond).String()
	}
	return nil
}

// cleanup removes the temporary bundle unless it was committed.
func (r *run) cleanup() {
	if r.tmp != "" && !r.committed {
		intent.RemoveBundleDir(r.tmp) // and its lock
	}
}
