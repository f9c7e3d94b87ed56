package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zhiyi-ai/zhiyi/sentiment"
)

// TestGenDeterministic runs the generator twice on the sample shop's data with a small grid and
// wants the same bytes, a model that loads, and no temporary file left behind.
func TestGenDeterministic(t *testing.T) {
	const data, lex = "../../../corpora/shop/sentiment/sentiment.jsonl", "../../../corpora/shop/dict/sentiment.txt"
	grid := sentiment.Grid{MaxN: []int{1, 2}, Lambda: []float64{0.01}, Without: []sentiment.FeatureGroup{0},
		Strong: []float64{0.4, 0.5}, Base: sentiment.TrainConfig{Iterations: 60}}
	dir := t.TempDir()
	var out [2][]byte
	for i := range out {
		path := filepath.Join(dir, "model.txt")
		var log bytes.Buffer
		if err := run(&log, data, lex, path, 3, grid); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(log.String(), "chosen: config ") {
			t.Errorf("report lacks the chosen configuration:\n%s", log.String())
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = b
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(out[0], out[1]) {
		t.Fatal("two runs wrote different models")
	}
	if _, err := sentiment.ReadModel(bytes.NewReader(out[0]), "model.txt"); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
	if err := run(io.Discard, "missing.jsonl", lex, filepath.Join(dir, "m.txt"), 3, grid); err == nil {
		t.Error("missing data: no error")
	}
}
