package sentiment

import (
	"bufio"
	_ "embed"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/zhiyi-ai/zhiyi/internal/hashtab"
)

// The model's output classes. Negative is split in two so one softmax also says how strongly
// negative a message is: Result.Strength is P(strong | negative).
const (
	classNeutral = iota
	classNegative
	classStrong
	classUrgent
	numClasses
)

var classNames = [numClasses]string{"neutral", "negative", "strong", "urgent"}

const modelMagic = "zhiyi-sentiment 1"

// Model is a trained linear model: weights per class for the dense features, the bias and the
// character n-grams it kept. It is immutable and safe for concurrent use.
type Model struct {
	cfg     TrainConfig // with defaults filled
	bias    [numClasses]float32
	fixed   [numFixed][numClasses]float32
	reasons []string // urgent reasons with a feature, in file order
	reasonW [][numClasses]float32
	grams   []string               // n-gram names, sorted
	sparse  [][numClasses]float32  // weights of grams[i]
	table   *hashtab.Table[uint32] // ngramHash → index into sparse
	nonzero [numFixed]bool         // fixed features with any weight, skipped otherwise
}

//go:embed model.txt
var defaultModelText string

var defaultModel = sync.OnceValues(func() (*Model, error) {
	return ReadModel(strings.NewReader(defaultModelText), "sentiment/model.txt")
})

// DefaultModel returns the model shipped in the binary (sentiment/model.txt, written by
// `go run ./sentiment/internal/gen` from the sample shop's labelled set and lexicon). It panics
// if the embedded file does not parse, which a test rules out.
func DefaultModel() *Model {
	m, err := defaultModel()
	if err != nil {
		panic(err)
	}
	return m
}

// Config returns the configuration the model was trained with, defaults filled in.
func (m *Model) Config() TrainConfig { return m.cfg }

// Reasons returns the urgent reasons the model has a feature for.
func (m *Model) Reasons() []string { return slices.Clone(m.reasons) }

// Grams returns the number of character n-grams the model keeps.
func (m *Model) Grams() int { return len(m.grams) }

// ReadModel parses a model file; name prefixes error messages as name:line.
func ReadModel(r io.Reader, name string) (*Model, error) {
	m := &Model{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	n, state := 0, 0 // state: 0 want magic, 1 want config, 2 want classes, 3 rows
	seen := map[string]int{}
	fail := func(format string, a ...any) error {
		return fmt.Errorf("%s:%d: %s", name, n, fmt.Sprintf(format, a...))
	}
	for sc.Scan() {
		n++
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		switch state {
		case 0:
			if line != modelMagic {
				return nil, fail("not a sentiment model: want %q first, got %q", modelMagic, line)
			}
		case 1:
			cfg, err := parseConfig(line)
			if err != nil {
				return nil, fail("%v", err)
			}
			m.cfg = cfg
		case 2:
			if line != "classes "+strings.Join(classNames[:], " ") {
				return nil, fail("want classes %s, got %q", strings.Join(classNames[:], " "), line)
			}
		default:
			f := strings.Split(line, "\t")
			if len(f) != 1+numClasses {
				return nil, fail("want a name and %d tab-separated weights, got %d fields", numClasses, len(f))
			}
			var w [numClasses]float32
			for i := range w {
				v, err := strconv.ParseFloat(f[1+i], 32)
				if err != nil {
					return nil, fail("weight %q of %s: %v", f[1+i], f[0], err)
				}
				w[i] = float32(v)
			}
			if at, dup := seen[f[0]]; dup {
				return nil, fail("%s is already at line %d", f[0], at)
			}
			seen[f[0]] = n
			if err := m.addRow(f[0], w); err != nil {
				return nil, fail("%v", err)
			}
		}
		if state < 3 {
			state++
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", name, n+1, err)
	}
	if state < 3 {
		return nil, fmt.Errorf("%s: truncated: no weights", name)
	}
	m.index()
	return m, nil
}

// addRow stores one named row of weights.
func (m *Model) addRow(name string, w [numClasses]float32) error {
	if name == "bias" {
		m.bias = w
		return nil
	}
	if i := slices.Index(fixedNames[:], name); i >= 0 {
		m.fixed[i] = w
		return nil
	}
	if reason, ok := strings.CutPrefix(name, reasonPrefix); ok {
		if reason == "" || len(m.reasons) == maxReasons {
			return fmt.Errorf("feature %s: empty reason or more than %d reasons", name, maxReasons)
		}
		m.reasons = append(m.reasons, reason)
		m.reasonW = append(m.reasonW, w)
		return nil
	}
	if _, _, _, _, ok := parseNgramName(name); ok {
		m.grams = append(m.grams, name)
		m.sparse = append(m.sparse, w)
		return nil
	}
	return fmt.Errorf("unknown feature %q", name)
}

// index builds the n-gram table and notes which fixed features carry weight.
func (m *Model) index() {
	m.table = hashtab.New[uint32](len(m.grams))
	for i, name := range m.grams {
		n, lead, gram, trail, _ := parseNgramName(name)
		m.table.PutIfAbsent(ngramHash(n, lead, gram, trail), uint32(i))
	}
	for i := range m.fixed {
		m.nonzero[i] = m.fixed[i] != [numClasses]float32{}
	}
}

// Write writes the model in its text format: comment lines (each prefixed with "# "), the
// magic line, the configuration, the classes, then one row of weights a line — bias, the fixed
// features, the reasons, then n-grams in sorted order. Weights have four significant digits, so
// a model read back writes the same bytes.
func (m *Model) Write(w io.Writer, comments ...string) error {
	bw := bufio.NewWriter(w)
	for _, c := range comments {
		fmt.Fprintf(bw, "# %s\n", c)
	}
	fmt.Fprintf(bw, "%s\n%s\nclasses %s\n", modelMagic, m.cfg.String(), strings.Join(classNames[:], " "))
	row := func(name string, w [numClasses]float32) {
		bw.WriteString(name)
		for _, v := range w {
			bw.WriteByte('\t')
			bw.WriteString(formatWeight(v))
		}
		bw.WriteByte('\n')
	}
	row("bias", m.bias)
	for i, name := range fixedNames {
		row(name, m.fixed[i])
	}
	for i, r := range m.reasons {
		row(reasonPrefix+r, m.reasonW[i])
	}
	for i, g := range m.grams {
		row(g, m.sparse[i])
	}
	return bw.Flush()
}

// formatWeight writes v with four significant digits; values that round to zero write "0".
func formatWeight(v float32) string {
	s := strconv.FormatFloat(float64(v), 'g', 4, 32)
	if f, _ := strconv.ParseFloat(s, 32); f == 0 {
		return "0"
	}
	return s
}

// roundWeight is what a weight becomes once written and read back.
func roundWeight(v float64) float32 {
	f, _ := strconv.ParseFloat(formatWeight(float32(v)), 32)
	return float32(f)
}
