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
	texts, err := readTexts(data)
	if err != nil {
		return err
	}
	ctx := context.Background()
	e, err := intent.Load(ctx, model)
	if err != nil {
		return err
	}
	defer e.Close()
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

// readTexts returns the "text" field of every line of the JSONL file at path.
func readTexts(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var texts []string
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		var m struct{ Text string }
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		texts = append(texts, m.Text)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(texts) == 0 {
		return nil, fmt.Errorf("%s: no messages", path)
	}
	return texts, nil
}

// classify is the function callgrind counts.
//
//go:noinline
func classify(ctx context.Context, e *intent.Engine, text string) float64 {
	return e.Classify(ctx, intent.Request{Text: text}).Confidence
}
