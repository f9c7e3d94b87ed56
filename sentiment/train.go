package sentiment

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// TrainConfig configures Train. The zero value means the defaults below.
type TrainConfig struct {
	MaxN            int          // longest character n-gram, 1–3; 0 means 2
	Lambda          float64      // L2 penalty on the weights (not the bias); 0 means 0.001
	Iterations      int          // full-batch AdaGrad steps; 0 means 300
	Rate            float64      // AdaGrad step size; 0 means 0.5
	Without         FeatureGroup // feature groups left out (ablations); 0 means all groups
	StrongThreshold float64      // recorded as the model's default Options.StrongThreshold; 0 means 0.5
	// StrongLexicon is the lexicon's negative score (profanity included, degree words applied)
	// at which a negative message is strong whatever the model's Strength (气死 2, 太失望 2.25,
	// 真的受够 2.6); 0 means never. Tune chooses it with the strong threshold.
	StrongLexicon float64
}

func (c TrainConfig) withDefaults() TrainConfig {
	if c.MaxN == 0 {
		c.MaxN = 2
	}
	if c.Lambda == 0 {
		c.Lambda = 0.001
	}
	if c.Iterations == 0 {
		c.Iterations = 300
	}
	if c.Rate == 0 {
		c.Rate = 0.5
	}
	if c.StrongThreshold == 0 {
		c.StrongThreshold = 0.5
	}
	return c
}

func (c TrainConfig) validate() error {
	switch {
	case c.MaxN < 1 || c.MaxN > maxNgram:
		return fmt.Errorf("n-gram length %d is not in 1–%d", c.MaxN, maxNgram)
	case !(c.Lambda > 0) || !(c.Rate > 0) || c.Iterations < 1:
		return fmt.Errorf("lambda %v, rate %v and iterations %d must be positive", c.Lambda, c.Rate, c.Iterations)
	case !(c.StrongThreshold > 0 && c.StrongThreshold <= 1):
		return fmt.Errorf("strong threshold %v is not in (0, 1]", c.StrongThreshold)
	case !(c.StrongLexicon >= 0 && c.StrongLexicon <= 100):
		return fmt.Errorf("strong lexicon score %v is not in [0, 100]", c.StrongLexicon)
	case c.Without&^(GroupLexicon|GroupNgrams|GroupPunctuation|GroupEmoji|GroupLength) != 0:
		return fmt.Errorf("unknown feature groups %#x", uint8(c.Without))
	}
	return nil
}

// String is the configuration as the model file's config line.
func (c TrainConfig) String() string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	return fmt.Sprintf("config ngram=%d lambda=%s iterations=%d rate=%s without=%s strong=%s lexstrong=%s",
		c.MaxN, f(c.Lambda), c.Iterations, f(c.Rate), c.Without, f(c.StrongThreshold), f(c.StrongLexicon))
}

// parseConfig is the inverse of TrainConfig.String.
func parseConfig(line string) (TrainConfig, error) {
	var c TrainConfig
	f := strings.Fields(line)
	if len(f) == 0 || f[0] != "config" {
		return c, fmt.Errorf("want the config line, got %q", line)
	}
	for _, kv := range f[1:] {
		k, v, _ := strings.Cut(kv, "=")
		var err error
		switch k {
		case "ngram":
			c.MaxN, err = strconv.Atoi(v)
		case "lambda":
			c.Lambda, err = strconv.ParseFloat(v, 64)
		case "iterations":
			c.Iterations, err = strconv.Atoi(v)
		case "rate":
			c.Rate, err = strconv.ParseFloat(v, 64)
		case "strong":
			c.StrongThreshold, err = strconv.ParseFloat(v, 64)
		case "lexstrong": // absent from models written before it: 0, never
			c.StrongLexicon, err = strconv.ParseFloat(v, 64)
		case "without":
			var ok bool
			if c.Without, ok = parseGroups(v); !ok {
				err = errors.New("unknown group")
			}
		default:
			err = errors.New("unknown key")
		}
		if err != nil {
			return c, fmt.Errorf("config %s: %v", kv, err)
		}
	}
	c = c.withDefaults()
	return c, c.validate()
}

// sample is one training message as features.
type sample struct {
	dense []float64 // fixed features, then one per urgent reason
	grams []int32   // vocabulary indices, one per occurrence
	class int
}

// classOf maps a labelled example to the model's class.
func classOf(e *Example) int {
	switch {
	case e.Tag == Urgent:
		return classUrgent
	case e.Tag == Negative && e.Strong:
		return classStrong
	case e.Tag == Negative:
		return classNegative
	}
	return classNeutral
}

// Train fits the model on labelled examples with the given lexicon: a multinomial logistic
// regression (neutral, negative, strongly negative, urgent) on the lexicon's scores, character
// n-grams, punctuation, emoji and length, by full-batch AdaGrad with an L2 penalty. It is
// deterministic: the same examples, lexicon and configuration give the same model, to the bit.
func Train(examples []Example, lex *Lexicon, cfg TrainConfig) (*Model, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("sentiment: train: %w", err)
	}
	if len(examples) == 0 {
		return nil, errors.New("sentiment: train: no examples")
	}
	if lex == nil {
		lex = emptyLexicon
	}
	reasons := lex.reasons[:min(len(lex.reasons), maxReasons)]
	nd := numFixed + len(reasons)

	// Features, and the vocabulary of n-grams in sorted order.
	grams := make([][]string, len(examples))
	vocab := map[string]int32{}
	if cfg.Without&GroupNgrams == 0 {
		for i := range examples {
			ngrams(examples[i].Text, cfg.MaxN, func(n int, lead bool, gram string, trail bool, _ int) {
				name := ngramName(n, lead, gram, trail)
				grams[i] = append(grams[i], name)
				vocab[name] = 0
			})
		}
	}
	names := make([]string, 0, len(vocab))
	for name := range vocab {
		names = append(names, name)
	}
	slices.Sort(names)
	for i, name := range names {
		vocab[name] = int32(i)
	}
	samples := make([]sample, len(examples))
	for i := range examples {
		e := &examples[i]
		var sc lexScores
		lex.scan(e.Text, &sc, nil)
		var d dense
		d.lexFeatures(&sc)
		d.surface(e.Text, nil)
		s := sample{dense: make([]float64, nd), class: classOf(e)}
		for j, v := range d.fixed {
			if fixedGroup[j]&cfg.Without == 0 {
				s.dense[j] = float64(v)
			}
		}
		if cfg.Without&GroupLexicon == 0 {
			for j := range reasons {
				s.dense[numFixed+j] = float64(d.reason[j])
			}
		}
		for _, name := range grams[i] {
			s.grams = append(s.grams, vocab[name])
		}
		samples[i] = s
	}

	w := fit(samples, nd, len(names), cfg)

	m := &Model{cfg: cfg, reasons: slices.Clone(reasons)}
	row := func(k int) (r [numClasses]float32) {
		for c := range r {
			r[c] = roundWeight(w[k*numClasses+c])
		}
		return r
	}
	m.bias = row(0)
	for j := range numFixed {
		m.fixed[j] = row(1 + j)
	}
	for j := range reasons {
		m.reasonW = append(m.reasonW, row(1+numFixed+j))
	}
	for i, name := range names {
		if r := row(1 + nd + i); r != [numClasses]float32{} {
			m.grams = append(m.grams, name)
			m.sparse = append(m.sparse, r)
		}
	}
	m.index()
	return m, nil
}

// fit minimises the mean cross-entropy plus lambda/2·|w|² by full-batch AdaGrad. The weights
// are one flat slice, numClasses per row: the bias, the dense features, then the n-grams.
// Explicit float64 conversions keep the compiler from fusing multiply-adds, so every platform
// computes the same bits.
func fit(samples []sample, nd, nv int, cfg TrainConfig) []float64 {
	rows := 1 + nd + nv
	w := make([]float64, rows*numClasses)
	g := make([]float64, len(w))
	acc := make([]float64, len(w)) // AdaGrad's sum of squared gradients
	inv := 1 / float64(len(samples))
	var z [numClasses]float64
	for range cfg.Iterations {
		clear(g)
		for i := range samples {
			s := &samples[i]
			z = [numClasses]float64(w[:numClasses])
			for j, v := range s.dense {
				if v != 0 {
					o := (1 + j) * numClasses
					for c := range z {
						z[c] = z[c] + float64(v*w[o+c])
					}
				}
			}
			for _, k := range s.grams {
				o := (1 + nd + int(k)) * numClasses
				for c := range z {
					z[c] += w[o+c]
				}
			}
			p := softmax64(z)
			p[s.class] -= 1 // now the gradient of the loss with respect to z
			for c := range p {
				g[c] += p[c]
			}
			for j, v := range s.dense {
				if v != 0 {
					o := (1 + j) * numClasses
					for c := range p {
						g[o+c] = g[o+c] + float64(v*p[c])
					}
				}
			}
			for _, k := range s.grams {
				o := (1 + nd + int(k)) * numClasses
				for c := range p {
					g[o+c] += p[c]
				}
			}
		}
		for k := range w {
			gk := g[k] * inv
			if k >= numClasses { // the bias is not penalised
				gk = gk + float64(cfg.Lambda*w[k])
			}
			acc[k] = acc[k] + float64(gk*gk)
			if acc[k] > 0 {
				w[k] -= float64(cfg.Rate*gk) / (math.Sqrt(acc[k]) + 1e-12)
			}
		}
	}
	return w
}

// softmax64 is softmax in float64, for training.
func softmax64(z [numClasses]float64) [numClasses]float64 {
	hi := z[0]
	for _, v := range z[1:] {
		hi = max(hi, v)
	}
	var p [numClasses]float64
	var sum float64
	for i, v := range z {
		p[i] = math.Exp(v - hi)
		sum += p[i]
	}
	for i := range p {
		p[i] /= sum
	}
	return p
}
