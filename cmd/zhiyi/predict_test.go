package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/train"
)

// fixtureRoot is the directory fixtureBundle trained into, removed by TestMain.
var fixtureRoot string

// fixtureBundle trains the small fixture shop once for the predict tests (the sample shop would
// take half a minute under the race detector).
var fixtureBundle = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "zhiyi-predict-test-")
	if err != nil {
		return "", err
	}
	fixtureRoot = dir
	cfg := train.DefaultConfig()
	cfg.Data = []string{filepath.Join(fixture, "data.jsonl")}
	cfg.KB = filepath.Join(fixture, "kb.yaml")
	cfg.DictDir = filepath.Join(fixture, "dict")
	cfg.Out = filepath.Join(dir, "m")
	cfg.DevDays = 7
	cfg.Progress = io.Discard
	_, err = train.Run(context.Background(), cfg)
	return cfg.Out, err
})

func TestMain(m *testing.M) {
	code := m.Run()
	if fixtureRoot != "" {
		os.RemoveAll(fixtureRoot)
	}
	os.Exit(code)
}

func fixtureEngine(t *testing.T) *intent.Engine {
	t.Helper()
	dir, err := fixtureBundle()
	if err != nil {
		t.Fatal(err)
	}
	e, err := intent.Load(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

var tookUS = regexp.MustCompile(`"took_us":\d+`)

// TestPredictLinesKeepsOrder: many chunks over several workers come out in input order, each
// line the result Classify gives it alone.
func TestPredictLinesKeepsOrder(t *testing.T) {
	e := fixtureEngine(t)
	texts := []string{"我要退货", "在吗", "发票怎么开", "东西不要了怎么寄回去", "什么时候发货", "转人工", "今天天气不错", "😀", "我的手机号是13812345678"}
	var in strings.Builder
	var want []string
	for i := range 6*predictChunk + 5 { // chunks finish out of order across workers
		text := texts[(i*7)%len(texts)]
		if i%97 == 0 {
			text = "" // empty lines are messages too
		}
		in.WriteString(text + "\n")
		res := e.Classify(context.Background(), intent.Request{Text: text})
		want = append(want, tookUS.ReplaceAllString(string(res.AppendJSON(nil)), ""))
	}
	for _, workers := range []int{1, 3} {
		var out bytes.Buffer
		if err := predictLines(context.Background(), e, strings.NewReader(in.String()), &out, workers); err != nil {
			t.Fatalf("workers %d: %v", workers, err)
		}
		got := strings.Split(strings.TrimSuffix(tookUS.ReplaceAllString(out.String(), ""), "\n"), "\n")
		if len(got) != len(want) {
			t.Fatalf("workers %d: %d lines out for %d in", workers, len(got), len(want))
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("workers %d, line %d:\n got %s\nwant %s", workers, i+1, got[i], want[i])
			}
		}
	}
}

type failingWriter struct{ left int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.left < len(p) {
		return 0, errors.New("disk full")
	}
	w.left -= len(p)
	return len(p), nil
}

// TestPredictLinesStopsOnWriteError: a failing output stops the run with its error (no hang,
// no partial success).
func TestPredictLinesStopsOnWriteError(t *testing.T) {
	e := fixtureEngine(t)
	var in strings.Builder
	for i := range 40 * predictChunk {
		fmt.Fprintf(&in, "第%d单什么时候发货\n", i)
	}
	err := predictLines(context.Background(), e, strings.NewReader(in.String()), &failingWriter{left: 10000}, 2)
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("err = %v, want the writer's error", err)
	}
}
