package intent_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/internal/shoptest"
)

// benchTexts are the sample shop's holdout messages: realistic and never trained on.
func benchTexts(b *testing.B) []string {
	texts, err := shoptest.Holdout()
	if err != nil {
		b.Fatal(err)
	}
	return texts
}

func loadShop(b *testing.B) *intent.Engine {
	dir, err := shoptest.Bundle()
	if err != nil {
		b.Fatal(err)
	}
	e, err := intent.Load(context.Background(), dir)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { e.Close() })
	return e
}

// run times each call and reports p50/p99 beside ns/op.
func run(b *testing.B, texts []string, f func(string)) {
	b.ReportAllocs()
	lat := make([]time.Duration, 0, 1<<16)
	i := 0
	for b.Loop() {
		t := time.Now()
		f(texts[i%len(texts)])
		if len(lat) < cap(lat) {
			lat = append(lat, time.Since(t))
		}
		i++
	}
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	}
}

// BenchmarkClassify measures one message through the whole engine on the sample shop, with the
// analysis alone as the floor in the same run, and on an index grown to about 10k documents.
func BenchmarkClassify(b *testing.B) {
	texts := benchTexts(b)
	e := loadShop(b)
	ctx := context.Background()
	b.Run("floor=analyze", func(b *testing.B) {
		an := e.Analyzer()
		run(b, texts, func(s string) { an.Analyze(s) })
	})
	b.Run(fmt.Sprintf("shop/docs=%d", e.IndexStats().Docs), func(b *testing.B) {
		run(b, texts, func(s string) { e.Classify(ctx, intent.Request{Text: s}) })
	})
	live, mix, err := e.WithLiveMix(intent.MixConfig{})
	if err != nil {
		b.Fatal(err)
	}
	for _, s := range texts { // a window's worth, then an estimate to decide with
		live.Classify(ctx, intent.Request{Text: s})
	}
	mix.Update()
	b.Run("shop/live-mix", func(b *testing.B) {
		run(b, texts, func(s string) { live.Classify(ctx, intent.Request{Text: s}) })
	})
	big := loadGrown(b, 10000)
	b.Run(fmt.Sprintf("grown/docs=%d", big.IndexStats().Docs), func(b *testing.B) {
		run(b, texts, func(s string) { big.Classify(ctx, intent.Request{Text: s}) })
	})
}

// loadGrown copies the shop bundle and grows its history to about n documents by pairing real
// messages (so term statistics stay realistic), then loads it without a manifest.
func loadGrown(b *testing.B, n int) *intent.Engine {
	dir, err := shoptest.Bundle()
	if err != nil {
		b.Fatal(err)
	}
	grown := b.TempDir()
	if err := os.CopyFS(grown, os.DirFS(dir)); err != nil {
		b.Fatal(err)
	}
	os.Remove(filepath.Join(grown, intent.ManifestFile))
	data, err := os.ReadFile(filepath.Join(dir, intent.ExamplesFile))
	if err != nil {
		b.Fatal(err)
	}
	var docs []intent.ExampleDoc
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		var d intent.ExampleDoc
		if json.Unmarshal(sc.Bytes(), &d) == nil {
			docs = append(docs, d)
		}
	}
	f, err := os.Create(filepath.Join(grown, intent.ExamplesFile))
	if err != nil {
		b.Fatal(err)
	}
	enc := json.NewEncoder(f)
	for i := 0; i < n && len(docs) > 0; i++ {
		d := docs[i%len(docs)]
		if i >= len(docs) {
			d.Text = d.Text + " " + docs[(i*7919)%len(docs)].Text
		}
		enc.Encode(d)
	}
	f.Close()
	e, err := intent.LoadUnverified(context.Background(), grown, "grown")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { e.Close() })
	return e
}

// BenchmarkLoad measures loading the sample shop's bundle: verify, dictionaries, subwords,
// classifier and the retrieval index build. The process-wide gse dictionary is loaded before
// the timer starts (it is shared by every load in a process).
func BenchmarkLoad(b *testing.B) {
	dir, err := shoptest.Bundle()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		e, err := intent.Load(context.Background(), dir)
		if err != nil {
			b.Fatal(err)
		}
		e.Close()
	}
}

// BenchmarkReadClassifier reads the test shop's classifier and, over it, its ranker, from
// memory: the models' share of a process's start-up.
func BenchmarkReadClassifier(b *testing.B) {
	dir, err := shoptest.Bundle()
	if err != nil {
		b.Fatal(err)
	}
	clf, err := os.ReadFile(filepath.Join(dir, intent.ClassifierFile))
	if err != nil {
		b.Fatal(err)
	}
	rk, err := os.ReadFile(filepath.Join(dir, intent.RankerFile))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(clf) + len(rk)))
	b.ReportAllocs()
	for b.Loop() {
		c, err := intent.ReadClassifier(bytes.NewReader(clf))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := intent.ReadClassifierOver(bytes.NewReader(rk), c); err != nil {
			b.Fatal(err)
		}
	}
}
