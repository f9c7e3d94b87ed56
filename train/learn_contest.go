package train

import (
	"cmp"
	"context"
	"math"
	"slices"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// A batch is refused when more than maxContested of its corrections are contested (and it has
// at least minContestBatch: a share of a handful is no evidence), or when minContestBatch of them
// are contested moving one intent to one other, however many genuine corrections dilute them
// (a templated batch mixed into a day's real ones). A correction is contested when
// the bundle trained from exports (Learn's judge) answers its message with another intent at a
// confidence of at least contestConf, the shop's own labelled message most like it is alike at
// least contestSim, and none of the contestK most like it carries the corrected intent: the
// correction contradicts both the model and the shop's own labels for messages like it. Learnt
// corrections are neither judge nor label: once promoted, a poisoned batch taught the parent and
// stood in its history, and vouched for the next of its kind.
//
// The evaluation set judges what a batch does to the kinds of message it holds; a batch of one
// kind the set holds few of (one agent's 50 templated returns, 这件卫衣想退货 …, "corrected" to
// issue_invoice) cost it nothing and was promoted. The replay holds the shop's labelled
// messages of every kind. On the sample shop (scripts/learnsim with the stress set as traffic)
// that batch is 47 of 50 contested, the 58 corrections from gold 3; the other poisoned batches,
// refused before this check, would be by it too (random intents 119 of 200, every return
// "corrected" to issue_invoice 28 of 47). A genuine correction is a message the parent got
// wrong: mostly unsure, or beside labelled messages that carry the corrected intent, or saying
// what no labelled message says (a word the shop never labelled, 报销凭证: contestSim leaves it
// to the other checks, for the labels cannot contradict it).
const (
	contestK        = 5
	contestConf     = 0.8
	contestSim      = 0.2
	maxContested    = 0.5
	minContestBatch = 10
)

// contestedMove is the largest group of contested corrections that move one intent to another.
type contestedMove struct {
	From, To string
	N        int
}

// contested returns how many of the corrections (fixes, and fixEx their examples) are contested
// (see maxContested) by the judge (eng) and the shop's own labelled messages (replay), and the
// largest group of them that moves one intent to one other.
func contested(ctx context.Context, eng *intent.Engine, replay, fixEx []Example, fixes []Labelled) (int, contestedMove) {
	nb := newNeighbours(replay)
	n := 0
	moves := map[[2]string]int{}
	var most contestedMove
	var near []int
	for i, f := range fixes {
		res := eng.Classify(ctx, intent.Request{Text: f.Text})
		if res.Intent == f.Intent || res.Confidence < contestConf {
			continue
		}
		var top float64
		near, top = nb.nearest(fixEx[i].Features, contestK, near[:0])
		if top < contestSim {
			continue
		}
		agrees := false
		for _, d := range near {
			agrees = agrees || replay[d].Label == fixEx[i].Label
		}
		if !agrees {
			n++
			move := [2]string{res.Intent, f.Intent}
			moves[move]++
			if moves[move] > most.N {
				most = contestedMove{From: move[0], To: move[1], N: moves[move]}
			}
		}
	}
	return n, most
}

// neighbours finds the labelled messages most like a message: cosine similarity of their feature
// sets, each feature weighted by its inverse document frequency in the set, so that what two
// messages share of the shop's common words counts little and a rare word much.
type neighbours struct {
	postings map[uint32][]int32 // feature → the examples that have it
	idf      map[uint32]float64
	unseen   float64   // the weight of a feature no example has: the rarest there is
	norm     []float64 // of each example's weighted feature set
	score    []float64 // scratch, one per example
}

func newNeighbours(examples []Example) *neighbours {
	n := float64(len(examples))
	nb := &neighbours{postings: map[uint32][]int32{}, idf: map[uint32]float64{}, unseen: math.Log(n + 1),
		norm: make([]float64, len(examples)), score: make([]float64, len(examples))}
	var set []uint32
	for i, ex := range examples {
		set = featureSet(set[:0], ex.Features)
		for _, f := range set {
			nb.postings[f] = append(nb.postings[f], int32(i))
		}
	}
	for f, p := range nb.postings {
		nb.idf[f] = math.Log((n + 1) / (float64(len(p)) + 1))
	}
	for i, ex := range examples {
		set = featureSet(set[:0], ex.Features)
		for _, f := range set {
			nb.norm[i] += nb.idf[f] * nb.idf[f]
		}
		nb.norm[i] = math.Sqrt(nb.norm[i])
	}
	return nb
}

// nearest appends to dst the indices of the (at most) k examples most like features, most alike
// first, and returns the similarity of the first (0 when none). Examples that share no weighed
// feature with it are never among them. The message's features that no example has count in its
// norm: what the examples do not know of it makes them less like it.
func (nb *neighbours) nearest(features []uint32, k int, dst []int) ([]int, float64) {
	var touched []int
	qn := 0.0
	for _, f := range featureSet(nil, features) {
		idf, ok := nb.idf[f]
		if !ok {
			idf = nb.unseen
		}
		qn += idf * idf
		if idf == 0 {
			continue // in every example: it tells no example from another
		}
		for _, d := range nb.postings[f] {
			if nb.score[d] == 0 {
				touched = append(touched, int(d))
			}
			nb.score[d] += idf * idf
		}
	}
	sim := make(map[int]float64, len(touched))
	for _, d := range touched {
		sim[d] = nb.score[d] / (math.Sqrt(qn) * nb.norm[d])
		nb.score[d] = 0
	}
	slices.SortFunc(touched, func(a, b int) int {
		if c := cmp.Compare(sim[b], sim[a]); c != 0 {
			return c
		}
		return a - b
	})
	if len(touched) == 0 {
		return dst, 0
	}
	return append(dst, touched[:min(k, len(touched))]...), sim[touched[0]]
}

// featureSet returns features sorted and without repeats, in dst's storage.
func featureSet(dst, features []uint32) []uint32 {
	dst = append(dst, features...)
	slices.Sort(dst)
	return slices.Compact(dst)
}
