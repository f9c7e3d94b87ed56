package rules

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/internal/shoptest"
)

// Match uses github.com/coregx/ahocorasick. In one run of BenchmarkMatch (500 rules) it took
// 0.60 µs at p50 against 1.00 µs for github.com/cloudflare/ahocorasick and 1.20 µs for
// github.com/petar-dambovaliev/aho-corasick (those two were measured here and removed, to keep
// the module's dependencies few); the naive scan below stays as the baseline.

// scanFinder tests every pattern with strings.Contains: the naive baseline.
type scanFinder struct{ pats []string }

func newScanFinder(pats []string) (finder, error) { return scanFinder{pats}, nil }

func (f scanFinder) appendHits(dst []int32, s string) []int32 {
	for i, p := range f.pats {
		if strings.Contains(s, p) {
			dst = append(dst, int32(i))
		}
	}
	return dst
}

var finders = []struct {
	name string
	new  func([]string) (finder, error)
}{
	{"coregx", newACFinder},
	{"scan", newScanFinder},
}

// withFinder parses src with the given finder in place of the default.
func withFinder(tb testing.TB, nf func([]string) (finder, error), src string, opt Options) *Set {
	tb.Helper()
	saved := newFinder
	newFinder = nf
	defer func() { newFinder = saved }()
	return mustParse(tb, src, opt)
}

// TestFindersAgree: every finder reports the same set of patterns on the holdout messages, so
// the benchmark compares equals.
func TestFindersAgree(t *testing.T) {
	messages, err := shoptest.Holdout()
	if err != nil {
		t.Fatal(err)
	}
	words := shopVocabulary(t)
	var fs []finder
	for _, f := range finders {
		x, err := f.new(words)
		if err != nil {
			t.Fatal(err)
		}
		fs = append(fs, x)
	}
	hits := 0
	for _, m := range messages {
		var want []int32
		for i, f := range fs {
			got := f.appendHits(nil, m)
			slices.Sort(got)
			got = slices.Compact(got)
			if i == 0 {
				want = got
				hits += len(got)
			} else if !slices.Equal(got, want) {
				t.Fatalf("%q: %s finds %v, %s %v", m, finders[i].name, got, finders[0].name, want)
			}
		}
	}
	if hits < len(messages) {
		t.Errorf("%d hits in %d messages: the vocabulary hardly occurs", hits, len(messages))
	}
}

// benchSetup is 500 generated rules over the shop's vocabulary and the holdout messages with
// request fields and times.
func benchSetup(b *testing.B) (src string, inputs []Input, messages []string) {
	messages, err := shoptest.Holdout()
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	src = genRules(rng, 500, shopVocabulary(b), messages)
	return src, genInputs(b, rng, messages), messages
}

// timed runs f over the inputs, timing each call, and reports the median and the 99th
// percentile beside ns/op (which includes the timer's own cost, ~40 ns here).
func timed(b *testing.B, n int, f func(i int)) {
	b.ReportAllocs()
	lat := make([]time.Duration, 0, 1<<16)
	i := 0
	for b.Loop() {
		t := time.Now()
		f(i % n)
		if len(lat) < cap(lat) {
			lat = append(lat, time.Since(t))
		}
		i++
	}
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
		b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
	}
}

// BenchmarkMatch measures Match with 500 rules (mixed kinds, scopes and windows) on the holdout
// messages, already analysed: with each Aho–Corasick library, and as a scan of every rule.
func BenchmarkMatch(b *testing.B) {
	src, inputs, _ := benchSetup(b)
	opt := Options{Analyzer: analyzer(b)}
	for _, f := range finders {
		s := withFinder(b, f.new, src, opt)
		b.Run("rules=500/index="+f.name, func(b *testing.B) {
			timed(b, len(inputs), func(i int) { s.Match(&inputs[i]) })
		})
	}
	s := mustParse(b, src, opt)
	b.Run("rules=500/scan-every-rule", func(b *testing.B) {
		timed(b, len(inputs), func(i int) { s.matchNaive(&inputs[i]) })
	})
}

// BenchmarkMatchRepeatedKeyword is the worst message for the index: 2 KB saying, 290 times, the
// keywords of 400 rules none of whose scopes holds.
func BenchmarkMatchRepeatedKeyword(b *testing.B) {
	s := mustParse(b, sharedKeywordRules(400), Options{Analyzer: analyzer(b)})
	an := analyzer(b).Analyze(strings.Repeat("退款x", 290))
	in := Input{Text: an.Text, Terms: an.Terms, Tags: []string{"zz"}}
	b.ReportAllocs()
	for b.Loop() {
		s.Match(&in)
	}
}

// BenchmarkMatchBesideClassify puts the rules' cost beside the engine's on the sample shop in
// one run: Classify alone, then the analysis and Match that a server would add in front of it.
// It trains the sample shop first (half a minute).
func BenchmarkMatchBesideClassify(b *testing.B) {
	src, inputs, messages := benchSetup(b)
	dir, err := shoptest.Bundle()
	if err != nil {
		b.Fatal(err)
	}
	e, err := intent.Load(context.Background(), dir)
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	s := mustParse(b, src, Options{Analyzer: e.Analyzer()})
	ctx := context.Background()
	b.Run("classify", func(b *testing.B) {
		timed(b, len(messages), func(i int) { e.Classify(ctx, intent.Request{Text: messages[i]}) })
	})
	b.Run("rules=500/match", func(b *testing.B) {
		timed(b, len(inputs), func(i int) { s.Match(&inputs[i]) })
	})
}
