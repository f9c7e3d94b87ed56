package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/internal/period"
	"github.com/zhiyi-ai/zhiyi/learn"
	"github.com/zhiyi-ai/zhiyi/nlp"
	"github.com/zhiyi-ai/zhiyi/store"
	"github.com/zhiyi-ai/zhiyi/train"
)

func runLearn(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("zhiyi learn", flag.ContinueOnError)
	setUsage(fs, stderr, "Usage: zhiyi learn --model DIR [--data-dir DIR | --db URL] [--min 20] [--labels FILE...] [--since TIME]\n"+
		"                   [--out DIR] [--keep 20] [--json]\n\n"+
		"Continues the bundle on the agents' corrections and console labels in the decision log (and\n"+
		"--labels files) and promotes the result only if it passes the evaluation gate: a new bundle\n"+
		"beside --model, <name>-learnt-<UTC time>. Prints the gate's verdict.")
	model := fs.String("model", "", "the bundle serving now, to continue from")
	out := fs.String("out", "", "where to write the promoted bundle (default: beside --model, named <name>-learnt-<time>)")
	var sf storeFlags
	sf.register(fs)
	since := fs.String("since", "", "corrections and labels given since: a duration (30d, 24h) or a date (default: since --model's own corrections were read, or it was made, so a learnt bundle does not learn its own corrections again)")
	var labels multiFlag
	fs.Var(&labels, "labels", "more labels to learn (repeatable): {\"text\",\"intent\"} lines, or msgid lines and filled sheets of logged messages")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	minFixes := fs.Int("min", envInt("ZHIYI_LEARN_MIN", defaultLearnMin), "corrections needed before learning: fewer are refused, as zhiyi serve --learn waits for --learn-min (env ZHIYI_LEARN_MIN)")
	keepN := fs.Int("keep", envInt("ZHIYI_LEARN_KEEP", learn.DefaultKeep), "learnt bundles kept beside --model, the newest: older ones are removed once a bundle is promoted there, never --model nor its parents up to that many bundles in all, nor the one --data-dir's serving.json names (with its parents), nor a bundle a zhiyi process serves; 0: keep all (env ZHIYI_LEARN_KEEP, as zhiyi serve --learn-keep)")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if envErr != nil {
		return envErr
	}
	if *keepN < 0 || *keepN == 1 {
		fmt.Fprintf(stderr, "zhiyi learn: --keep %d: want 0 (keep all), or 2 or more (with 1, the new bundle's parent would go, and a rollback with it)\n", *keepN)
		return errUsage
	}
	if *model == "" {
		fmt.Fprintln(stderr, "zhiyi learn: --model is required")
		fs.Usage()
		return errUsage
	}
	if *out != "" {
		// A bundle is immutable: the parent must stay for rollback, and so must any other.
		if _, err := os.Stat(*out); err == nil {
			return fmt.Errorf("--out %s exists; bundles are never overwritten (give a new directory, or leave --out out to name one beside --model)", *out)
		} else if !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("--out: %w", err)
		}
	}
	if *minFixes < 1 {
		fmt.Fprintf(stderr, "zhiyi learn: --min %d: want at least 1\n", *minFixes)
		return errUsage
	}
	var from time.Time
	if *since != "" {
		var err error
		if from, err = period.Parse(*since, time.Now()); err != nil {
			return fmt.Errorf("--since: %w", err)
		}
	}
	db, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	m, err := intent.ReadManifest(*model)
	if err != nil {
		return err
	}
	if *since == "" {
		from = correctionsSince(m)
	}
	readAt := time.Now() // recorded in the promoted bundle: the next learn starts there

	read := learn.Corrections // from the bundle's own window, with its margin
	if *since != "" {
		read = learn.CorrectionsGivenSince // from the time asked, exactly
	}
	fixes, err := read(ctx, db, from)
	if err != nil {
		return err
	}
	newIntents := 0
	for _, path := range labels {
		more, skipped, err := labelsToCorrections(ctx, db, path)
		if err != nil {
			return err
		}
		fixes = append(fixes, more...)
		newIntents += skipped
	}
	if newIntents > 0 {
		fmt.Fprintf(stderr, "zhiyi learn: %d label(s) name a new intent (%s…) and are left out: the knowledge base has no answer for them yet; add them with zhiyi train --labels (a zhiyi unmatched sheet names logged messages: give train the log, zhiyi export --format jsonl, as --data)\n", newIntents, train.NewIntentPrefix)
	}
	if len(labels) > 0 {
		// A typo in a label file is reported before the count, or it reads as too few corrections.
		if err := checkLabelIntents(ctx, *model, fixes); err != nil {
			return err
		}
	}
	// nothing says why there is nothing to learn, on stderr; with --json also as the result on
	// stdout, so that a script reading it gets one object whether or not anything was learnt.
	nothing := func(res train.LearnResult, format string, args ...any) error {
		res.Reason = "nothing to learn: " + fmt.Sprintf(format, args...)
		fmt.Fprintf(stderr, "zhiyi learn: %s\n", res.Reason)
		if !*asJSON {
			return nil
		}
		return writeJSONLine(stdout, &res)
	}
	if len(fixes) == 0 {
		return nothing(train.LearnResult{}, "no corrections since %s", from.Format(time.RFC3339))
	}
	// Counted without those of a batch the gate refused before: train.Learn leaves them out.
	keep, refused, err := train.LeaveOutRefused(*model, fixes)
	if err != nil {
		return err
	}
	if len(refused) > 0 {
		fmt.Fprintf(stderr, "zhiyi learn: %d correction(s) are of a batch the gate refused before, and left out (each is a line of %s, with the reason; to learn one, re-label it: --labels with its line)\n",
			len(refused), train.RefusedPath(*model))
	}
	// and without those the bundle learnt already: the window is read with a margin
	// (learn.CommitMargin), and a labels sheet may be given twice
	keep, known, err := train.LeaveOutLearnt(*model, keep)
	if err != nil {
		return err
	}
	if len(keep) == 0 && known > 0 {
		return nothing(train.LearnResult{Corrections: len(fixes), Known: known, RefusedBefore: len(refused)},
			"no corrections since %s that the bundle has not learnt (%d it learnt already)", from.Format(time.RFC3339), known)
	}
	if len(keep) == 0 {
		return nothing(train.LearnResult{Corrections: len(fixes), RefusedBefore: len(refused)},
			"the %d corrections since %s were all refused before", len(fixes), from.Format(time.RFC3339))
	}
	// and without those of messages that only give personal data, which train.Learn leaves out:
	// counted, they let a handful of others through --min
	keep, dataOnly, err := leaveOutDataOnly(ctx, *model, keep)
	if err != nil {
		return err
	}
	if dataOnly > 0 {
		fmt.Fprintf(stderr, "zhiyi learn: %d correction(s) only give personal data (订单号<ORDER>, 手机号 <PHONE>), and are left out: such a message answers an agent's question, and what it asks is what its conversation asked, which serving reads from the turns before it\n", dataOnly)
	}
	if len(keep) == 0 {
		res := train.LearnResult{Corrections: len(fixes), Known: known, DataOnly: dataOnly, RefusedBefore: len(refused)}
		if known+len(refused) == 0 {
			return nothing(res, "the %d corrections since %s all only give personal data", len(fixes), from.Format(time.RFC3339))
		}
		return nothing(res, "of the %d corrections since %s, %d only give personal data and the others were learnt already or refused before",
			len(fixes), from.Format(time.RFC3339), dataOnly)
	}
	if len(keep) < *minFixes {
		// A model promoted on a handful of corrections has learnt them, not the need behind them;
		// the held-out check of train.Learn only starts at 10.
		err := fmt.Errorf("%d correction(s) since %s; learning needs at least %d (--min): label more, or lower --min",
			len(keep), from.Format(time.RFC3339), *minFixes)
		if *asJSON {
			// still an error (exit 1), and the one result a script reading stdout expects
			res := train.LearnResult{Corrections: len(fixes), Known: known, DataOnly: dataOnly, RefusedBefore: len(refused), Reason: err.Error()}
			if werr := writeJSONLine(stdout, &res); werr != nil {
				return werr
			}
		}
		return err
	}
	// m's version: a retrain in place meanwhile is refused, not learnt with m's window
	cfg := train.LearnConfig{Progress: stderr, Until: readAt, Parent: m.Version()}
	var res *train.LearnResult
	if *out != "" {
		res, err = train.Learn(ctx, *model, *out, fixes, cfg)
	} else {
		res, err = learn.Promote(ctx, *model, fixes, cfg)
	}
	if errors.Is(err, train.ErrNothingToLearn) {
		if res == nil {
			res = &train.LearnResult{Corrections: len(fixes)}
		}
		return nothing(*res, "none of the %d corrections can be learnt: %d repeat a text corrected before, %d name an intent the model lacks, %d texts are corrected to different intents, %d only give personal data, %d were learnt already, %d are of the evaluation set, %d were refused before",
			res.Corrections, res.Repeats, res.Unknown, res.Contradictory, res.DataOnly, res.Known, res.InEvalSet, res.RefusedBefore)
	}
	if err != nil {
		return err
	}
	if res.Promoted && *out == "" {
		protect := []string{*model, res.Bundle}
		// the bundle serve --learn serves (or serves again on its restart), with its parents: it
		// holds no lock while serve is stopped, and its parents (rollbacks) never do
		if rec, err := readServing(filepath.Join(sf.dataDir, servingFileName)); err == nil && sf.dataDir != "" {
			protect = append(protect, rec.Model)
		}
		removed, err := learn.Prune(res.Bundle, *keepN, protect...)
		for _, p := range removed {
			fmt.Fprintf(stderr, "removed %s (older than the %d learnt bundles --keep keeps)\n", p, *keepN)
		}
		if err != nil {
			fmt.Fprintf(stderr, "zhiyi learn: removing learnt bundles beyond --keep: %v\n", err)
		}
	}
	if *asJSON {
		return writeJSONLine(stdout, res)
	}
	if res.Promoted {
		// serve reloads only bundles beside the one it started with (its models root, by default)
		hint := "restart serve with --model pointing at it"
		if filepath.Dir(filepath.Clean(res.Bundle)) == filepath.Dir(filepath.Clean(*model)) {
			hint = fmt.Sprintf("POST /admin/reload {\"model\":%q}, or %s", res.Bundle, hint)
		}
		fmt.Fprintf(stdout, "%s\nnew bundle: %s (serve it: %s)\n", res.Reason, res.Bundle, hint)
	} else {
		fmt.Fprintln(stdout, res.Reason)
	}
	return nil
}

// leaveOutDataOnly is train.LeaveOutDataOnly with the analyzer of the bundle in model.
func leaveOutDataOnly(ctx context.Context, model string, fixes []train.Correction) (keep []train.Correction, dataOnly int, err error) {
	eng, err := intent.Load(ctx, model)
	if err != nil {
		return nil, 0, err
	}
	defer eng.Close()
	keep, dataOnly = train.LeaveOutDataOnly(eng.Analyzer(), fixes)
	return keep, dataOnly, nil
}

// checkLabelIntents refuses label-file corrections naming an intent the bundle in model lacks.
func checkLabelIntents(ctx context.Context, model string, fixes []train.Correction) error {
	eng, err := intent.Load(ctx, model)
	if err != nil {
		return err
	}
	defer eng.Close()
	return train.CheckIntents(eng.Classifier().Labels(), fixes)
}

// labelsToCorrections reads a label file for learning: text lines as they are, msgid lines and
// sheet members through the decision log (the message's masked text). newIntents counts the
// lines naming a new intent, which learning leaves out.
func labelsToCorrections(ctx context.Context, db *store.DB, path string) (out []train.Correction, newIntents int, err error) {
	ls, err := train.ReadLabels(path)
	if err != nil {
		return nil, 0, err
	}
	var missing []string
	for _, l := range ls {
		if strings.HasPrefix(l.Intent, train.NewIntentPrefix) {
			newIntents++
			continue
		}
		if l.Intent == "" {
			continue
		}
		if l.Text != "" {
			out = append(out, train.Correction{Text: l.Text, Intent: l.Intent, Source: l.Source, Checked: true})
			continue
		}
		var texts []string
		for _, id := range l.MsgIDs {
			d, err := db.Decision(ctx, id)
			if errors.Is(err, store.ErrNotFound) {
				missing = append(missing, l.Source+": "+nlp.MaskID(id)) // as /feedback names an unknown id
				continue
			}
			if err != nil {
				return nil, 0, err
			}
			texts = append(texts, d.Text)
		}
		// A sheet of another shop's log (an agency's sheets side by side) names ids that may be
		// this log's too, on other messages: its samples say whose messages it clustered.
		if err := train.CheckSheetSamples(l, texts); err != nil {
			return nil, 0, err
		}
		for _, text := range texts {
			out = append(out, train.Correction{Text: text, Intent: l.Intent, Source: l.Source, Checked: true})
		}
	}
	if len(missing) > 0 {
		// A zhiyi cluster sheet names the exports' messages, which were never decided by serve.
		return nil, 0, fmt.Errorf("%d message ids are not in the decision log, e.g. %s (a sheet of zhiyi unmatched names logged messages; one of zhiyi cluster names the exports' messages: give it to zhiyi train --labels with those exports)",
			len(missing), strings.Join(missing[:min(3, len(missing))], "; "))
	}
	return out, newIntents, nil
}

func runRollback(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("zhiyi rollback", flag.ContinueOnError)
	setUsage(fs, stderr, "Usage: zhiyi rollback --model DIR [--server URL]\n\n"+
		"Prints the directory of the bundle a learnt bundle was learnt from (its parent); with --server,\n"+
		"reloads the parent on that zhiyi serve (POST /admin/reload with $ZHIYI_ADMIN_TOKEN).")
	model := fs.String("model", "", "a learnt bundle: its parent is printed (and reloaded with --server)")
	server := fs.String("server", "", "a running zhiyi serve (http://host:8080) to reload the parent on; the admin token comes from ZHIYI_ADMIN_TOKEN")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if *model == "" {
		fmt.Fprintln(stderr, "zhiyi rollback: --model is required")
		fs.Usage()
		return errUsage
	}
	parent, err := learn.Parent(*model)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, parent)
	if *server == "" {
		return nil
	}
	body, _ := json.Marshal(map[string]string{"model": parent})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(*server, "/")+"/admin/reload", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+os.Getenv("ZHIYI_ADMIN_TOKEN"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("reload on %s: %w", *server, err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode == http.StatusUnauthorized {
		return fmt.Errorf("reload on %s: %s: set ZHIYI_ADMIN_TOKEN to the server's admin token", *server, resp.Status)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("reload on %s: %s: %s", *server, resp.Status, bytes.TrimSpace(answer))
	}
	fmt.Fprintf(stderr, "reloaded: %s\n", bytes.TrimSpace(answer))
	return nil
}

// writeJSONLine writes v as one line of JSON, without HTML escaping (reasons quote <, > and &).
func writeJSONLine(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
