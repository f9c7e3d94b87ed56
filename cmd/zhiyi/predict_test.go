package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/internal/shoptest"
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
	out := filepath.Join(dir, "m")
	return out, shoptest.TrainTiny(out)
})

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main() // the test binary standing in for zhiyi (TestSecondSignalEndsAtOnce)
		return
	}
	code := m.Run()
	if fixtureRoot != "" {
		os.RemoveAll(fixtureRoot)
	}
	testsvc.StopSharedPostgres() // else each run leaves a server behind
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
		if err := predictLines(context.Background(), e, strings.NewReader(in.String()), &out, predictOptions{workers: workers}); err != nil {
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
	err := predictLines(context.Background(), e, strings.NewReader(in.String()), &failingWriter{left: 10000}, predictOptions{workers: 2})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("err = %v, want the writer's error", err)
	}
}

// echoClassifier answers each line with the line as its intent. Line "0" reports that it has
// started, then waits until the last line has been classified, so its chunk finishes last.
type echoClassifier struct {
	last     string
	started  chan struct{}
	lastDone chan struct{}
	once     sync.Once
}

func newEchoClassifier(last string) *echoClassifier {
	return &echoClassifier{last: last, started: make(chan struct{}), lastDone: make(chan struct{})}
}

func (c *echoClassifier) Classify(_ context.Context, req intent.Request) intent.Result {
	switch req.Text {
	case "0":
		close(c.started)
		<-c.lastDone
	case c.last:
		c.once.Do(func() { close(c.lastDone) })
	}
	return intent.Result{Intent: req.Text}
}

// TestPredictLinesOrderWhenFirstChunkIsSlowest: output follows input order even when the first
// chunk finishes last. Line 0 goes in alone and is being classified before the others arrive,
// so it has a chunk of its own, which waits for the last line.
func TestPredictLinesOrderWhenFirstChunkIsSlowest(t *testing.T) {
	const n = 8 // line 0 alone, then at most 7 chunks: all fit in flight (4 per worker) while line 0 waits
	c := newEchoClassifier(strconv.Itoa(n - 1))
	inR, inW := io.Pipe()
	var out bytes.Buffer
	errc := make(chan error, 1)
	go func() { errc <- predictLines(context.Background(), c, inR, &out, predictOptions{workers: 2}) }()
	io.WriteString(inW, "0\n")
	<-c.started
	var rest strings.Builder
	for i := 1; i < n; i++ {
		fmt.Fprintf(&rest, "%d\n", i)
	}
	io.WriteString(inW, rest.String())
	inW.Close()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var r struct{ Intent string }
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		got = append(got, r.Intent)
	}
	if len(got) != n {
		t.Fatalf("%d results for %d lines", len(got), n)
	}
	for i, g := range got {
		if g != strconv.Itoa(i) {
			t.Fatalf("result %d is for line %s: order %v", i, g, got)
		}
	}
}

// TestPredictLinesStreams: an answer comes out as soon as its line goes in, before the input
// ends, and a write error is reported while the input stays open.
func TestPredictLinesStreams(t *testing.T) {
	e := fixtureEngine(t)
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	errc := make(chan error, 1)
	go func() { errc <- predictLines(context.Background(), e, inR, outW, predictOptions{workers: 2}) }()
	got := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(outR).ReadString('\n')
		got <- line
	}()
	if _, err := io.WriteString(inW, "我要退货\n"); err != nil {
		t.Fatal(err)
	}
	select {
	case line := <-got:
		if !strings.Contains(line, `"intent"`) {
			t.Fatalf("first answer %q", line)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no answer while the input is still open")
	}
	// The reader of the output goes away; the next write fails while stdin stays open.
	outR.CloseWithError(errors.New("reader gone"))
	if _, err := io.WriteString(inW, "在吗\n"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errc:
		if err == nil || !strings.Contains(err.Error(), "reader gone") {
			t.Fatalf("err = %v, want the write error", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a write error with the input still open was not reported")
	}
	inW.Close()
}

// TestPredictLinesCancel: a cancelled context returns while the input stays open.
func TestPredictLinesCancel(t *testing.T) {
	inR, inW := io.Pipe()
	defer inW.Close()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- predictLines(ctx, newEchoClassifier(""), inR, io.Discard, predictOptions{workers: 2}) }()
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("cancel with the input still open was not honoured")
	}
}

// Lines serve would refuse get an error result naming their line, in their place; a line past
// what predict reads ends the run with its number.
func TestPredictLinesBadInput(t *testing.T) {
	e := fixtureEngine(t)
	in := "我要退货\n\xc4\xe3\xba\xc3 GBK\n" + strings.Repeat("发", 700) + "\n在吗\n"
	var out bytes.Buffer
	if err := predictLines(context.Background(), e, strings.NewReader(in), &out, predictOptions{workers: 2, maxTextBytes: 2048}); err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(got) != 4 {
		t.Fatalf("%d lines out for 4 in:\n%s", len(got), out.String())
	}
	for i, want := range []string{`"intent":"return_goods"`, `{"line":2,"error":"not valid UTF-8`, `{"line":3,"error":"2100 bytes; the limit is 2048`, `"intent":`} {
		if !strings.Contains(got[i], want) {
			t.Errorf("line %d: %s, want it to hold %s", i+1, got[i], want)
		}
	}
	huge := "在吗\n" + strings.Repeat("a", maxPredictLine+1) + "\n"
	err := predictLines(context.Background(), e, strings.NewReader(huge), io.Discard, predictOptions{workers: 1})
	if err == nil || !strings.Contains(err.Error(), "line 2 is longer than 4 MiB") {
		t.Errorf("a line over %d bytes: %v, want an error naming line 2", maxPredictLine, err)
	}
}

// TestPredictLinesJSON: a line of labelled JSON data ({"text":…,"intent":…}, what zhiyi eval
// reads) is classified by its text, as the text alone on a line would be: it used to be
// classified as the JSON itself, a message no customer wrote. A JSON object without a string
// text is an error result; a line that only starts with { is a message.
func TestPredictLinesJSON(t *testing.T) {
	e := fixtureEngine(t)
	in := `{"text": "我要退货", "intent": "return_goods", "style": "plain"}` + "\n" +
		`{"intent":"invoice"}` + "\n" + `{"text": 3}` + "\n" + "{急} 我要退货\n" + `  {"text":"发票怎么开"}` + "\n"
	var out bytes.Buffer
	if err := predictLines(context.Background(), e, strings.NewReader(in), &out, predictOptions{workers: 2}); err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(tookUS.ReplaceAllString(out.String(), ""), "\n"), "\n")
	classify := func(text string) string {
		res := e.Classify(context.Background(), intent.Request{Text: text})
		return tookUS.ReplaceAllString(string(res.AppendJSON(nil)), "")
	}
	want := []string{classify("我要退货"), `{"line":2,"error":"a JSON line needs a string \"text\" field (the message)"}`,
		`{"line":3,"error":"a JSON line needs a string \"text\" field (the message)"}`, classify("{急} 我要退货"), classify("发票怎么开")}
	if len(got) != len(want) {
		t.Fatalf("%d lines out for %d in:\n%s", len(got), len(want), out.String())
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d:\n got %s\nwant %s", i+1, got[i], want[i])
		}
	}
}
