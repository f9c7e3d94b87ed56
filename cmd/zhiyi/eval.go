package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/train"
)

func runEval(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("zhiyi eval", flag.ContinueOnError)
	model := fs.String("model", "", "model bundle directory")
	data := fs.String("data", "", "labelled data: a file or directory in any import format")
	asJSON := fs.Bool("json", false, "print the metrics object on stdout")
	full := fs.Bool("full", false, "with --json: print the whole report, not just the metrics")
	html := fs.String("html", "", "write the report as a self-contained HTML page to this file")
	out := fs.String("out", "", "write the full JSON report to this file")
	csvMap := fs.String("csv", "", "CSV column mapping (see zhiyi train -h)")
	maxText := fs.Int("max-text-bytes", train.DefaultMaxTextBytes, "skip messages longer than this many UTF-8 bytes, as zhiyi serve refuses them (-1: no limit)")
	alone := fs.Bool("classifier-only", false, "switch retrieval fusion off: measure the classifier alone")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if *model == "" || *data == "" {
		fmt.Fprintln(stderr, "zhiyi eval: --model and --data are required")
		fs.Usage()
		return errUsage
	}
	for flag, path := range map[string]string{"--html": *html, "--out": *out} {
		if path != "" && insideDir(path, *model) {
			return fmt.Errorf("zhiyi eval: %s %s is inside the model bundle %s; a bundle must stay as it was written (its manifest lists every file), so write the report elsewhere", flag, path, *model)
		}
	}
	eng, err := intent.Load(ctx, *model)
	if err != nil {
		return err
	}
	defer eng.Close()
	if *alone {
		p := eng.Policy()
		p.Fusion, p.RetrievalGate = intent.Fusion{Classifier: 1}, 0
		eng = eng.WithPolicy(p)
	}
	cols, err := train.ParseCSVColumns(*csvMap)
	if err != nil {
		return err
	}
	im := train.NewImporter()
	im.CSV = cols
	im.MaxTextBytes = *maxText
	var items []train.Labelled
	if err := im.Import(ctx, []string{*data}, func(m train.Message) error {
		if m.Intent != "" {
			items = append(items, train.Labelled{Text: m.Text, Intent: m.Intent})
		}
		return nil
	}); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "import: %s\n", im.Stats())
	if len(items) == 0 {
		return fmt.Errorf("%s: no labelled messages", *data)
	}
	rep, err := train.Evaluate(ctx, eng, items, *data, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "accuracy %.4f  macro-F1 %.4f  auto %.1f%% (precision %.4f)  out-of-scope P %.3f R %.3f  n=%d\n",
		rep.Accuracy, rep.MacroF1, 100*rep.AutoCoverage, rep.AutoPrecision, rep.OutOfScope.Precision, rep.OutOfScope.Recall, rep.Count)
	if *html != "" {
		var b strings.Builder
		if err := rep.WriteHTML(&b); err != nil {
			return err
		}
		if err := intent.WriteFileAtomic(*html, []byte(b.String())); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "report: %s\n", *html)
	}
	if *out != "" {
		data, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		if err := intent.WriteFileAtomic(*out, data); err != nil {
			return err
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		if *full {
			return enc.Encode(rep)
		}
		return enc.Encode(rep.Metrics())
	}
	return nil
}

// insideDir reports whether path is dir or lies under it.
func insideDir(path, dir string) bool {
	p, err1 := filepath.Abs(path)
	d, err2 := filepath.Abs(dir)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(d, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
