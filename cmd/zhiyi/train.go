package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/internal/period"
	"github.com/zhiyi-ai/zhiyi/train"
)

func runTrain(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("zhiyi train", flag.ContinueOnError)
	cfg := train.DefaultConfig()
	var data, labels multiFlag
	var csvMap string
	var summary bool
	var until string
	setUsage(fs, stderr, "Usage: zhiyi train [--data FILE_OR_DIR...] [--kb kb.yaml] [--dict DIR] [--labels FILE...] --out DIR\n\n"+
		"Trains a model bundle from a shop's exported chats (WeCom archive, 微信客服 sync_msg, CRM CSV,\n"+
		"{\"text\",\"intent\"} lines), its knowledge base and its dictionaries; intent labels are optional.\n"+
		"Progress goes to stderr; --json prints the summary on stdout. docs/training.md has the details.")
	fs.Var(&data, "data", "exported chats: a file or directory (repeatable; also takes the paths after it); none: train on --kb's examples alone (a shop with no chats yet)")
	fs.Var(&labels, "labels", "labels beside the exports (repeatable): {\"msgid\",\"intent\"} or {\"text\",\"intent\"} lines, or a cluster sheet filled in (zhiyi cluster)")
	fs.StringVar(&cfg.Dev, "dev", "", "labelled dev file (default: the newest --dev-days, or a share of the data)")
	fs.StringVar(&cfg.KB, "kb", "", "knowledge base (kb.yaml); refused while zhiyi lint finds anything in its answers that is not waived")
	fs.StringVar(&cfg.DictDir, "dict", "", "dictionary directory: userdict.txt, synonyms.txt, dialect.txt, stopwords.txt, shorthand.txt, sentiment.txt, each optional")
	fs.StringVar(&cfg.Out, "out", "", "bundle directory to write (replaced atomically)")
	fs.StringVar(&cfg.Name, "name", "", "bundle name (default: base name of --out)")
	fs.IntVar(&cfg.MaxTextBytes, "max-text-bytes", train.DefaultMaxTextBytes, "skip messages longer than this many UTF-8 bytes, as zhiyi serve refuses them (-1: no limit)")
	fs.StringVar(&csvMap, "csv", "", "CSV column mapping, e.g. text=消息内容,time=发送时间,intent=意图标签,role=发送方类型,customer=客户")
	fs.IntVar(&cfg.DevDays, "dev-days", cfg.DevDays, "newest days of timed exports that form the dev split")
	fs.Float64Var(&cfg.DevShare, "dev-share", cfg.DevShare, "share of untimed data that forms the dev split")
	fs.IntVar(&cfg.SubwordVocab, "subword-vocab", 0, "BPE vocabulary size (0: automatic, -1: no subwords)")
	fs.IntVar(&cfg.HistoryPerIntent, "history-per-intent", cfg.HistoryPerIntent, "labelled history messages indexed per intent")
	fs.Float64Var(&cfg.TargetPrecision, "target-precision", cfg.TargetPrecision, "dev precision required to answer automatically")
	fs.IntVar(&cfg.Fit.Epochs, "epochs", cfg.Fit.Epochs, "maximum training epochs")
	fs.Float64Var(&cfg.Fit.Rate, "rate", cfg.Fit.Rate, "AdaGrad learning rate")
	fs.Float64Var(&cfg.Fit.L2, "l2", cfg.Fit.L2, "L2 weight decay")
	fs.Float64Var(&cfg.Fit.LabelSmoothing, "label-smoothing", cfg.Fit.LabelSmoothing, "share of each message's target spread over all intents (regularises)")
	fs.IntVar(&cfg.Fit.MinCount, "min-count", cfg.Fit.MinCount, "features occurring fewer times in the training messages are dropped, from both models (a smaller bundle; docs/training.md)")
	fs.IntVar(&cfg.MaxFeatures, "max-features", cfg.MaxFeatures, "keep at most this many features in both models, those whose weights move the intents' scores most, and fit both again on them (0: as many as keep the bundle near 10 MB; -1: all; docs/training.md)")
	fs.BoolVar(&cfg.Ranker, "ranker", cfg.Ranker, "train a linear SVM that orders the intents, the confidence being the geometric mean of its and the classifier's calibrated probabilities (needs a labelled dev split)")
	fs.Float64Var(&cfg.RankerC, "ranker-c", cfg.RankerC, "the ranker's C, its inverse regularisation strength (0: chosen by 5-fold cross-validation on the train split)")
	fs.BoolVar(&cfg.Fit.TFIDF, "tfidf", cfg.Fit.TFIDF, "weigh features by TF-IDF, normalised over the features the model knows")
	fs.IntVar(&cfg.Fit.Runs, "runs", cfg.Fit.Runs, "shuffled training runs averaged into the model")
	fs.IntVar(&cfg.Fit.Patience, "patience", cfg.Fit.Patience, "epochs without dev improvement before a run stops")
	fs.Uint64Var(&cfg.Fit.Seed, "seed", cfg.Fit.Seed, "random seed (same data and seed give the same model)")
	fs.StringVar(&cfg.Refit, "refit", cfg.Refit, "train the final model on train and dev together once dev has chosen epochs and thresholds: auto (when dev is the newest weeks), always, never")
	fs.BoolVar(&cfg.ContextFeatures, "context-features", cfg.ContextFeatures, "train with the conversation's active intent as a feature")
	fs.BoolVar(&cfg.IgnoreExportLabels, "ignore-export-labels", false, "train as if the exports carried no labels (a CSV tag column, intent fields): seeds, --labels and self-training only")
	fs.BoolVar(&cfg.Weak.NoSeeds, "no-seeds", false, "do not train on kb.yaml's example questions")
	fs.BoolVar(&cfg.Weak.NoNoneSeeds, "no-none-seeds", false, "do not add the built-in out-of-scope examples (a shop's own out-of-scope labels are the class then)")
	fs.IntVar(&cfg.Weak.Rounds, "self-train-rounds", 0, fmt.Sprintf("rounds of self-training over unlabelled messages (0: the default, %d; -1: off)", train.DefaultWeakConfig().Rounds))
	fs.StringVar(&until, "until", "", "train only on messages sent before this date (2026-10-17, China Standard Time) or RFC 3339 time")
	fs.BoolVar(&summary, "json", false, "print the training summary as JSON on stdout")
	// --data a b c: take the bare paths that follow --data as data too.
	args, extra := splitDataArgs(args)
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	data = append(data, extra...)
	cfg.Data = data
	cfg.Labels = labels
	if (len(cfg.Data) == 0 && cfg.KB == "") || cfg.Out == "" {
		fmt.Fprintln(stderr, "zhiyi train: --out and --data (or, with no chats yet, --kb) are required")
		fs.Usage()
		return errUsage
	}
	// The bundle replaces --out whole: an input in it would go with it.
	ins := append(dataInputs("--data", cfg.Data...), inputs("--labels", cfg.Labels...)...)
	if err := checkNotInput("--out", cfg.Out, append(ins, dataInputs("--dev", cfg.Dev)...)); err != nil {
		return err
	}
	var err error
	if until == "" {
	} else if cfg.Until, err = period.ParseTime(until); err != nil {
		return fmt.Errorf("--until: %w", err)
	}
	if cfg.CSV, err = train.ParseCSVColumns(csvMap); err != nil {
		return err
	}
	// The name is checked now rather than when the bundle is sealed, after all the work.
	if cfg.Name == "" {
		if err := intent.CheckName(filepath.Base(filepath.Clean(cfg.Out))); err != nil {
			return fmt.Errorf("%w; the name defaults to --out's last element: pass --name", err)
		}
	} else if err := intent.CheckName(cfg.Name); err != nil {
		return err
	}
	// Say what earlier runs killed mid-way left beside --out before it is cleaned.
	done, err := intent.CleanBundleLitter(cfg.Out)
	for _, d := range done {
		fmt.Fprintf(stderr, "%s (left by an interrupted zhiyi train)\n", d)
	}
	if err != nil {
		return err
	}
	cfg.Progress = stderr
	sum, err := train.Run(ctx, cfg)
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return fmt.Errorf("interrupted: nothing was written to %s (a bundle already there is unchanged)", cfg.Out)
	}
	if err != nil {
		return err
	}
	if summary {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(sum)
	}
	if st, err := os.Stat(filepath.Join(cfg.Out, intent.ReportHTMLFile)); err == nil && st.Size() > 0 {
		fmt.Fprintf(stderr, "report: %s\n", filepath.Join(cfg.Out, intent.ReportHTMLFile))
	}
	return nil
}

// splitDataArgs moves bare arguments that follow --data (zhiyi train --data a.jsonl b.csv) out
// of the flag list, since the flag package stops at the first non-flag.
func splitDataArgs(args []string) (flags, data []string) {
	inData := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--data" || a == "-data":
			flags = append(flags, a)
			if i+1 < len(args) {
				i++
				flags = append(flags, args[i])
			}
			inData = true
		case strings.HasPrefix(a, "-"):
			inData = false
			flags = append(flags, a)
		case inData:
			data = append(data, a)
		default:
			flags = append(flags, a)
		}
	}
	return flags, data
}
