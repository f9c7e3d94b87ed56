package sentiment

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"

	"github.com/zhiyi-ai/zhiyi/nlp"
)

// Example is one labelled message of a sentiment set (corpora/shop/sentiment/sentiment.jsonl).
type Example struct {
	Text   string // normalised and masked, as Analyze expects it
	Raw    string // as written in the file
	Tag    Tag
	Strong bool   // a strongly negative message (abuse, fury); only with Tag Negative
	Note   string // why the message is labelled so, for hard cases
	Line   int    // 1-based line in the file
}

// ReadExamples reads a labelled set: JSON lines {"text","sentiment","note"?,"strong"?} where
// sentiment is neutral, negative or urgent (or 中性, 负面, 紧急). Errors name path:line.
func ReadExamples(path string) ([]Example, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("sentiment: cannot open labelled set: %w", err)
	}
	defer f.Close()
	return ParseExamples(f, path)
}

// ParseExamples is ReadExamples from a reader; name prefixes errors as name:line.
func ParseExamples(r io.Reader, name string) ([]Example, error) {
	var out []Example
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	n := 0
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var rec struct {
			Text      string `json:"text"`
			Sentiment string `json:"sentiment"`
			Note      string `json:"note"`
			Strong    bool   `json:"strong"`
		}
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rec); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n, err)
		}
		tag, err := ParseTag(rec.Sentiment)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n, err)
		}
		text, _ := nlp.Mask(nlp.Normalize(rec.Text))
		switch {
		case text == "":
			return nil, fmt.Errorf("%s:%d: empty text", name, n)
		case rec.Strong && tag != Negative:
			return nil, fmt.Errorf("%s:%d: \"strong\" is only for negative messages", name, n)
		}
		out = append(out, Example{Text: text, Raw: rec.Text, Tag: tag, Strong: rec.Strong, Note: rec.Note, Line: n})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", name, n+1, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no examples", name)
	}
	return out, nil
}

// Split divides a labelled set into its fixed parts: every fifth line of the file (lines 5, 10,
// …) is test, the rest dev. Tune and train on dev only; the test part is for the final report.
func Split(examples []Example) (dev, test []Example) {
	for _, e := range examples {
		if e.Line%5 == 0 {
			test = append(test, e)
		} else {
			dev = append(dev, e)
		}
	}
	return dev, test
}

// Scores are precision, recall and F1 of one decision.
type Scores struct {
	Support, Predicted, Correct int
	Precision, Recall, F1       float64
}

func (s *Scores) finish() {
	if s.Predicted > 0 {
		s.Precision = float64(s.Correct) / float64(s.Predicted)
	}
	if s.Support > 0 {
		s.Recall = float64(s.Correct) / float64(s.Support)
	}
	if s.Precision+s.Recall > 0 {
		s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
	}
}

// Metrics compare results with the labels.
type Metrics struct {
	N         int
	Tags      [numTags]Scores       // per tag: neutral, negative, urgent
	Confusion [numTags][numTags]int // [label][prediction]
	Accuracy  float64
	MacroF1   float64 // mean F1 of the three tags
	// Handoff scores Result.Strong against "urgent, or negative and strong" in the labels: the
	// messages the policy should send to a person.
	Handoff Scores
}

// Measure compares res[i] with examples[i].
func Measure(examples []Example, res []Result) Metrics {
	var m Metrics
	m.N = len(examples)
	correct := 0
	for i, e := range examples {
		p := res[i].Tag
		m.Confusion[e.Tag][p]++
		m.Tags[e.Tag].Support++
		m.Tags[p].Predicted++
		if p == e.Tag {
			m.Tags[p].Correct++
			correct++
		}
		gold := e.Tag == Urgent || e.Tag == Negative && e.Strong
		if gold {
			m.Handoff.Support++
		}
		if res[i].Strong {
			m.Handoff.Predicted++
			if gold {
				m.Handoff.Correct++
			}
		}
	}
	for t := range m.Tags {
		m.Tags[t].finish()
		m.MacroF1 += m.Tags[t].F1 / float64(numTags)
	}
	m.Handoff.finish()
	if m.N > 0 {
		m.Accuracy = float64(correct) / float64(m.N)
	}
	return m
}

// Evaluate analyses every example and measures the results.
func Evaluate(a *Analyzer, examples []Example) (Metrics, []Result) {
	res := make([]Result, len(examples))
	for i, e := range examples {
		a.AnalyzeTo(&res[i], e.Text)
	}
	return Measure(examples, res), res
}

// CrossValidate trains k models, each on all folds but one, and returns every example's result
// from the model that did not see it (Cues left out). Folds are stratified by class and
// assigned in file order, so the same examples always give the same folds.
func CrossValidate(examples []Example, lex *Lexicon, cfg TrainConfig, k int) ([]Result, error) {
	return crossValidate(examples, lex, cfg, k, 0)
}

// crossValidate is CrossValidate with the folds of a repeat: repeat 0 assigns each class's
// examples in file order, repeat r > 0 in an order shuffled with seed r, so that a choice made
// on several repeats does not hang on one partition of a few hundred messages.
func crossValidate(examples []Example, lex *Lexicon, cfg TrainConfig, k, repeat int) ([]Result, error) {
	if k < 2 || k > len(examples) {
		return nil, fmt.Errorf("sentiment: cross-validate: %d folds for %d examples", k, len(examples))
	}
	order := make([]int, len(examples))
	for i := range order {
		order[i] = i
	}
	if repeat > 0 {
		rand.New(rand.NewPCG(uint64(repeat), 0x5e471)).Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	}
	fold := make([]int, len(examples))
	var seen [numClasses]int
	for _, i := range order {
		c := classOf(&examples[i])
		fold[i] = seen[c] % k
		seen[c]++
	}
	res := make([]Result, len(examples))
	for f := range k {
		var train, held []Example
		var at []int
		for i, e := range examples {
			if fold[i] == f {
				held = append(held, e)
				at = append(at, i)
			} else {
				train = append(train, e)
			}
		}
		m, err := Train(train, lex, cfg)
		if err != nil {
			return nil, err
		}
		a, err := New(lex, Options{Model: m})
		if err != nil {
			return nil, err
		}
		for j, e := range held {
			a.AnalyzeTo(&res[at[j]], e.Text)
			res[at[j]].Cues = nil
		}
	}
	return res, nil
}

// restrong recomputes Strong at another strong threshold and lexicon score (StrongLexicon);
// neg holds each result's lexicon negative score.
func restrong(res []Result, neg []float32, threshold, lexicon float64) []Result {
	out := make([]Result, len(res))
	for i, r := range res {
		r.Strong = r.Tag == Urgent || r.Tag == Negative && strongNegative(r.Strength, neg[i], threshold, lexicon)
		out[i] = r
	}
	return out
}

// strongNegative reports whether a negative message is strongly negative: the model's Strength
// reaches the threshold, or the lexicon's negative score reaches lexicon (when it is not 0).
func strongNegative(strength, neg float32, threshold, lexicon float64) bool {
	return float64(strength) >= threshold || lexicon > 0 && float64(neg) >= lexicon
}

// lexiconNegative returns each example's lexicon negative score.
func lexiconNegative(examples []Example, lex *Lexicon) []float32 {
	out := make([]float32, len(examples))
	for i, e := range examples {
		var sc lexScores
		lex.scan(e.Text, &sc, nil)
		out[i] = sc.neg
	}
	return out
}

// Format writes the metrics as a small table: one row per tag, then accuracy, macro-F1 and the
// handoff decision.
func (m Metrics) Format(title string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (n=%d)\n", title, m.N)
	fmt.Fprintf(&b, "  %-14s %9s %9s %9s %8s\n", "tag", "precision", "recall", "F1", "support")
	for t := Tag(0); t < numTags; t++ {
		s := m.Tags[t]
		fmt.Fprintf(&b, "  %-14s %9.3f %9.3f %9.3f %8d\n", t.String()+" "+t.Label(), s.Precision, s.Recall, s.F1, s.Support)
	}
	h := m.Handoff
	fmt.Fprintf(&b, "  %-14s %9.3f %9.3f %9.3f %8d\n", "handoff", h.Precision, h.Recall, h.F1, h.Support)
	fmt.Fprintf(&b, "  accuracy %.3f  macro-F1 %.3f\n", m.Accuracy, m.MacroF1)
	return b.String()
}

var errNoTrials = errors.New("sentiment: tune: empty grid")
