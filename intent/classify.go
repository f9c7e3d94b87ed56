package intent

import (
	"context"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/zhiyi-ai/zhiyi/nlp"
)

// classifyScratch is one Classify's working memory, reused across messages: the analysis's
// buffers, the scores (with the classifier's row list) and the probabilities. Zeroing the
// scores for every message cost more than the softmax over them.
type classifyScratch struct {
	an    nlp.Buffers
	score scoreBuf
	probs [64]float64
	ranks [64]float64 // the ranker's, when there is one
}

func newScratchPool() *sync.Pool {
	return &sync.Pool{New: func() any { return new(classifyScratch) }}
}

// numCandidates is how many ranked intents a result lists.
const numCandidates = 3

// Classify decides one message. It never fails: a message that cannot be understood is handed
// off. ctx bounds retrieval.
func (e *Engine) Classify(ctx context.Context, req Request) Result {
	start := time.Now()
	sc := e.scratch.Get().(*classifyScratch)
	an := e.an.AnalyzeWith(req.Text, &sc.an)
	res := e.decide(ctx, req, an, sc, start)
	sc.an.Keep(an)
	e.scratch.Put(sc)
	return res
}

// ClassifyAnalyzed is Classify for an analysis of req.Text the caller already made with
// Analyzer() (to read its text and terms first, as operator rules do): the message is not
// analysed twice. The result keeps no reference to an's slices.
func (e *Engine) ClassifyAnalyzed(ctx context.Context, req Request, an nlp.Analysis) Result {
	start := time.Now()
	sc := e.scratch.Get().(*classifyScratch)
	res := e.decide(ctx, req, an, sc, start)
	e.scratch.Put(sc)
	return res
}

// decide scores an analysis and decides: Classify's work after the analysis.
func (e *Engine) decide(ctx context.Context, req Request, an nlp.Analysis, sc *classifyScratch, start time.Time) Result {
	if e.policy.Context.Features && req.ActiveIntent != "" {
		an.Features = append(an.Features, ContextFeature(req.ActiveIntent))
	}
	s := e.score(ctx, an, &sc.score)
	exps, inv := fuseExps(s, e.policy.Fusion, e.policy.Temperature, sc.probs[:0])
	// The ranker, when there is one, orders the intents; the classifier's probabilities (with
	// RankerPolicy.Agreement, and the ranker's) give their confidences, so an intent the two
	// disagree on is not answered alone.
	ranks, ranked := exps, false
	if rp := e.policy.Ranker; rp != nil && s.Ranker != nil {
		ranks, _ = fuseExps(s.Ranked(), rp.Fusion, rp.Temperature, sc.ranks[:0])
		ranked = true
	}
	ratio := e.priorRatio
	if e.mix != nil {
		if !e.mixReadOnly && observable(an) {
			e.mix.observe(exps, inv) // as trained: before any mix, context or ranker
		}
		ratio = e.mix.ratios()
	}
	if ratio != nil {
		sum := 0.0
		for j, r := range ratio {
			exps[j] *= r
			sum += exps[j]
			if ranked {
				ranks[j] *= r
			}
		}
		inv = 1 / sum
	}
	// alone keeps the active intent's values before the context's bonus: the route is decided
	// on the confidence without it (see below).
	alone := contextBonus{active: -1}
	if w := e.policy.Context.WeightOf(req.ActiveIntent); w > 0 && req.ActiveIntent != "" {
		if j, ok := e.labelIdx[req.ActiveIntent]; ok {
			// the active intent's logit + w: its exp times e^w, renormalised
			old := exps[j]
			alone = contextBonus{active: j, exp: old, inv: inv}
			exps[j] *= math.Exp(w)
			inv = 1 / (1/inv - old + exps[j])
			if ranked {
				alone.rank = ranks[j]
				ranks[j] *= math.Exp(w)
			}
		}
	}
	var orderBuf [numCandidates]int
	order := topK(ranks, numCandidates, orderBuf[:0])
	var probs [numCandidates]float64 // of order's labels: Fuse's values, bit for bit
	for i, j := range order {
		probs[i] = exps[j] * inv
	}
	labels := e.clf.Labels()
	best := order[0]
	// The active intent's bonus (Policy.Context's weight) helps choose the intent, not answer
	// alone: when the message's top intent is its conversation's active intent, the route goes
	// by its confidence in it without the bonus. Replaying the sample shop's late-September
	// conversations, answers that only the bonus made automatic were right 0.875 of the time,
	// the others 0.984 (docs/benchmarks.md). A classifier trained with context features keeps
	// what it learnt of the topic's follow-ups: that is evidence, not a bonus.
	routeConf := -1.0
	if best == alone.active {
		routeConf = alone.exp * alone.inv
	}
	if rp := e.policy.Ranker; ranked && rp.Agreement {
		sum := 0.0
		for _, v := range ranks {
			sum += v
		}
		for i, j := range order {
			probs[i] = rp.Confidence(probs[i], ranks[j]/sum)
		}
		if routeConf >= 0 {
			routeConf = rp.Confidence(routeConf, alone.rank/(sum-ranks[best]+alone.rank))
		}
	}
	if routeConf < 0 {
		routeConf = probs[0]
	}
	// The answer and the candidates outlive the call: one allocation holds both.
	out := new(struct {
		answer     Answer
		candidates [numCandidates]Candidate
	})
	res := Result{
		MsgID:      req.MsgID,
		Intent:     labels[best],
		Confidence: round4(probs[0]), // rounded for display; decisions use the exact value
		Rewrites:   an.Rewrites,
		Masked:     an.Masked.Kinds(),
		Model:      e.version,
		Candidates: out.candidates[:0],
	}
	if res.Rewrites == nil {
		res.Rewrites = []nlp.Rewrite{}
	}
	handoff, priority := false, normalPriority
	if it := e.intents[best]; it != nil {
		res.Label, res.Category, handoff = it.Label, it.Category, it.Handoff
		if it.Handoff && it.Priority > 0 {
			priority = it.Priority
		}
		if len(it.Answers) > 0 {
			a := &it.Answers[0]
			out.answer = Answer{ID: a.ID, Text: a.Text, encoded: e.answers[best]}
			if strings.Contains(a.Text, "{{") {
				out.answer = Answer{ID: a.ID, Text: a.Template().Fill(req.Vars)} // {{nickname|亲}}
			}
			res.Answer = &out.answer
		}
	}
	if !observable(an) {
		// Nothing to go on (punctuation, a lone emoji): a person reads it.
		res.Route, res.Reason = RouteHandoff, ReasonNoWords
	} else {
		res.Route, res.Reason = e.policy.Decide(res.Intent, routeConf, handoff)
		if res.Route != RouteAuto && routeConf < probs[0] {
			if r, _ := e.policy.Decide(res.Intent, probs[0], handoff); r == RouteAuto {
				res.Reason = ReasonContextOnly
			}
		}
	}
	if res.Route == RouteHandoff {
		// the agents' queue: the knowledge base's priority of a person's intent, normal for
		// the rest (out of scope, unsure, nothing to read)
		res.Priority = priority
	}
	for i, j := range order {
		c := Candidate{Intent: labels[j], Confidence: round4(probs[i])}
		if it := e.intents[j]; it != nil {
			c.Label = it.Label
		}
		if s.Evidence != nil {
			c.Retrieval = round4(s.Evidence[j].BM25)
			c.Example = s.Evidence[j].Example
		}
		res.Candidates = append(res.Candidates, c)
	}
	if req.Debug {
		// the analysis's slices go back to the pool: the result gets copies
		res.Debug = &Debug{Text: an.Text, Tokens: slices.Clone(an.Tokens), Terms: slices.Clone(an.Terms),
			Masked: an.Masked.Kinds(), Features: slices.Clone(an.Features), Confidence: routeConf}
	}
	res.TookMicros = time.Since(start).Microseconds()
	return res
}

// contextBonus is the conversation's active intent (its index, -1 for none) and, before the
// context's bonus was added, its exp, rank and the softmax's normaliser.
type contextBonus struct {
	active         int
	exp, rank, inv float64
}

// normalPriority is a handoff's priority when nothing says it is more pressing (Result.Priority).
const normalPriority = 3

// topK returns, in out's storage, the indices of the k largest values, largest first (ties:
// lower index first), found in one pass.
func topK(v []float64, k int, out []int) []int {
	k = min(k, len(v))
	out = out[:0]
	if k <= 0 {
		return out
	}
	insert := func(j int) { // into out, sorted, after the values it does not beat
		i := len(out) - 1
		for ; i > 0 && v[j] > v[out[i-1]]; i-- {
			out[i] = out[i-1]
		}
		out[i] = j
	}
	for j := range k {
		out = append(out, j)
		insert(j)
	}
	kth := v[out[k-1]]
	for j := k; j < len(v); j++ {
		if v[j] <= kth {
			continue
		}
		insert(j)
		kth = v[out[k-1]]
	}
	return out
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }
