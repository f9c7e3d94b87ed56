package train

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/nlp"
)

// SheetLine is one line of a cluster sheet (zhiyi cluster, zhiyi unmatched, the console): a group
// of similar customer messages with what the model suggests, for an operator to label at once.
// The operator fills Intent with an intent id, "none", "new:<中文标签>", or leaves it empty to skip;
// zhiyi train --labels then labels every member. Other tools read and write these names.
type SheetLine struct {
	Cluster    string   `json:"cluster"`
	Size       int      `json:"size"`       // messages in the cluster (members, repeats included)
	Suggested  string   `json:"suggested"`  // the model's most frequent intent among the members
	Confidence float64  `json:"confidence"` // the model's mean confidence in Suggested over those members
	Terms      []string `json:"terms"`      // the words that most set the cluster apart
	Samples    []string `json:"samples"`    // up to five members, masked, the most typical first
	Members    []string `json:"members"`    // message ids
	// Context is what the members' conversations were about when they came (the active intent
	// that at least half of them share), for follow-ups that say little alone (订单号<ORDER>);
	// absent when there is none.
	Context string `json:"context,omitempty"`
	Intent  string `json:"intent"`
}

// ClusterMessage is one message to cluster: its id (for labels), its masked text and the intent
// its conversation was about when it came ("" when none or unknown). Messages with the same text
// and context fall into one cluster together.
type ClusterMessage struct {
	ID      string
	Text    string
	Context string
}

// ClusterConfig controls Cluster. The zero value means the defaults.
type ClusterConfig struct {
	// MinSimilarity is the cosine similarity a message needs with a cluster's centre to join it
	// (default 0.35, chosen on the sample shop's chats against their gold labels).
	MinSimilarity float64
	// Passes of reassignment after the first pass (default 3).
	Passes int
	// Samples per cluster in the sheet (default 5).
	Samples int
	// ContextWeight is the weight of a message's context (ClusterMessage.Context) beside its
	// words, as one more feature of that TF-IDF weight: a follow-up that says little (订单号<ORDER>,
	// 快点, 多少钱) means what its conversation is about, and is grouped with follow-ups of the same
	// topic; a message that says much is grouped by what it says. 0: the default; negative: none.
	ContextWeight float64
}

func (c ClusterConfig) withDefaults() ClusterConfig {
	if c.MinSimilarity == 0 {
		c.MinSimilarity = 0.35
	}
	if c.Passes == 0 {
		c.Passes = 3
	}
	if c.Samples == 0 {
		c.Samples = 5
	}
	if c.ContextWeight == 0 {
		c.ContextWeight = DefaultClusterContextWeight
	}
	return c
}

// DefaultClusterContextWeight is ClusterConfig.ContextWeight's default, chosen on the sample
// shop's chats against their gold labels (docs/benchmarks.md, thirty-first session): at 2 a
// follow-up's context joins it to others of its topic; from 2.5 the context alone outweighs
// the similarity a cluster asks for and unrelated questions of one topic merge.
const DefaultClusterContextWeight = 2.0

// clusterKinds are the features similar questions share: words after synonym and dialect
// rewrites, the rewrites' canonical terms, subword units and character pairs (which survive
// typos and segmentation slips).
var clusterKinds = [8]bool{nlp.FeatWord: true, nlp.FeatRewrite: true, nlp.FeatSubword: true, nlp.FeatChar2: true}

// sparse is an L2-normalised TF-IDF vector, sorted by feature id.
type sparse struct {
	ids []uint32
	w   []float32
}

// centroid is a cluster's centre: the sum of its members' vectors, a value per feature it has
// held (slot), so the inverted index can point at a feature's value without a map lookup.
type centroid struct {
	slot  map[uint32]int32 // feature → index in vals
	vals  []float64
	norm2 float64 // squared norm of the sum, kept as members come and go
}

func newCentroid() *centroid { return &centroid{slot: map[uint32]int32{}} }

// slotOf returns the index of feature id's value, and whether it is new.
func (c *centroid) slotOf(id uint32) (int32, bool) {
	if k, ok := c.slot[id]; ok {
		return k, false
	}
	k := int32(len(c.vals))
	c.slot[id] = k
	c.vals = append(c.vals, 0)
	return k, true
}

// add adds v to the centre (sign 1) or takes it away (-1).
func (c *centroid) add(v sparse, sign float64) {
	for i, id := range v.ids {
		k, _ := c.slotOf(id)
		old := c.vals[k]
		now := old + sign*float64(v.w[i])
		c.vals[k] = now
		c.norm2 += now*now - old*old
	}
	c.norm2 = max(c.norm2, 0)
}

func (c *centroid) cos(v sparse) float64 {
	if c.norm2 <= 0 {
		return 0
	}
	s := 0.0
	for i, id := range v.ids {
		if k, ok := c.slot[id]; ok {
			s += c.vals[k] * float64(v.w[i])
		}
	}
	return s / math.Sqrt(c.norm2)
}

// LeaveOutDataOnlyMessages returns msgs but those that only give personal data (订单号<ORDER>,
// 手机号 <PHONE>), and how many those were: training leaves such a message out whatever its
// label (its need is its conversation's), so a sheet line of them would be labelled for nothing.
func LeaveOutDataOnlyMessages(an *nlp.Analyzer, msgs []ClusterMessage) (keep []ClusterMessage, dataOnly int) {
	for _, m := range msgs {
		if onlyGivesData(an, m.Text) {
			dataOnly++
			continue
		}
		keep = append(keep, m)
	}
	return keep, dataOnly
}

// Cluster groups similar messages by the engine's analysis (TF-IDF over words, rewrites,
// subwords and character pairs; cosine similarity to a cluster's centre, leader clustering in
// order of how typical a message is, then a few passes of reassignment) and returns the sheet,
// largest cluster first, with what the engine suggests for each. Clusters are numbered c1, c2 …
// in that order. The same messages give the same sheet.
func Cluster(ctx context.Context, eng *intent.Engine, msgs []ClusterMessage, cfg ClusterConfig) ([]SheetLine, error) {
	cfg = cfg.withDefaults()
	// distinct texts in their contexts, each with its members
	var texts []clusterText
	members := map[clusterText][]string{}
	for _, m := range msgs {
		t := clusterText{m.Text, m.Context}
		if cfg.ContextWeight < 0 {
			t.context = ""
		}
		if _, ok := members[t]; !ok {
			texts = append(texts, t)
		}
		members[t] = append(members[t], m.ID)
	}
	an := eng.Analyzer()
	df := map[uint32]int{}
	raw := make([][]uint32, len(texts))
	termsOf := make([][]string, len(texts))
	for i, t := range texts {
		if i%512 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		a := an.Analyze(t.text)
		var ids []uint32
		for _, f := range a.Features {
			if k := nlp.Kind(f); int(k) < len(clusterKinds) && clusterKinds[k] {
				ids = append(ids, f)
			}
		}
		if t.context != "" {
			ids = append(ids, contextFeature(t.context))
		}
		slices.Sort(ids)
		raw[i] = ids
		termsOf[i] = slices.Clone(a.Terms)
		for _, id := range slices.Compact(slices.Clone(ids)) {
			df[id]++
		}
	}
	n := float64(len(texts))
	vecs := make([]sparse, len(texts))
	for i, ids := range raw {
		var v sparse
		norm := 0.0
		ctxID, hasCtx := contextFeature(texts[i].context), texts[i].context != ""
		for j := 0; j < len(ids); {
			k := j
			for k < len(ids) && ids[k] == ids[j] {
				k++
			}
			w := (1 + math.Log(float64(k-j))) * math.Log((1+n)/(1+float64(df[ids[j]])))
			if hasCtx && ids[j] == ctxID {
				w *= cfg.ContextWeight
			}
			v.ids, v.w = append(v.ids, ids[j]), append(v.w, float32(w))
			norm += w * w
			j = k
		}
		if norm > 0 {
			inv := float32(1 / math.Sqrt(norm))
			for j := range v.w {
				v.w[j] *= inv
			}
		}
		vecs[i] = v
	}
	assign := leaderCluster(vecs, cfg)

	// the sheet
	groups := map[int][]int{}
	for i, c := range assign {
		groups[c] = append(groups[c], i)
	}
	var lines []SheetLine
	for _, idx := range groups {
		lines = append(lines, sheetLine(ctx, eng, idx, texts, members, vecs, termsOf, df, n, cfg))
	}
	slices.SortStableFunc(lines, func(a, b SheetLine) int {
		if c := cmp.Compare(b.Size, a.Size); c != 0 {
			return c
		}
		return cmp.Compare(a.Samples[0], b.Samples[0])
	})
	for i := range lines {
		lines[i].Cluster = "c" + strconv.Itoa(i+1)
	}
	return lines, nil
}

// clusterText is a distinct message text in its context.
type clusterText struct{ text, context string }

// contextFeature is the feature of a message's context: the classifier's own (the context
// feature of a conversation's active intent).
func contextFeature(active string) uint32 { return intent.ContextFeature(active) }

// leaderCluster assigns each vector a cluster: in order of how many close neighbours a text has
// (typical questions first, so they become the centres), each joins the most similar centre at or
// above MinSimilarity or starts its own; then every text moves to its most similar centre, a few
// times. It returns each vector's cluster number. Centres are found through an inverted index
// from features to the centres holding them, so a text is compared only with centres it shares
// a feature with.
func leaderCluster(vecs []sparse, cfg ClusterConfig) []int {
	typ := typicality(vecs, cfg.MinSimilarity)
	order := make([]int, len(vecs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(typ[b], typ[a]) })
	var cents []*centroid
	// feature → the centres that have held it, with the feature's slot in each: a text is
	// compared only with centres it shares a feature with, and reads their values directly
	// (a map lookup per centre and feature took two thirds of the time on 25,000 messages)
	type held struct{ centre, slot int32 }
	inv := map[uint32][]held{}
	var acc []float64
	var touched []int
	nearest := func(v sparse) (int, float64) {
		touched = touched[:0]
		for j, id := range v.ids {
			for _, h := range inv[id] {
				c := h.centre
				if acc[c] == 0 {
					touched = append(touched, int(c))
				}
				acc[c] += cents[c].vals[h.slot] * float64(v.w[j])
			}
		}
		best, bestSim := -1, 0.0
		for _, c := range touched {
			if n := cents[c].norm2; n > 0 {
				if s := acc[c] / math.Sqrt(n); s > bestSim+1e-12 || s > bestSim-1e-12 && best >= 0 && c < best {
					best, bestSim = c, s
				}
			}
			acc[c] = 0
		}
		return best, bestSim
	}
	join := func(i, c int) {
		for _, id := range vecs[i].ids {
			if k, isNew := cents[c].slotOf(id); isNew {
				inv[id] = append(inv[id], held{int32(c), k})
			}
		}
		cents[c].add(vecs[i], 1)
	}
	assign := make([]int, len(vecs))
	for _, i := range order {
		best, sim := nearest(vecs[i])
		if best < 0 || sim < cfg.MinSimilarity {
			best = len(cents)
			cents = append(cents, newCentroid())
			acc = append(acc, 0)
		}
		join(i, best)
		assign[i] = best
	}
	for range cfg.Passes {
		moved := 0
		for _, i := range order {
			cur := assign[i]
			cents[cur].add(vecs[i], -1)
			best, sim := nearest(vecs[i])
			// Move only to a centre close enough to join, and closer than its own (without it).
			if best < 0 || best != cur && (sim < cfg.MinSimilarity || sim <= cents[cur].cos(vecs[i])+1e-9) {
				best = cur
			}
			join(i, best)
			if best != cur {
				assign[i] = best
				moved++
			}
		}
		if moved == 0 {
			break
		}
	}
	return assign
}

// typicality counts, for each vector, the others at least minSim similar to it.
func typicality(vecs []sparse, minSim float64) []float64 {
	type posting struct {
		doc int32
		w   float32
	}
	post := map[uint32][]posting{}
	for i, v := range vecs {
		for j, id := range v.ids {
			post[id] = append(post[id], posting{int32(i), v.w[j]})
		}
	}
	typ := make([]float64, len(vecs))
	acc := make([]float64, len(vecs))
	var touched []int32
	for i, v := range vecs {
		touched = touched[:0]
		for j, id := range v.ids {
			for _, p := range post[id] {
				if acc[p.doc] == 0 {
					touched = append(touched, p.doc)
				}
				acc[p.doc] += float64(v.w[j] * p.w)
			}
		}
		for _, o := range touched {
			if int(o) != i && acc[o] >= minSim {
				typ[i]++
			}
			acc[o] = 0
		}
	}
	return typ
}

// sheetLine describes one cluster: size, the engine's suggestion, distinctive terms, samples.
func sheetLine(ctx context.Context, eng *intent.Engine, idx []int, texts []clusterText, members map[clusterText][]string,
	vecs []sparse, termsOf [][]string, df map[uint32]int, n float64, cfg ClusterConfig) SheetLine {
	ce := newCentroid()
	for _, i := range idx {
		ce.add(vecs[i], 1)
	}
	// samples: the members closest to the centre (a slice per cluster, not per text: thousands
	// of clusters of 25,000 texts spent seconds clearing it)
	type member struct {
		i   int
		sim float64
	}
	byCentre := make([]member, len(idx))
	for k, i := range idx {
		byCentre[k] = member{i, ce.cos(vecs[i])}
	}
	slices.SortStableFunc(byCentre, func(a, b member) int {
		if c := cmp.Compare(b.sim, a.sim); c != 0 {
			return c
		}
		return cmp.Compare(texts[a.i].text, texts[b.i].text)
	})
	sorted := make([]int, len(idx))
	for k, m := range byCentre {
		sorted[k] = m.i
	}
	line := SheetLine{Members: []string{}, Samples: []string{}, Terms: []string{}}
	votes := map[string]int{}
	confs := map[string]float64{}
	contexts := map[string]int{}
	termCount := map[string]int{}
	for _, i := range sorted {
		ids := members[texts[i]]
		line.Members = append(line.Members, ids...)
		if len(line.Samples) < cfg.Samples && !slices.Contains(line.Samples, texts[i].text) {
			line.Samples = append(line.Samples, texts[i].text)
		}
		res := eng.Classify(ctx, intent.Request{Text: texts[i].text, ActiveIntent: texts[i].context})
		votes[res.Intent] += len(ids)
		if texts[i].context != "" {
			contexts[texts[i].context] += len(ids)
		}
		confs[res.Intent] += res.Confidence * float64(len(ids))
		for _, t := range slices.Compact(slices.Sorted(slices.Values(termsOf[i]))) {
			termCount[t] += len(ids)
		}
	}
	line.Size = len(line.Members)
	for it, v := range votes {
		if v > votes[line.Suggested] || v == votes[line.Suggested] && it < line.Suggested {
			line.Suggested = it
		}
	}
	for c, v := range contexts {
		if 2*v >= line.Size && (line.Context == "" || v > contexts[line.Context] || v == contexts[line.Context] && c < line.Context) {
			line.Context = c
		}
	}
	if v := votes[line.Suggested]; v > 0 {
		line.Confidence = math.Round(confs[line.Suggested]/float64(v)*1e4) / 1e4
	}
	// terms: frequent in the cluster, ranked by count × rarity overall (words only)
	type tw struct {
		t string
		w float64
	}
	var tws []tw
	for t, c := range termCount {
		if c*2 < line.Size && line.Size > 2 || strings.TrimSpace(t) == "" {
			continue // not shared by most of the cluster
		}
		d := df[nlp.FeatureID(nlp.FeatWord, t)]
		tws = append(tws, tw{t, float64(c) * math.Log((1+n)/(1+float64(d)))})
	}
	slices.SortStableFunc(tws, func(a, b tw) int {
		if c := cmp.Compare(b.w, a.w); c != 0 {
			return c
		}
		return cmp.Compare(a.t, b.t)
	})
	for _, t := range tws[:min(len(tws), 5)] {
		line.Terms = append(line.Terms, t.t)
	}
	return line
}
