package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"io"

	"github.com/zhiyi-ai/zhiyi/intent"
)

func runPredict(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("zhiyi predict", flag.ContinueOnError)
	model := fs.String("model", "", "model bundle directory")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if *model == "" {
		fs.Usage()
		return errUsage
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
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	for n := 0; in.Scan(); n++ {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		res := eng.Classify(ctx, intent.Request{Text: in.Text()})
		if err := enc.Encode(&res); err != nil {
			return err
		}
	}
	return in.Err()
}
