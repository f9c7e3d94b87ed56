package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/zhiyi-ai/zhiyi/nlp"
	"github.com/zhiyi-ai/zhiyi/store"
)

// readSubject reads the ids given as - from stdin, one line each, sender first, and checks that
// one is given. An id is kept as given, spaces and all: serve hashed it as the gateway sent it,
// and the store matches it both so and trimmed (' 13812345678' finds that customer either way).
func readSubject(stdin io.Reader, stderr io.Writer, fs *flag.FlagSet, cmd string, sender, chat *string) error {
	in := bufio.NewScanner(stdin)
	for _, id := range []*string{sender, chat} {
		if *id != "-" {
			continue
		}
		if !in.Scan() {
			return fmt.Errorf("%s: - reads an id from stdin, and stdin ended", cmd)
		}
		*id = in.Text()
		if strings.TrimSpace(*id) == "" {
			return fmt.Errorf("%s: the id read from stdin is empty", cmd)
		}
	}
	if *sender == "" && *chat == "" {
		fmt.Fprintf(stderr, "%s: --sender or --chat is required\n", cmd)
		fs.Usage()
		return errUsage
	}
	return nil
}

func runForget(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("zhiyi forget", flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs)
	sender := fs.String("sender", "", "the customer's sender_id as sent to /intent; - reads it from the first line of stdin (out of the shell's history)")
	chat := fs.String("chat", "", "a conversation's chat_id as sent to /intent; - reads it from stdin (after the sender's line when both are -)")
	asJSON := fs.Bool("json", false, "print what was deleted as JSON")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: zhiyi forget [--data-dir DIR | --db URL] (--sender ID | --chat ID) [--json]\n\n"+
			"Deletes from the decision log what it holds of one customer or one conversation, as a request\n"+
			"to delete personal information asks (个人信息保护法): their decisions (the masked messages and\n"+
			"what was decided), the feedback on them and the labels given to them. It runs beside a serving\n"+
			"zhiyi. Bundles hold only masked text; retrain to drop what learning took from them.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if envErr != nil {
		return envErr
	}
	if err := readSubject(stdin, stderr, fs, "zhiyi forget", sender, chat); err != nil {
		return err
	}
	db, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.Forget(ctx, store.Subject{SenderID: *sender, ChatID: *chat})
	if err != nil {
		// what was deleted stays deleted: run again to finish
		return fmt.Errorf("%w (deleted so far: %d decisions, %d feedback, %d labels; run it again to finish)", err, n.Decisions, n.Feedback, n.Labels)
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(n)
	}
	var who []string
	if *sender != "" {
		who = append(who, "sender "+nlp.MaskID(*sender))
	}
	if *chat != "" {
		who = append(who, "conversation "+nlp.MaskID(*chat))
	}
	fmt.Fprintf(stdout, "%s: deleted %d decisions, %d feedback, %d labels\n", strings.Join(who, " and "), n.Decisions, n.Feedback, n.Labels)
	return nil
}

// forget is POST /admin/forget: the decisions still queued or spooled are written first, so
// that a customer's last messages go too (store.Recorder.Flush), then the subject's records are
// deleted.
func (w *wiring) forget(ctx context.Context, s store.Subject) (store.Forgotten, error) {
	if w.rec != nil {
		if err := w.rec.Flush(ctx); err != nil {
			return store.Forgotten{}, fmt.Errorf("the decisions still on their way to the log: %w", err)
		}
	}
	return w.db.Forget(ctx, s)
}

// subjectRecord is a line of zhiyi records: a decision and the feedback on it.
type subjectRecord struct {
	store.Decision
	Feedback []store.Feedback `json:"feedback,omitempty"`
}

func runRecords(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("zhiyi records", flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs)
	sender := fs.String("sender", "", "the customer's sender_id as sent to /intent; - reads it from the first line of stdin")
	chat := fs.String("chat", "", "a conversation's chat_id as sent to /intent; - reads it from stdin (after the sender's line when both are -)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: zhiyi records [--data-dir DIR | --db URL] (--sender ID | --chat ID)\n\n"+
			"Prints, as JSON lines oldest first, what the decision log holds of one customer or one\n"+
			"conversation: each decision (the masked message, what was decided and answered) with the\n"+
			"feedback on it. For a customer's request to see a copy of their personal information\n"+
			"(个人信息保护法); zhiyi forget deletes it.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if envErr != nil {
		return envErr
	}
	if err := readSubject(stdin, stderr, fs, "zhiyi records", sender, chat); err != nil {
		return err
	}
	db, err := sf.openReader(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	var ds []store.Decision // oldest first
	err = db.Decisions(ctx, store.Query{Of: &store.Subject{SenderID: *sender, ChatID: *chat}}, func(d *store.Decision) error {
		ds = append(ds, *d)
		return nil
	})
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	for _, d := range ds {
		r := subjectRecord{Decision: d}
		err := db.Feedback(ctx, store.FeedbackQuery{MsgID: d.MsgID}, func(f *store.FeedbackRecord) error {
			r.Feedback = append(r.Feedback, f.Feedback)
			return nil
		})
		if err != nil {
			return err
		}
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	fmt.Fprintf(stderr, "%d decisions\n", len(ds))
	return nil
}
