package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/zhiyi-ai/zhiyi/intent"
)

func main() {
	model := flag.String("model", "models/shop", "model bundle directory")
	data := flag.String("data", "corpora/shop/holdout/holdout_2026-11.jsonl", "JSONL file whose \"text\" fields are classified")
	n := flag.Int("n", 6000, "messages to classify (the file's, cycled)")
	flag.Parse()
	if err := run(*model, *data, *n); err != nil {
		fmt.Fprintln(os.Stderr, "cgclassify:", err)
		os.Exit(1)
	}
}

func run(model, data string, n int) error {
	ctx := context.Background()
	e, err := intent.Load(ctx, model)
	if err != nil {
		return err
	}
	defer e.Close()
	f, err := os.Open(data)
	if err != nil {
		return err
	}
	defer f.Close()
	var texts []string
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		var m struct{ Text string }
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			return fmt.Errorf("%s:%d: %w", data, line, err)
		}
		texts = append(texts, m.Text)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", data, err)
	}
	if len(texts) == 0 {
		return fmt.Errorf("%s: no messages", data)
	}
	for _, t := range texts { // the lazy caches (postings, document terms) fill here
		e.Classify(ctx, intent.Request{Text: t})
	}
	sum := 0.0
	for i := range n {
		sum += classify(ctx, e, texts[i%len(texts)])
	}
	fmt.Printf("%d messages, confidence sum %.4f\n", n, sum)
	return nil
}

// classify is the function callgrind counts.
//
//go:noinline
func classify(ctx context.Context, e *intent.Engine, text string) float64 {
	return e.Classify(ctx, intent.Request{Text: text}).Confidence
}
