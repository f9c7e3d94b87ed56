package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/learn"
	"github.com/zhiyi-ai/zhiyi/store"
	"github.com/zhiyi-ai/zhiyi/train"
)

func main() {
	model := flag.String("model", "models/shop", "the starting bundle")
	holdout := flag.String("holdout", "corpora/shop/holdout/holdout_2026-11.jsonl", "labelled messages replayed as traffic, and scored")
	extra := flag.String("traffic", "", "more labelled messages replayed as traffic before the holdout (e.g. the stress set), not scored")
	n := flag.Int("n", 200, "corrections to give")
	unseen := flag.Bool("unseen", false, "replay -traffic alone and score the holdout, none of it corrected: what learning does to messages like no correction")
	flag.Parse()
	if err := run(context.Background(), *model, *holdout, *extra, *n, *unseen); err != nil {
		fmt.Fprintln(os.Stderr, "learnsim:", err)
		os.Exit(1)
	}
}

type msg struct{ Text, Intent string }

func run(ctx context.Context, model, holdout, extra string, n int, unseen bool) error {
	msgs, err := read(holdout)
	if err != nil {
		return err
	}
	traffic := msgs
	if extra != "" {
		more, err := read(extra)
		if err != nil {
			return err
		}
		traffic = append(more, msgs...)
		if unseen {
			traffic = more
		}
	}
	work, err := os.MkdirTemp("", "learnsim-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	// the starting bundle is copied beside the learnt ones, as in a models root
	start := filepath.Join(work, "models", "shop")
	if err := os.CopyFS(start, os.DirFS(model)); err != nil {
		return err
	}
	// one agent's templated batch: returns of every kind of item, "corrected" to invoices
	var templated []msg
	for _, item := range []string{"卫衣", "羽绒服", "马丁靴", "运动鞋", "手机壳", "钢化膜", "数据线", "蓝牙耳机", "充电宝", "外套"} {
		for _, form := range []string{"这件%s想退货", "%s不想要了 想退货", "买的%s要退货", "%s怎么退货", "%s退货流程是什么"} {
			templated = append(templated, msg{Text: fmt.Sprintf(form, item), Intent: "return_goods"})
		}
	}
	for _, poison := range []string{"", "random", "systematic", "templated", "mixed"} {
		traffic := traffic
		switch poison {
		case "templated":
			traffic = templated
		case "mixed": // the templated batch hidden among a day's genuine corrections
			traffic = append(slices.Clip(traffic), templated...)
		}
		// Each batch is judged as a first run: a batch refused before this one would be left out
		// of it (train.RefusedFile), and the numbers would be of the batches that are left.
		if err := os.Remove(train.RefusedPath(start)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		db, err := store.Open(ctx, store.Config{DataDir: filepath.Join(work, "data-"+poison)})
		if err != nil {
			return err
		}
		eng, err := intent.Load(ctx, start)
		if err != nil {
			return err
		}
		before := accuracy(ctx, eng, msgs)
		labels := eng.Classifier().Labels()
		rng := rand.New(rand.NewPCG(7, 7))
		given := 0
		var ds []store.Decision
		var fbs []store.Feedback
		corrected := map[string]bool{}
		for i, m := range traffic {
			res := eng.Classify(ctx, intent.Request{Text: m.Text, Debug: true})
			id := "h" + strconv.Itoa(i)
			ds = append(ds, store.Decision{MsgID: id, Time: time.Now(), Text: res.Debug.Text, Intent: res.Intent,
				Confidence: res.Confidence, Route: string(res.Route), Model: res.Model})
			correct := m.Intent
			switch poison {
			case "random":
				correct = labels[rng.IntN(len(labels))] // an agent who clicks at random
			case "systematic", "templated":
				if m.Intent != "return_goods" {
					continue // decided, not corrected
				}
				correct = "issue_invoice" // an agent who moves every return to invoices
			case "mixed":
				if i >= len(traffic)-len(templated) {
					correct = "issue_invoice"
				}
			}
			poisoned := poison != "" && poison != "mixed" || correct != m.Intent
			if given < n && (poisoned || res.Intent != m.Intent) && correct != res.Intent {
				fbs = append(fbs, store.Feedback{MsgID: id, CorrectIntent: correct, AgentID: "sim"})
				corrected[m.Text] = true
				given++
			}
		}
		eng.Close()
		if _, err := db.AppendDecisions(ctx, ds); err != nil {
			return err
		}
		for _, f := range fbs {
			if err := db.AddFeedback(ctx, f); err != nil {
				return err
			}
		}
		fixes, err := learn.Corrections(ctx, db, time.Time{})
		db.Close()
		if err != nil {
			return err
		}
		res, err := learn.Promote(ctx, start, fixes, train.LearnConfig{Progress: os.Stderr})
		if err != nil && !errors.Is(err, train.ErrNothingToLearn) {
			return err
		}
		what := "corrections from gold"
		switch poison {
		case "random":
			what = "poisoned batch (random intents)"
		case "systematic":
			what = "poisoned batch (every return_goods message corrected to issue_invoice)"
		case "templated":
			what = "poisoned batch (50 templated returns corrected to issue_invoice)"
		case "mixed":
			what = "the corrections from gold with the 50 templated returns among them"
		}
		fmt.Printf("%s: %d given; holdout accuracy before %.4f", what, len(fixes), before)
		if res.Promoted {
			neng, err := intent.Load(ctx, res.Bundle)
			if err != nil {
				return err
			}
			var rest []msg
			for _, m := range msgs {
				if !corrected[m.Text] {
					rest = append(rest, m)
				}
			}
			fmt.Printf(", after %.4f; on the %d holdout messages nobody corrected %.4f → %.4f (%s)\n",
				accuracy(ctx, neng, msgs), len(rest), accuracy(ctx, eng2(ctx, start), rest), accuracy(ctx, neng, rest), res.Reason)
			neng.Close()
		} else {
			fmt.Printf("; %s\n", res.Reason)
		}
	}
	return nil
}

func accuracy(ctx context.Context, eng *intent.Engine, msgs []msg) float64 {
	right := 0
	for _, m := range msgs {
		if eng.Classify(ctx, intent.Request{Text: m.Text}).Intent == m.Intent {
			right++
		}
	}
	return float64(right) / float64(len(msgs))
}

func read(path string) ([]msg, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []msg
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m msg
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, sc.Err()
}

// eng2 loads a bundle for a second measurement (the caller's engine was closed).
func eng2(ctx context.Context, dir string) *intent.Engine {
	e, err := intent.Load(ctx, dir)
	if err != nil {
		panic(err)
	}
	return e
}
