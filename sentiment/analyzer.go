package sentiment

import (
	"fmt"
	"math"
	"strings"
)

// Tag is a message's sentiment: neutral, negative or urgent.
type Tag uint8

// The tags, in order of severity.
const (
	Neutral  Tag = iota // 中性: a question, a request, thanks, praise, a problem stated calmly
	Negative            // 负面: disappointed, annoyed, angry, sarcastic
	Urgent              // 紧急: time pressure, safety, money or account, threats to go to 12315, court, media
	numTags
)

var tagNames = [numTags]string{"neutral", "negative", "urgent"}
var tagLabels = [numTags]string{"中性", "负面", "紧急"}

// String returns the tag's English name, as in the labelled set and the API: neutral, negative,
// urgent.
func (t Tag) String() string {
	if t < numTags {
		return tagNames[t]
	}
	return fmt.Sprintf("Tag(%d)", t)
}

// Label returns the tag's display name: 中性, 负面, 紧急.
func (t Tag) Label() string {
	if t < numTags {
		return tagLabels[t]
	}
	return t.String()
}

// ParseTag parses a tag's English name or display name.
func ParseTag(s string) (Tag, error) {
	for t := Tag(0); t < numTags; t++ {
		if s == tagNames[t] || s == tagLabels[t] {
			return t, nil
		}
	}
	return 0, fmt.Errorf("sentiment: unknown tag %q (want neutral, negative or urgent)", s)
}

// CueKind says what a cue is.
type CueKind uint8

// The kinds of cue.
const (
	CueNegative    CueKind = iota + 1 // a [negative] term, or a negated [positive] one (不满意)
	CueProfanity                      // a [profanity] term
	CuePositive                       // a [positive] term
	CueUrgent                         // an [urgent:REASON] term
	CuePunctuation                    // a run of two or more ! or ?
)

var cueKindNames = [...]string{CueNegative: "negative", CueProfanity: "profanity", CuePositive: "positive",
	CueUrgent: "urgent", CuePunctuation: "punctuation"}

// String returns the kind's name, e.g. "urgent".
func (k CueKind) String() string {
	if int(k) < len(cueKindNames) && cueKindNames[k] != "" {
		return cueKindNames[k]
	}
	return fmt.Sprintf("CueKind(%d)", k)
}

// Cue is one piece of evidence found in a message: a lexicon term with the degree word or
// negation in front of it (太失望, 不是很满意), or a run of punctuation (!!!).
type Cue struct {
	// Text is a substring of the analysed text (it shares its memory: copy it if that memory
	// is reused, as fasthttp's request buffers are).
	Text    string
	Kind    CueKind
	Reason  string  // an urgent cue's reason from the lexicon's [urgent:REASON] section
	Weight  float32 // the lexicon weight times the degree (0 when negated); a punctuation run's length
	Negated bool    // a negation cancelled the cue (不急) or turned a positive negative (不满意)
}

// Result is the analysis of one message.
type Result struct {
	Tag Tag
	// Score is the model's probability of Tag. With Options.LexiconOnly it is the lexicon
	// score that decided the tag instead (urgent or negative minus positive; 0 for neutral).
	Score float32
	// Probs are the model's probabilities of neutral, negative and urgent (zero with
	// LexiconOnly).
	Probs [numTags]float32
	// Strength is how strongly negative the message is, in [0, 1]: the model's probability that
	// a negative message is strongly negative (abuse, fury, 再也不买). With LexiconOnly it is
	// the negative score over 4, capped at 1.
	Strength float32
	// Strong is the handoff signal: the message is urgent, or negative with Strength at or
	// above the analyser's strong threshold (Options.StrongThreshold).
	Strong bool
	// Reason is the reason of the heaviest urgent cue (time, safety, money, threat in the sample
	// shop's lexicon), or "".
	Reason string
	// Cues lists the evidence in text order: lexicon cues, then punctuation runs.
	Cues []Cue
}

// Options configure an Analyzer. The zero value means the embedded model and its strong
// threshold.
type Options struct {
	// Model is the learnt model; nil means DefaultModel().
	Model *Model
	// StrongThreshold is the Strength at or above which a negative message is Strong (handed
	// to a person). 0 means the model's own, chosen by cross-validation on the labelled set's
	// dev part (see the model file's config line); with LexiconOnly, 0 means 0.5, i.e. a
	// negative score of 2: one profanity or two ordinary cues. Must be in [0, 1].
	StrongThreshold float64
	// LexiconOnly tags by the lexicon alone: urgent from an urgent score of 1, negative from a
	// negative score (minus the positive score) of 1. It is the baseline the model is measured
	// against, and a fallback that needs no model.
	LexiconOnly bool
}

// Analyzer tags messages. It is immutable and safe for concurrent use.
type Analyzer struct {
	lex         *Lexicon
	m           *Model
	strong      float64
	lexStrong   float64 // the model's StrongLexicon
	lexiconOnly bool
	useGrams    bool
	maxN        int
	// reasonSlot maps the lexicon's reason index to the model's reason feature, or -1.
	reasonSlot [maxReasons]int8
}

// New returns an Analyzer for the shop's lexicon (nil: no lexicon; the model's n-grams and
// surface features still work, but lexicon features are all zero).
func New(lex *Lexicon, opt Options) (*Analyzer, error) {
	if lex == nil {
		lex = emptyLexicon
	}
	if !(opt.StrongThreshold >= 0 && opt.StrongThreshold <= 1) {
		return nil, fmt.Errorf("sentiment: strong threshold %v is not in [0, 1]", opt.StrongThreshold)
	}
	a := &Analyzer{lex: lex, m: opt.Model, strong: opt.StrongThreshold, lexiconOnly: opt.LexiconOnly}
	if a.m == nil && !a.lexiconOnly {
		a.m = DefaultModel()
	}
	if a.strong == 0 {
		a.strong = 0.5
		if !a.lexiconOnly {
			a.strong = a.m.cfg.StrongThreshold
		}
	}
	if a.m != nil && !a.lexiconOnly {
		a.lexStrong = a.m.cfg.StrongLexicon
	}
	if a.m != nil {
		a.useGrams = a.m.cfg.Without&GroupNgrams == 0 && len(a.m.grams) > 0
		a.maxN = a.m.cfg.MaxN
	}
	for i := range a.reasonSlot {
		a.reasonSlot[i] = -1
		if i < len(lex.reasons) && a.m != nil {
			for j, r := range a.m.reasons {
				if r == lex.reasons[i] {
					a.reasonSlot[i] = int8(j)
				}
			}
		}
	}
	return a, nil
}

// StrongThreshold returns the Strength at or above which a negative message is Strong.
func (a *Analyzer) StrongThreshold() float64 { return a.strong }

// Analyze tags one message. text must be normalised (nlp.Normalize; masked or not), as every
// message zhiyi sees is. The result's Cues are freshly allocated when there are any.
func (a *Analyzer) Analyze(text string) Result {
	var r Result
	a.AnalyzeTo(&r, text)
	return r
}

// AnalyzeTo is Analyze into r, reusing r.Cues' memory: with a reused Result it does not
// allocate.
func (a *Analyzer) AnalyzeTo(r *Result, text string) {
	cues := r.Cues[:0]
	*r = Result{}
	var sc lexScores
	a.lex.scan(text, &sc, &cues)
	if a.lexiconOnly {
		var d dense
		d.surface(text, &cues) // only for the punctuation cues
		a.decideLexicon(r, &sc)
	} else {
		a.decideModel(r, text, &sc, &cues)
	}
	r.Cues = cues
	if r.Tag == Urgent {
		var best float32
		for _, c := range cues {
			if c.Kind == CueUrgent && c.Weight > best {
				best, r.Reason = c.Weight, c.Reason
			}
		}
	}
}

// decideLexicon is the lexicon-only baseline.
func (a *Analyzer) decideLexicon(r *Result, sc *lexScores) {
	neg := sc.neg - sc.pos
	r.Strength = min(max(neg, 0)/4, 1)
	switch {
	case sc.urg >= 1:
		r.Tag, r.Score, r.Strong = Urgent, sc.urg, true
	case neg >= 1:
		r.Tag, r.Score = Negative, neg
		r.Strong = float64(r.Strength) >= a.strong
	default:
		r.Tag = Neutral
	}
}

// decideModel runs the learnt model.
func (a *Analyzer) decideModel(r *Result, text string, sc *lexScores, cues *[]Cue) {
	m := a.m
	var d dense
	d.lexFeatures(sc)
	d.surface(text, cues)
	z := m.bias
	for i, v := range d.fixed {
		if v != 0 && m.nonzero[i] {
			w := &m.fixed[i]
			for c := range z {
				z[c] += v * w[c]
			}
		}
	}
	// Reasons past maxReasons have no feature of their own (as in training); their cues still
	// count in the urgent score.
	for i, v := range d.reason[:min(len(a.lex.reasons), maxReasons)] {
		if s := a.reasonSlot[i]; v != 0 && s >= 0 {
			w := &m.reasonW[s]
			for c := range z {
				z[c] += v * w[c]
			}
		}
	}
	dz := z
	a.addGrams(&z, text, nil)
	p := softmax(z)
	r.Probs = [numTags]float32{p[classNeutral], p[classNegative] + p[classStrong], p[classUrgent]}
	var spans [maxCancelled]span
	if n := cancelledOnly(text, sc, *cues, &spans); n > 0 && r.Probs[Negative] > r.Probs[Neutral] {
		// The customer negated every cue they used (一点都不生气, 一点也不急): the words of a
		// cancelled cue are no evidence that they are angry, whatever those words read as
		// elsewhere (一点都不 mostly precedes a positive: 一点都不好). Read the rest.
		a.addGrams(&dz, text, spans[:n])
		p = softmax(dz)
		r.Probs = [numTags]float32{p[classNeutral], p[classNegative] + p[classStrong], p[classUrgent]}
	}
	// Urgent needs an urgent cue (the reason it reports: time, safety, money, threat) or the
	// model's majority without a negated one: a plurality without a cue is a guess from the
	// wording (a size question with two numbers in it read 0.4 urgent), and a guess must not
	// jump an agent's queue.
	last := numTags
	meant, negated := urgentCues(*cues)
	if !meant && (negated || r.Probs[Urgent] < urgentWithoutCue) {
		last = Urgent // 不急 says it is not, whatever the wording around it suggests
	}
	r.Tag = Neutral
	for t := Negative; t < last; t++ {
		if r.Probs[t] > r.Probs[r.Tag] {
			r.Tag = t
		}
	}
	// Conversely, an emergency the customer states (信用卡被盗刷, 充电宝冒烟了) is urgent whatever
	// the words around it: the model's n-grams come from a few hundred messages, and one neutral
	// question in them (会不会被盗刷) made a message ending in 盗刷 read neutral. A question is
	// left to the model, for the labelled set asks about emergencies calmly (安全吗 会不会冒烟).
	if r.Tag != Urgent && decisiveUrgentCue(*cues) && !asks(text) {
		r.Tag = Urgent
	}
	r.Score = r.Probs[r.Tag]
	if neg := r.Probs[Negative]; neg > 0 {
		r.Strength = p[classStrong] / neg
	}
	// The lexicon's word counts too: 气死我了 第三次发错货了 is furious though the model, which saw
	// 气死我了 strong once and long complaints mostly mild, read its Strength 0.17.
	r.Strong = r.Tag == Urgent || r.Tag == Negative && strongNegative(r.Strength, sc.neg, a.strong, a.lexStrong)
}

// addGrams adds the weights of text's n-grams to z, but for those that overlap a span of skip.
func (a *Analyzer) addGrams(z *[numClasses]float32, text string, skip []span) {
	if !a.useGrams {
		return
	}
	m := a.m
	ngrams(text, a.maxN, func(n int, lead bool, gram string, trail bool, at int) {
		for _, s := range skip {
			if at < s.end && at+len(gram) > s.start {
				return
			}
		}
		if i, ok := m.table.Get(ngramHash(n, lead, gram, trail)); ok {
			w := &m.sparse[i]
			for c := range z {
				z[c] += w[c]
			}
		}
	})
}

// span is a byte range [start, end) of a message.
type span struct{ start, end int }

// maxCancelled is the most cancelled cues cancelledOnly reads past.
const maxCancelled = 4

// cancelledOnly reports whether every lexicon cue of the message was cancelled by a negation
// (不生气, 一点也不急; not 不满意, a negated positive that counts as negative) and no run of ! or ?
// was found: it returns the number of those cues, whose places in text it writes to spans, or 0.
// The caller owns spans, so that the hot path does not allocate.
func cancelledOnly(text string, sc *lexScores, cues []Cue, spans *[maxCancelled]span) int {
	if sc.hits != 0 || sc.negated == 0 || sc.negated > maxCancelled {
		return 0
	}
	n, from := 0, 0
	for _, c := range cues {
		// Cues are in text order and their texts are text's substrings: the next occurrence
		// from the end of the previous cue is this one.
		i := strings.Index(text[from:], c.Text)
		if c.Kind == CuePunctuation || i < 0 || n == len(spans) {
			return 0
		}
		spans[n] = span{from + i, from + i + len(c.Text)}
		n++
		from += i + len(c.Text)
	}
	return n
}

// urgentWithoutCue is the probability at which the model alone makes a message urgent.
const urgentWithoutCue = 0.5

// DecisiveUrgentWeight is the weight, degree words included, from which an urgent cue the
// customer states makes a message urgent whatever the model reads: the lexicon's sure signs of an
// emergency (着火, 冒烟, 漏电, 误吞, 盗刷, 扣了两次, 12315, 律师 weigh 3).
const DecisiveUrgentWeight = 3

// decisiveUrgentCue reports whether cues hold an urgent cue the customer means that weighs
// DecisiveUrgentWeight or more.
func decisiveUrgentCue(cues []Cue) bool {
	for _, c := range cues {
		if c.Kind == CueUrgent && !c.Negated && c.Weight >= DecisiveUrgentWeight {
			return true
		}
	}
	return false
}

// asks reports whether a normalised message asks a question: a question mark, or 吗 (安全吗,
// 能退吗). It need not catch every question; one it misses is decided as a statement.
func asks(text string) bool {
	return strings.ContainsAny(text, "?？吗")
}

// urgentCues reports whether cues hold an urgent cue the customer means, and whether they hold
// one the customer negates (不急).
func urgentCues(cues []Cue) (meant, negated bool) {
	for _, c := range cues {
		if c.Kind == CueUrgent {
			if c.Negated {
				negated = true
			} else {
				meant = true
			}
		}
	}
	return meant, negated
}

// softmax turns logits into probabilities.
func softmax(z [numClasses]float32) [numClasses]float32 {
	hi := z[0]
	for _, v := range z[1:] {
		hi = max(hi, v)
	}
	var p [numClasses]float32
	var sum float32
	for i, v := range z {
		p[i] = float32(math.Exp(float64(v - hi)))
		sum += p[i]
	}
	for i := range p {
		p[i] /= sum
	}
	return p
}
