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

// predictBatch is how many lines are read before they are classified in parallel: large enough
// to keep every core busy, small enough to stream.
const predictBatch = 512

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
	in := bufio.NewScanner(stdin)
	in.Buffer(make([]byte, 64*1024), 4*1024*1024)
	out := bufio.NewWriterSize(stdout, 64*1024)
	defer out.Flush()
	n := max(1, *workers)
	bufs := make([]bytes.Buffer, n)
	lines := make([]string, 0, predictBatch)
	flush := func() error {
		// Worker w takes a contiguous share of the batch, so writing the buffers in order keeps
		// the output in input order.
		var wg sync.WaitGroup
		per := (len(lines) + n - 1) / n
		for w := range n {
			lo, hi := min(w*per, len(lines)), min((w+1)*per, len(lines))
			bufs[w].Reset()
			wg.Add(1)
			go func(buf *bytes.Buffer, part []string) {
				defer wg.Done()
				for _, l := range part {
					res := eng.Classify(ctx, intent.Request{Text: l})
					buf.Write(append(res.AppendJSON(buf.AvailableBuffer()), '\n'))
				}
			}(&bufs[w], lines[lo:hi])
		}
		wg.Wait()
		for w := range bufs {
			if _, err := out.Write(bufs[w].Bytes()); err != nil {
				return err
			}
		}
		lines = lines[:0]
		return ctx.Err()
	}
	for in.Scan() {
		lines = append(lines, in.Text())
		if len(lines) == predictBatch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := in.Err(); err != nil {
		return err
	}
	return flush()
}
