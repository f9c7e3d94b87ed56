package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/serve"
)

// predictChunk is how many lines travel together through the pipeline: enough to make the
// hand-offs cheap, few enough that the workers stay evenly loaded and output streams.
const predictChunk = 64

// predictJob is one chunk of work: lines in, their JSON results out, and where it goes in order.
type predictJob struct {
	seq   int
	first int // the line number of lines[0], from 1
	lines []string
	out   bytes.Buffer
	// text holds the lines' bytes while the chunk fills, ends where each line ends in it: the
	// chunk's lines become one string (one allocation a chunk, not one a line).
	text []byte
	ends []int
}

// add appends a line to the chunk being filled.
func (j *predictJob) add(line []byte) {
	j.text = append(j.text, line...)
	j.ends = append(j.ends, len(j.text))
}

// seal makes the lines added since the chunk was last emptied its lines, and empties the
// buffers they were added in.
func (j *predictJob) seal() {
	all, start := string(j.text), 0
	j.lines = j.lines[:0]
	for _, end := range j.ends {
		j.lines = append(j.lines, all[start:end])
		start = end
	}
	j.text, j.ends = j.text[:0], j.ends[:0]
}

// readerFunc is an io.Reader that is a function.
type readerFunc func(p []byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

func runPredict(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("zhiyi predict", flag.ContinueOnError)
	setUsage(fs, stderr, "Usage: zhiyi predict --model DIR < lines.txt\n\n"+
		"Classifies one message a line from stdin with the engine alone (no rules, conversations or\n"+
		"sentiment) and prints one JSON result a line, in order. A line that is a JSON object is read by\n"+
		"its \"text\"; a line that cannot be classified gets {\"line\":N,\"error\":\"…\"} in its place.")
	model := fs.String("model", "", "model bundle directory")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "messages classified in parallel")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile to this file (for go tool pprof)")
	maxText := fs.Int("max-text-bytes", serve.DefaultMaxTextBytes, "a longer line gets an error result instead of a classification, as zhiyi serve refuses it")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if *model == "" {
		fmt.Fprintln(stderr, "zhiyi predict: --model is required")
		fs.Usage()
		return errUsage
	}
	if *cpuProfile != "" {
		if insideDir(*cpuProfile, *model) {
			return fmt.Errorf("--cpuprofile %s is inside the model bundle %s; a bundle must stay as it was written, so write the profile elsewhere", *cpuProfile, *model)
		}
		if err := checkNotInput("--cpuprofile", *cpuProfile, inputs("--model", *model)); err != nil {
			return err
		}
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	eng, err := intent.Load(ctx, *model)
	if err != nil {
		return err
	}
	defer eng.Close()
	out := bufio.NewWriterSize(stdout, 64*1024)
	err = predictLines(ctx, eng, stdin, out, predictOptions{workers: max(1, *workers), maxTextBytes: *maxText})
	if ferr := out.Flush(); err == nil {
		err = ferr
	}
	return err
}

// maxPredictLine is the longest line predict reads; a longer one ends the run, naming its line.
const maxPredictLine = 4 << 20

// predictOptions are predictLines' settings.
type predictOptions struct {
	workers      int
	maxTextBytes int // longer lines get an error result (0 or less: no limit)
}

// message returns the message a line holds — the line itself, or the "text" of a JSON object
// ({"text":"…","intent":"…"}, a line of eval's labelled data) — or why it cannot be classified.
// A line that starts with { but is no JSON object is a message like any other.
func (o predictOptions) message(line string) (text, problem string) {
	if !utf8.ValidString(line) {
		return "", "not valid UTF-8 (convert the file from GBK or the like first)"
	}
	text = line
	if t := strings.TrimLeft(line, " \t"); strings.HasPrefix(t, "{") {
		var obj map[string]json.RawMessage
		if json.Unmarshal([]byte(t), &obj) == nil {
			raw, ok := obj["text"]
			if !ok || json.Unmarshal(raw, &text) != nil {
				return "", `a JSON line needs a string "text" field (the message)`
			}
		}
	}
	if o.maxTextBytes > 0 && len(text) > o.maxTextBytes {
		return "", fmt.Sprintf("%d bytes; the limit is %d UTF-8 bytes (--max-text-bytes)", len(text), o.maxTextBytes)
	}
	return text, ""
}

// classifier is what predictLines needs of an engine.
type classifier interface {
	Classify(ctx context.Context, req intent.Request) intent.Result
}

// predictLines classifies every line of in and writes one JSON result per line to out, in input
// order, streaming: a reader, workers and this goroutine writing, with a bounded number of chunks
// in flight, so reading and writing overlap the classifying and no worker waits for a batch.
//
// A write error or a cancelled ctx returns at once, even while the reader waits for input that
// may never come (an idle pipe): the reader goroutine is then left parked until the process ends.
func predictLines(ctx context.Context, eng classifier, in io.Reader, out io.Writer, o predictOptions) error {
	workers := o.workers
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	free := make(chan *predictJob, 4*workers)
	for range cap(free) {
		free <- &predictJob{}
	}
	jobs := make(chan *predictJob, cap(free))
	done := make(chan *predictJob, cap(free))

	// The reader packs lines into chunks of up to predictChunk, and sends a chunk on as soon as
	// it is full or reading the next line would wait for input: a slow producer (tail -f) gets
	// each answer as soon as its line arrives, and a fast one gets full chunks. (Lines passed
	// one by one over a channel to a chunker cost two channel operations and an allocation a
	// line, a few per cent of a batch's CPU.)
	var readErr error
	go func() { // reader
		defer close(jobs)
		var j *predictJob // the chunk being filled, nil when none
		seq, lineNo := 0, 1
		send := func() {
			if j == nil {
				return
			}
			j.seal()
			lineNo += len(j.lines)
			jobs <- j // never blocks: jobs holds as many as there are chunks
			j = nil
			seq++
		}
		sc := bufio.NewScanner(readerFunc(func(p []byte) (int, error) {
			send() // the scanner needs more input, which may take a while: send what is read
			return in.Read(p)
		}))
		sc.Buffer(make([]byte, 64*1024), maxPredictLine)
		n := 0
		for sc.Scan() {
			n++
			if j == nil {
				select {
				case j = <-free:
				case <-ctx.Done():
					return
				}
				j.seq, j.first = seq, lineNo
				j.text, j.ends = j.text[:0], j.ends[:0]
			}
			j.add(sc.Bytes())
			if len(j.ends) == predictChunk {
				send()
			}
		}
		send()
		if readErr = sc.Err(); errors.Is(readErr, bufio.ErrTooLong) {
			readErr = fmt.Errorf("line %d is longer than %d MiB: %w", n+1, maxPredictLine>>20, readErr)
		}
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for j := range jobs {
				j.out.Reset()
				for i, l := range j.lines {
					if ctx.Err() != nil { // stopped: pass the chunk on unclassified
						break
					}
					text, msg := o.message(l)
					if msg != "" {
						// one line out for each line in, so outputs still line up with inputs
						fmt.Fprintf(&j.out, "{\"line\":%d,\"error\":%q}\n", j.first+i, msg)
						continue
					}
					res := eng.Classify(ctx, intent.Request{Text: text})
					j.out.Write(append(res.AppendJSON(j.out.AvailableBuffer()), '\n'))
				}
				done <- j
			}
		})
	}
	go func() { wg.Wait(); close(done) }()

	// Write chunks in sequence; a chunk that finishes early waits in pending. Workers never block
	// on done (it holds every chunk there is), so returning early strands no worker for long.
	pending := make(map[int]*predictJob, cap(free))
	next := 0
	for {
		var j *predictJob
		select {
		case j = <-done:
		case <-parent.Done():
			return parent.Err()
		}
		if j == nil { // done closed: everything read was classified and written
			break
		}
		pending[j.seq] = j
		for {
			j, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			if _, err := out.Write(j.out.Bytes()); err != nil {
				return err // the deferred cancel stops the reader and the workers
			}
			free <- j
		}
		if f, ok := out.(interface{ Flush() error }); ok && len(done) == 0 {
			// Nothing else is ready: let what is written reach the reader of the output now.
			if err := f.Flush(); err != nil {
				return err
			}
		}
	}
	if readErr != nil {
		return readErr
	}
	return parent.Err()
}
