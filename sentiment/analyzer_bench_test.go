package sentiment

import (
	"slices"
	"testing"
	"time"
)

// benchMessages are the labelled set's dev messages: typical customer messages, 2–40 runes.
func benchMessages(b *testing.B) (*Lexicon, []string) {
	lex, dev, _ := shopSet(b)
	msgs := make([]string, len(dev))
	for i, e := range dev {
		msgs[i] = e.Text
	}
	return lex, msgs
}

var sinkResult Result

func benchAnalyze(b *testing.B, opt Options) {
	lex, msgs := benchMessages(b)
	a := mustNew(b, lex, opt)
	var r Result
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		a.AnalyzeTo(&r, msgs[i%len(msgs)])
	}
	sinkResult = r
}

// BenchmarkAnalyze is the shipped model on the dev messages, one message per op.
func BenchmarkAnalyze(b *testing.B) { benchAnalyze(b, Options{}) }

// BenchmarkAnalyzeLexiconOnly is the baseline: the lexicon scan and the punctuation cues.
func BenchmarkAnalyzeLexiconOnly(b *testing.B) { benchAnalyze(b, Options{LexiconOnly: true}) }

// BenchmarkAnalyzeLatency times every call and reports the median and the 99th percentile.
func BenchmarkAnalyzeLatency(b *testing.B) {
	lex, msgs := benchMessages(b)
	a := mustNew(b, lex, Options{})
	var r Result
	lat := make([]time.Duration, 0, 1<<16)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		t0 := time.Now()
		a.AnalyzeTo(&r, msgs[i%len(msgs)])
		if len(lat) < cap(lat) {
			lat = append(lat, time.Since(t0))
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
		b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
	}
	sinkResult = r
}
