package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// predictChunk is how many lines travel together through the pipeline: enough to make the
// hand-offs cheap, few enough that the workers stay evenly loaded and output streams.
const predictChunk = 64

// predictChunk's unit of work: lines in, their JSON results out, and the order to write them in.
type predictJob struct {
	seq   int
	lines []string
	out   bytes.Buffer
}

func runPredict(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("zhiyi predict", flag.ContinueOnError)
	model := fs.String("model", "", "model bundle directory")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "messages classified in parallel")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile to this file (for go tool pprof)")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if *model == "" {
		fs.Usage()
		return errUsage
	}
	if *cpuProfile != "" {
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
	defer out.Flush()
	return predictLines(ctx, eng, stdin, out, max(1, *workers))
}

// predictLines classifies every line of in and writes one JSON result per line to out, in input
// order, streaming: a reader, workers and this goroutine writing, with a bounded number of chunks
// in flight, so reading and writing overlap the classifying and no worker waits for a batch.
func predictLines(ctx context.Context, eng *intent.Engine, in io.Reader, out io.Writer, workers int) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	free := make(chan *predictJob, 4*workers)
	for range cap(free) {
		free <- &predictJob{}
	}
	jobs := make(chan *predictJob, cap(free))
	done := make(chan *predictJob, cap(free))

	var readErr error
	go func() { // reader
		defer close(jobs)
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
		for seq := 0; ; seq++ {
			var j *predictJob
			select {
			case j = <-free:
			case <-ctx.Done():
				return
			}
			j.seq, j.lines = seq, j.lines[:0]
			for len(j.lines) < predictChunk && sc.Scan() {
				j.lines = append(j.lines, sc.Text())
			}
			if len(j.lines) > 0 {
				jobs <- j // never blocks: jobs holds as many as there are chunks
			}
			if len(j.lines) < predictChunk {
				readErr = sc.Err()
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for j := range jobs {
				j.out.Reset()
				if ctx.Err() == nil {
					for _, l := range j.lines {
						res := eng.Classify(ctx, intent.Request{Text: l})
						j.out.Write(append(res.AppendJSON(j.out.AvailableBuffer()), '\n'))
					}
				}
				done <- j
			}
		})
	}
	go func() { wg.Wait(); close(done) }()

	// Write chunks in sequence; a chunk that finishes early waits in pending.
	pending := make(map[int]*predictJob, cap(free))
	next := 0
	var writeErr error
	for j := range done {
		pending[j.seq] = j
		for {
			j, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			if writeErr == nil {
				if _, err := out.Write(j.out.Bytes()); err != nil {
					writeErr = err
					cancel() // stop reading and classifying; keep draining
				}
			}
			free <- j
		}
	}
	if writeErr != nil {
		return writeErr
	}
	if readErr != nil {
		return readErr
	}
	return ctx.Err()
}
