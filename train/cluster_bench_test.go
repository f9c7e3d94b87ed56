package train

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// zipfVectors makes n L2-normalised vectors of 8–24 features drawn from a Zipf law over 50,000,
// as a chat's words and character pairs are: a few shared by thousands of messages.
func zipfVectors(n int) []sparse {
	r := rand.New(rand.NewPCG(1, 2))
	z := rand.NewZipf(r, 1.1, 2, 50_000)
	vecs := make([]sparse, n)
	for i := range vecs {
		seen := map[uint32]bool{}
		for range 8 + r.IntN(17) {
			seen[uint32(z.Uint64())] = true
		}
		var v sparse
		for id := range seen {
			v.ids = append(v.ids, id)
		}
		slices.Sort(v.ids)
		w := float32(1 / math.Sqrt(float64(len(v.ids))))
		for range v.ids {
			v.w = append(v.w, w)
		}
		vecs[i] = v
	}
	return vecs
}

// BenchmarkLeaderCluster clusters 5,000 messages' vectors, as zhiyi cluster does after the
// analysis.
func BenchmarkLeaderCluster(b *testing.B) {
	vecs := zipfVectors(5_000)
	cfg := ClusterConfig{}.withDefaults()
	for b.Loop() {
		leaderCluster(vecs, cfg)
	}
}
