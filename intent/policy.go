package intent

import (
	"encoding/json"
	"fmt"
	"math"
	"os"

	"github.com/zhiyi-ai/zhiyi/nlp"
)

// Policy turns scores into a calibrated confidence and a route. Training fits it on the dev
// split and stores it in the bundle as policy.json.
type Policy struct {
	// Temperature divides the classifier's logits before the softmax (calibration).
	Temperature float64 `json:"temperature"`
	// Fusion weighs retrieval evidence against the classifier; zero weights mean classifier only.
	Fusion Fusion `json:"fusion"`
	// Auto is the confidence at or above which a message is answered without a human.
	Auto float64 `json:"auto"`
	// AutoByIntent overrides Auto for intents whose dev data asks for a stricter one (training
	// only raises; a bundle may hold any).
	AutoByIntent map[string]float64 `json:"auto_by_intent,omitempty"`
	// Suggest is the confidence at or above which the answer is shown to an agent; below it,
	// the message is handed off.
	Suggest float64 `json:"suggest"`
	// TargetPrecision is the dev precision Auto was chosen for (for the record).
	TargetPrecision float64 `json:"target_precision"`
	// RetrievalK is how many candidates retrieval returns.
	RetrievalK int `json:"retrieval_k"`
	// RetrievalGate skips retrieval when the calibrated classifier (the ranker, when there is one) is at least this sure of
	// its top intent (0: always retrieve). Retrieval costs most of a message's time and rarely
	// changes a confident decision; training picks the gate on dev.
	RetrievalGate float64 `json:"retrieval_gate,omitempty"`
	// Context is how a conversation's active intent weighs on its next message.
	Context ContextPolicy `json:"context,omitempty"`
	// Priors is each intent's share of the messages the model was trained on: the intent mix
	// its probabilities assume (Engine.WithPriors moves them to another mix).
	Priors map[string]float64 `json:"priors,omitempty"`
	// Ranker calibrates the bundle's ranker (RankerFile), when it has one: the ranker's fused
	// scores order the intents, the classifier's fused probabilities are their confidences.
	Ranker *RankerPolicy `json:"ranker,omitempty"`
}

// RankerPolicy is how the ranker's logits are fused with retrieval evidence: as Policy's
// Temperature and Fusion are for the classifier's.
type RankerPolicy struct {
	Temperature float64 `json:"temperature"`
	Fusion      Fusion  `json:"fusion"`
	// Agreement makes an intent's confidence the geometric mean of the two models' calibrated
	// probabilities of it (Confidence) instead of the classifier's alone, so that an answer
	// only one model is sure of is not answered alone. Training sets it; bundles made before
	// it lack it and keep the classifier's probabilities their thresholds were chosen on.
	Agreement bool `json:"agreement,omitempty"`
}

// Confidence is an intent's confidence from the classifier's calibrated probability of it and,
// with rp.Agreement, the ranker's: their geometric mean.
func (rp *RankerPolicy) Confidence(classifier, ranker float64) float64 {
	if rp == nil || !rp.Agreement {
		return classifier
	}
	return math.Sqrt(classifier * ranker)
}

// ContextPolicy says how much a conversation's active intent (Request.ActiveIntent) counts: Weight is
// added to that intent's fused logit before the softmax, and Intents are the intents that may
// become a conversation's active intent — those its next message tends to continue (not
// greetings or thanks). Training fits both on conversations; zero means no context.
type ContextPolicy struct {
	Weight  float64  `json:"weight,omitempty"`
	Intents []string `json:"intents,omitempty"`
	// Weights, when set, holds the weight of each intent as the active one (how strongly its
	// conversations keep to it); an intent missing from it takes Weight.
	Weights map[string]float64 `json:"weights,omitempty"`
	// Features says the classifier was trained with the active intent as a feature of its own
	// (ContextFeature): it learns which intents each topic's follow-ups take.
	Features bool `json:"features,omitempty"`
}

// ContextFeature is the feature id of a conversation's active intent, beside the message's own
// features when ContextPolicy.Features is set. Its text cannot occur in a message.
func ContextFeature(intent string) uint32 {
	return nlp.FeatureID(nlp.FeatWord, "\x00active:"+intent)
}

// WeightOf returns the weight of intent as a conversation's active intent.
func (c ContextPolicy) WeightOf(intent string) float64 {
	if w, ok := c.Weights[intent]; ok {
		return w
	}
	return c.Weight
}

// Fallback reports whether a message decided as intent with confidence was not understood: out
// of scope, or below the suggest threshold.
func (p *Policy) Fallback(intent string, confidence float64) bool {
	return intent == NoneIntent || confidence < p.Suggest
}

// NextActive returns a conversation's active intent after a message decided as intent with
// confidence: that intent when it is sticky and understood, else the active intent before.
// Serving (package reply) and training's replay of conversations both follow it.
func (p *Policy) NextActive(active, intent string, confidence float64) string {
	if p.Fallback(intent, confidence) {
		return active
	}
	if len(p.Context.Intents) == 0 {
		if intent != NoneIntent { // a bundle from before context: every intent
			return intent
		}
		return active
	}
	if p.Context.Sticky(intent) {
		return intent
	}
	return active
}

// Sticky reports whether an intent may become a conversation's active intent.
func (c ContextPolicy) Sticky(intent string) bool {
	for _, it := range c.Intents {
		if it == intent {
			return true
		}
	}
	return false
}

// Fusion weights of the ranker: fused logit of an intent =
//
//	Classifier·logit/T + BM25·s/(s+BM25Half) + Agree·(share of top-K hits) + Overlap·(term overlap of the best hit)
type Fusion struct {
	Classifier float64 `json:"classifier"`
	BM25       float64 `json:"bm25"`
	BM25Half   float64 `json:"bm25_half"`
	Agree      float64 `json:"agree"`
	Overlap    float64 `json:"overlap"`
}

// IsZero reports whether fusion is off (classifier only).
func (f Fusion) IsZero() bool { return f.BM25 == 0 && f.Agree == 0 && f.Overlap == 0 }

// UsesRetrieval reports whether the classifier's fusion or the ranker's weighs retrieval
// evidence.
func (p *Policy) UsesRetrieval() bool {
	return !p.Fusion.IsZero() || p.Ranker != nil && !p.Ranker.Fusion.IsZero()
}

// ClassifierOnly returns a copy of p with retrieval switched off: the classifier (and the
// ranker, when there is one) alone.
func (p Policy) ClassifierOnly() Policy {
	p.Fusion, p.RetrievalGate = Fusion{Classifier: 1}, 0
	if p.Ranker != nil {
		rp := *p.Ranker
		rp.Fusion = Fusion{Classifier: 1}
		p.Ranker = &rp
	}
	return p
}

// DefaultPolicy is used when training had no dev data to choose thresholds from.
func DefaultPolicy() Policy {
	return Policy{Temperature: 1, Fusion: Fusion{Classifier: 1, BM25Half: 5}, Auto: 0.9, Suggest: 0.4, TargetPrecision: 0.95, RetrievalK: 10}
}

// AutoThreshold returns the auto threshold for an intent.
func (p *Policy) AutoThreshold(intent string) float64 {
	if t, ok := p.AutoByIntent[intent]; ok {
		return t
	}
	return p.Auto
}

// Decide routes a prediction: out-of-scope and handoff intents go to a human, otherwise the
// confidence bands decide.
func (p *Policy) Decide(intent string, confidence float64, handoff bool) (Route, string) {
	switch {
	case intent == NoneIntent:
		return RouteHandoff, ReasonOutOfScope
	case handoff:
		return RouteHandoff, ReasonPersonHandles
	case confidence >= p.AutoThreshold(intent):
		return RouteAuto, ReasonConfident
	case confidence >= p.Suggest && p.AutoThreshold(intent) > 1:
		// A bar above any confidence (a model of kb.yaml's examples alone): "not confident
		// enough" beside a confidence of 0.99 left the operator guessing why.
		return RouteSuggest, ReasonNeverAuto
	case confidence >= p.Suggest:
		return RouteSuggest, ReasonNotConfident
	}
	return RouteHandoff, ReasonLowConfidence
}

// Validate checks that a policy read from disk makes sense.
func (p *Policy) Validate() error {
	bad := func(name string, v float64) error {
		return fmt.Errorf("policy: %s = %v is out of range", name, v)
	}
	switch {
	case !(p.Temperature > 0) || math.IsInf(p.Temperature, 0):
		return bad("temperature", p.Temperature)
	case p.Auto < 0 || p.Auto > 1.01 || math.IsNaN(p.Auto):
		return bad("auto", p.Auto)
	case p.Suggest < 0 || p.Suggest > 1.01 || math.IsNaN(p.Suggest):
		return bad("suggest", p.Suggest)
	case p.RetrievalK < 0 || p.RetrievalK > 1000:
		return bad("retrieval_k", float64(p.RetrievalK))
	case p.RetrievalGate < 0 || p.RetrievalGate > 1.01 || math.IsNaN(p.RetrievalGate):
		return bad("retrieval_gate", p.RetrievalGate)
	case p.Fusion.Classifier < 0 || math.IsNaN(p.Fusion.Classifier):
		return bad("fusion.classifier", p.Fusion.Classifier)
	case !(p.Context.Weight >= 0 && p.Context.Weight <= 20):
		return bad("context.weight", p.Context.Weight)
	case p.Ranker != nil && (!(p.Ranker.Temperature > 0) || math.IsInf(p.Ranker.Temperature, 0)):
		return bad("ranker.temperature", p.Ranker.Temperature)
	case p.Ranker != nil && (p.Ranker.Fusion.Classifier < 0 || math.IsNaN(p.Ranker.Fusion.Classifier)):
		return bad("ranker.fusion.classifier", p.Ranker.Fusion.Classifier)
	}
	for name, w := range p.Context.Weights {
		if !(w >= 0 && w <= 20) {
			return bad("context.weights."+name, w)
		}
	}
	for name, v := range p.Priors {
		if !(v > 0 && v <= 1) {
			return bad("priors."+name, v)
		}
	}
	for name, t := range p.AutoByIntent {
		if t < 0 || t > 1.01 || math.IsNaN(t) {
			return bad("auto_by_intent."+name, t)
		}
	}
	return nil
}

// ReadPolicy reads and validates policy.json.
func ReadPolicy(path string) (Policy, error) {
	var p Policy
	data, err := os.ReadFile(path)
	if err != nil {
		return p, fmt.Errorf("policy: %w", err)
	}
	if err := json.Unmarshal(data, &p); err != nil {
		return p, fmt.Errorf("policy %s: %w", path, err)
	}
	return p, p.Validate()
}
