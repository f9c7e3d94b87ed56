package train

import (
	"cmp"
	_ "embed"
	"strings"

	"github.com/zhiyi-ai/zhiyi/nlp"
)

// WeakConfig says how training learns where the exports carry no labels (the usual case: WeCom's
// archive and 微信客服 have no intent field). Every field's zero value means its default.
type WeakConfig struct {
	// NoSeeds leaves kb.yaml's example questions out of training (they are labelled examples
	// every shop has).
	NoSeeds bool `json:"no_seeds,omitempty"`
	// NoNoneSeeds leaves out the built-in out-of-scope examples (seeds/none.txt), which stand in
	// for the out-of-scope class while the labels have fewer than MinNone of their own and count
	// NoneSeedWeight beside them.
	NoNoneSeeds bool `json:"no_none_seeds,omitempty"`
	MinNone     int  `json:"min_none"`
	// Rounds of self-training over the unlabelled customer messages; -1 turns it off.
	Rounds int `json:"rounds"`
	// MinConfidence is the least confidence at which a message takes the model's guess.
	MinConfidence float64 `json:"min_confidence"`
	// PrevTurn, NextTurn and Reply weigh what the conversation says about a message against the
	// message itself: the customer's previous and next messages (a follow-up keeps its topic)
	// and the agent's reply (agents answer an intent with its own words).
	PrevTurn float64 `json:"prev_turn"`
	NextTurn float64 `json:"next_turn"`
	Reply    float64 `json:"reply"`
	// PseudoWeight is how much a self-labelled message counts against an operator's label.
	PseudoWeight float64 `json:"pseudo_weight"`
	// Epochs of each self-training fit, and of the final fit when there is no labelled dev
	// split to stop it early.
	Epochs int `json:"epochs"`
	// Folds of the cross-validation that stands in for a dev split without labels.
	Folds int `json:"folds"`
}

// DefaultWeakConfig returns the settings chosen on the sample shop's chats against their gold
// labels (never on the holdout; see docs/benchmarks.md).
func DefaultWeakConfig() WeakConfig {
	return WeakConfig{MinNone: 200, Rounds: 4, MinConfidence: 0.5, PrevTurn: 0.5, NextTurn: 0.25, Reply: 0.5,
		PseudoWeight: 0.5, Epochs: 3, Folds: 5}
}

// withDefaults fills zero fields with DefaultWeakConfig's.
func (w WeakConfig) withDefaults() WeakConfig {
	d := DefaultWeakConfig()
	w.MinNone = cmp.Or(w.MinNone, d.MinNone)
	w.Rounds = cmp.Or(w.Rounds, d.Rounds)
	w.MinConfidence = cmp.Or(w.MinConfidence, d.MinConfidence)
	w.PrevTurn = cmp.Or(w.PrevTurn, d.PrevTurn)
	w.NextTurn = cmp.Or(w.NextTurn, d.NextTurn)
	w.Reply = cmp.Or(w.Reply, d.Reply)
	w.PseudoWeight = cmp.Or(w.PseudoWeight, d.PseudoWeight)
	w.Epochs = cmp.Or(w.Epochs, d.Epochs)
	w.Folds = cmp.Or(w.Folds, d.Folds)
	return w
}

//go:embed seeds/none.txt
var noneSeedsFile string

// NoneSeeds returns the built-in out-of-scope examples, normalised and masked: questions no
// shop's knowledge base answers (the weather, stocks, recipes, chit-chat with the bot …).
func NoneSeeds() []string {
	var out []string
	for _, line := range strings.Split(noneSeedsFile, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		t, _ := nlp.Mask(nlp.Normalize(line))
		out = append(out, t)
	}
	return out
}
