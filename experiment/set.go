package experiment

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/zhiyi-ai/zhiyi/index"
)

// DefaultAlpha is the significance level of the reports' tests and of the gray release's
// interval.
const DefaultAlpha = 0.05

// Config is what New builds a Set from. Only KB is required.
type Config struct {
	// KB is the bundle's knowledge base: every intent with two or more answers is an
	// experiment, its first answer the control.
	KB *index.KB
	// Created is when the bundle was created: a gray period without gray_since starts then.
	Created time.Time
	// Overrides is the operator's experiments file; nil changes nothing.
	Overrides *Overrides
	// Results are the outcomes so far, by variant id, for judging gray answers; nil: none yet
	// (gray answers stay gray).
	Results Results
	// Now is when gray periods are judged; zero means time.Now().
	Now time.Time
	// Alpha is the significance level (DefaultAlpha when 0).
	Alpha float64
	// MinEffect is the smallest difference in mean rating (points) the reports plan their
	// sample sizes for, and the effect scale the gray release's always-valid interval is tuned
	// to (DefaultMinEffect when 0 or less). Choose it before reading results.
	MinEffect float64
	// MinShareEffect is the smallest difference in the resolved share and the repeat rate (a
	// fraction) the reports plan for (DefaultMinShareEffect when 0 or less).
	MinShareEffect float64
	// Outcomes, when set, are the decision log's outcomes by time and route (a *Tally, as
	// explog.Outcomes reads it): each gray answer is then judged on the ratings since its own
	// gray start, against the control's answers routed as a gray answer is (suggested to an
	// agent), rather than on Results (all time, every route).
	Outcomes Outcomes
	// IgnoreStale makes an override that names an experiment or answer the knowledge base
	// does not have (or no longer fits it) a warning (Set.Warnings) instead of an error: a new
	// bundle must not be refused for an old experiments file. The file's own load is strict.
	IgnoreStale bool

	// released: see Set.released (Live sets it).
	released map[string]grayState
}

// grayState is what a Set judged of a gray answer on its ratings, for the next Set (Live): from
// which gray start, and whether it was sent back to gray (back) or released.
type grayState struct {
	start time.Time
	back  bool
}

// Set is the experiments of one knowledge base with one experiments file and one judgement of
// the gray answers: immutable, safe for concurrent use. A nil *Set assigns nothing.
type Set struct {
	byIntent map[string]*Experiment // every intent, one answer or several
	list     []*Experiment          // experiments (two answers or more), in knowledge-base order
	excluded map[string]struct{}
	alpha    float64
	margin   float64
	minRated int
	now      time.Time
	results  Results
	warnings []string

	minEffect, minShareEffect float64
	outcomes                  Outcomes
	// released are the gray answers an earlier Set released on their ratings, or sent back to
	// gray on them, by id (Live carries them from Set to Set: a release is sticky, and so is a
	// return to gray); windows caches outcomes.Select while New judges.
	released map[string]grayState
	windows  map[Filter]Results
}

// Outcomes select the decision log's outcomes by time and route; *Tally implements it.
type Outcomes interface {
	Select(Filter) Results
}

// Experiment is an intent's answers as variants.
type Experiment struct {
	ID       string    // the intent id
	Variants []Variant // in knowledge-base order; Variants[0] is the control
	// fallback is the variant of excluded and anonymous senders: the control, or the first
	// served variant when the control is not served.
	fallback int
	// cum are the upper bounds of the variants with a positive weight (cumIdx) on the 64-bit
	// hash line, stopped ones included, so that stopping a variant moves only its own
	// senders; served/servedIdx the same over the served variants only.
	cum, served       []uint64
	cumIdx, servedIdx []int
}

// Variant is one answer of an experiment.
type Variant struct {
	ID     string        // the answer id
	Answer *index.Answer // the knowledge base's answer
	// Weight is the configured weight (the knowledge base's, or the experiments file's);
	// Share is the fraction of the experiment's senders who get it now (0 when stopped or
	// weighted 0).
	Weight  float64
	Share   float64
	Stopped bool
	// Gray means the variant is served only as a suggestion to agents; GrayUntil is the end
	// of its gray period (zero without one); GrayStatus says why it is, or is no longer, gray,
	// and GrayNote words that in English.
	Gray       bool
	GrayUntil  time.Time
	GrayStatus GrayStatus
	GrayNote   string

	grayStart    time.Time // the start its ratings are judged from; zero when not judged on ratings
	ratedRelease bool      // released from gray on its ratings (not by the file, not by the period alone)
	ratedBack    bool      // sent back to gray on its automatic answers' ratings after such a release
}

// Served reports whether senders are assigned this variant now.
func (v *Variant) Served() bool { return v.Share > 0 }

// Control returns the experiment's control (its first answer).
func (e *Experiment) Control() *Variant { return &e.Variants[0] }

// New builds the Set for cfg. The experiments file's references are checked against the
// knowledge base: an answer it stops or releases, or an experiment it weights, must exist
// (releases must have a gray period; weights must name every answer of the experiment), and
// every experiment must keep a served variant. Errors name the experiments file's lines.
func New(cfg Config) (*Set, error) {
	if cfg.KB == nil {
		return nil, fmt.Errorf("experiment: no knowledge base")
	}
	if cfg.Now.IsZero() {
		cfg.Now = time.Now()
	}
	if cfg.Alpha <= 0 || cfg.Alpha >= 1 {
		cfg.Alpha = DefaultAlpha
	}
	if !(cfg.MinEffect > 0) {
		cfg.MinEffect = DefaultMinEffect
	}
	if !(cfg.MinShareEffect > 0) {
		cfg.MinShareEffect = DefaultMinShareEffect
	}
	s := &Set{byIntent: make(map[string]*Experiment, len(cfg.KB.Intents)), alpha: cfg.Alpha,
		margin: DefaultGrayMargin, minRated: DefaultGrayMinRated, now: cfg.Now, results: cfg.Results,
		minEffect: cfg.MinEffect, minShareEffect: cfg.MinShareEffect, outcomes: cfg.Outcomes, released: cfg.released}
	ov := cfg.Overrides
	name := "experiments file"
	if ov != nil {
		name = ov.name
		s.margin, s.minRated = ov.GrayMargin, ov.GrayMinRated
	}
	probs := &problems{name: name}
	// stale reports an override that does not fit the knowledge base: an error, or with
	// IgnoreStale a warning (the override is then skipped).
	stale := func(line int, format string, args ...any) {
		if cfg.IgnoreStale {
			s.warnings = append(s.warnings, fmt.Sprintf("%s:%d: %s (ignored)", name, line, fmt.Sprintf(format, args...)))
			return
		}
		probs.add(line, format, args...)
	}

	answers := map[string]*Variant{} // answer id → its variant, to resolve the file's ids
	owner := map[string]*Experiment{}
	all := make([]*Experiment, 0, len(cfg.KB.Intents)) // every intent, in knowledge-base order
	for i := range cfg.KB.Intents {
		in := &cfg.KB.Intents[i]
		e := &Experiment{ID: in.ID, Variants: make([]Variant, len(in.Answers))}
		for j := range in.Answers {
			a := &in.Answers[j]
			w := 1.0
			if a.Weight != nil {
				w = *a.Weight
			}
			e.Variants[j] = Variant{ID: a.ID, Answer: a, Weight: w}
			answers[a.ID] = &e.Variants[j]
			owner[a.ID] = e
		}
		s.byIntent[in.ID] = e
		all = append(all, e)
		if len(in.Answers) > 1 {
			s.list = append(s.list, e)
		}
	}

	if ov != nil {
		s.excluded = make(map[string]struct{}, len(ov.ExcludeSenders))
		for _, id := range ov.ExcludeSenders {
			s.excluded[id] = struct{}{}
		}
		for _, exp := range sortedKeys(ov.Weights) {
			ws := ov.Weights[exp]
			line := ov.line("weights\x00" + exp)
			e := s.byIntent[exp]
			switch {
			case e == nil:
				stale(line, "weights: no intent %q in the knowledge base", exp)
				continue
			case len(e.Variants) < 2:
				stale(line, "weights: intent %q has one answer: not an experiment", exp)
				continue
			}
			ok := true
			for _, id := range sortedKeys(ws) {
				if owner[id] != e {
					stale(ov.line("weights\x00"+exp+"\x00"+id), "weights: experiment %q has no answer %q", exp, id)
					ok = false
				}
			}
			for _, v := range e.Variants {
				if _, named := ws[v.ID]; !named {
					stale(line, "weights: experiment %q: answer %q has no weight (name every answer; 0 = not served)", exp, v.ID)
					ok = false
				}
			}
			if ok {
				for j := range e.Variants {
					e.Variants[j].Weight = ws[e.Variants[j].ID]
				}
			}
		}
		for _, id := range ov.Stop {
			line := ov.line("stop\x00" + id)
			v := answers[id]
			if v == nil {
				stale(line, "stop: no answer %q in the knowledge base", id)
				continue
			}
			v.Stopped = true
		}
		for _, e := range all {
			if e.servedWeight() > 0 {
				continue
			}
			// Every variant stopped (or weighted 0): name the stop entries responsible.
			line := 0
			for _, v := range e.Variants {
				if l := ov.line("stop\x00" + v.ID); v.Stopped && (line == 0 || l < line) {
					line = l
				}
			}
			if line == 0 {
				line = ov.line("weights\x00" + e.ID)
			}
			stale(line, "intent %q would have no answer left to serve (stop or weights leave none)", e.ID)
			for j := range e.Variants {
				e.Variants[j].Stopped = false
			}
		}
	}
	for _, e := range all {
		e.layout()
	}

	released := map[string]bool{}
	if ov != nil {
		for _, id := range ov.Release {
			line := ov.line("release\x00" + id)
			v := answers[id]
			switch {
			case v == nil:
				stale(line, "release: no answer %q in the knowledge base", id)
			case v.Answer.GrayPeriod() == 0:
				stale(line, "release: answer %q has no gray period", id)
			default:
				released[id] = true
			}
		}
	}
	if err := probs.err(); err != nil {
		return nil, err
	}
	for _, e := range all {
		for j := range e.Variants {
			s.judgeGray(e, j, cfg.Created, released[e.Variants[j].ID])
		}
	}
	s.windows = nil
	return s, nil
}

func (e *Experiment) servedWeight() float64 {
	total := 0.0
	for _, v := range e.Variants {
		if !v.Stopped && v.Weight > 0 {
			total += v.Weight
		}
	}
	return total
}

// layout computes the shares, the fallback and the hash-line bounds.
func (e *Experiment) layout() {
	all, served := 0.0, e.servedWeight()
	for _, v := range e.Variants {
		if v.Weight > 0 {
			all += v.Weight
		}
	}
	e.fallback = -1
	for j := range e.Variants {
		v := &e.Variants[j]
		if !v.Stopped && v.Weight > 0 {
			v.Share = v.Weight / served
			if e.fallback < 0 {
				e.fallback = j
			}
		}
	}
	e.cum, e.cumIdx = bounds(e.Variants, all, false)
	e.served, e.servedIdx = bounds(e.Variants, served, true)
}

// bounds lays the variants with a positive weight (and, with servedOnly, not stopped) on the
// 64-bit hash line: variant idx[i] takes the hashes up to and including b[i].
func bounds(vs []Variant, total float64, servedOnly bool) (b []uint64, idx []int) {
	acc := 0.0
	for j, v := range vs {
		if v.Weight <= 0 || servedOnly && v.Stopped {
			continue
		}
		acc += v.Weight / total
		x := math.Ldexp(acc, 64)
		u := uint64(math.MaxUint64)
		if x < math.Ldexp(1, 64) {
			u = uint64(x)
		}
		b, idx = append(b, u), append(idx, j)
	}
	if len(b) > 0 {
		b[len(b)-1] = math.MaxUint64 // rounding never leaves a hash without a variant
	}
	return b, idx
}

// Experiments returns the experiments (intents with two or more answers) in knowledge-base
// order. The slice and its values are the Set's: do not modify them.
func (s *Set) Experiments() []*Experiment {
	if s == nil {
		return nil
	}
	return s.list
}

// Experiment returns the experiment with the given id (intent id), or nil when that intent
// has fewer than two answers or does not exist.
func (s *Set) Experiment(id string) *Experiment {
	if s == nil {
		return nil
	}
	if e := s.byIntent[id]; e != nil && len(e.Variants) > 1 {
		return e
	}
	return nil
}

// Warnings are the experiments file's entries that New ignored (Config.IgnoreStale).
func (s *Set) Warnings() []string {
	if s == nil {
		return nil
	}
	return s.warnings
}

// Excluded reports whether the experiments file excludes sender.
func (s *Set) Excluded(sender string) bool {
	if s == nil || sender == "" {
		return false
	}
	_, ok := s.excluded[sender]
	return ok
}

// ExcludedSenders returns the experiments file's excluded senders, sorted (for callers that
// hash them to filter the decision log).
func (s *Set) ExcludedSenders() []string {
	if s == nil {
		return nil
	}
	out := make([]string, 0, len(s.excluded))
	for id := range s.excluded {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
