package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/nlp"
	"github.com/zhiyi-ai/zhiyi/train"
)

func runCluster(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("zhiyi cluster", flag.ContinueOnError)
	setUsage(fs, stderr, "Usage: zhiyi cluster --model DIR --data FILE_OR_DIR... --out FILE [--all]\n\n"+
		"Replays the exports conversation by conversation and groups the customer messages the model\n"+
		"does not confidently place into clusters of similar questions, a sheet to label a cluster at a\n"+
		"time. Fill \"intent\" on the lines you decide (an intent id, none, or new:<标签>), then\n"+
		"zhiyi train ... --labels FILE.")
	model := fs.String("model", "", "model bundle directory")
	var data multiFlag
	fs.Var(&data, "data", "exported chats: a file or directory (repeatable; also takes the paths after it)")
	out := fs.String("out", "", "the cluster sheet to write (JSON lines, largest cluster first)")
	all := fs.Bool("all", false, "cluster every customer message, not only those the model does not confidently place")
	csvMap := fs.String("csv", "", "CSV column mapping (see zhiyi train -h)")
	minSim := fs.Float64("min-similarity", 0, "cosine similarity to a cluster's centre needed to join it (0: default 0.35)")
	args, extra := splitDataArgs(args)
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	data = append(data, extra...)
	if *model == "" || len(data) == 0 || *out == "" {
		fmt.Fprintln(stderr, "zhiyi cluster: --model, --data and --out are required")
		fs.Usage()
		return errUsage
	}
	if insideDir(*out, *model) {
		return fmt.Errorf("--out %s is inside the model bundle %s; a bundle must stay as it was written (its manifest lists every file), so write the sheet elsewhere", *out, *model)
	}
	if err := checkNotInput("--out", *out, dataInputs("--data", data...)); err != nil {
		return err
	}
	if err := checkSheetOut(*out); err != nil {
		return err
	}
	eng, err := intent.Load(ctx, *model)
	if err != nil {
		return err
	}
	defer eng.Close()
	cols, err := train.ParseCSVColumns(*csvMap)
	if err != nil {
		return err
	}
	im := train.NewImporter()
	im.CSV, im.KeepDuplicates = cols, true
	var turns []exportedTurn
	total, noID, again := 0, 0, 0
	seen := newSeenMessages()
	err = im.Import(ctx, data, func(m train.Message) error {
		if seen.again(m) {
			again++ // the same message read twice: one member, counted once
			return nil
		}
		total++
		t := exportedTurn{conv: m.Conversation, seq: len(turns)}
		if !m.Time.IsZero() {
			t.at = m.Time.UnixMilli()
		}
		t.msg.Text, _ = nlp.Mask(nlp.Normalize(m.Text))
		if m.MsgID == "" {
			noID++ // a label names messages by id: without one it cannot be labelled by cluster
		} else {
			// The sheet is handed to operators: ids are masked as serve logs them, and train
			// --labels matches a masked member back to the message whose id masks to it.
			t.msg.ID = train.SheetMemberID(m.MsgID)
		}
		turns = append(turns, t) // without an id, still the context of the messages after it
		return nil
	})
	if err != nil {
		return err
	}
	placedAt, err := decideInContext(ctx, eng, turns)
	if err != nil {
		return err
	}
	var msgs []train.ClusterMessage
	for i, t := range turns {
		if t.msg.ID != "" && (*all || !placedAt[i]) {
			msgs = append(msgs, t.msg)
		}
	}
	printImport(stderr, im.Stats())
	if again > 0 {
		fmt.Fprintf(stderr, "left out %d copies of messages read before (the same message id, or the same sender, text and second in another export)\n", again)
	}
	if shared := seen.texts.Shared(); len(shared) > 0 {
		ids := make([]string, 0, 3) // as the sheet names them: masked
		for _, id := range shared[:min(3, len(shared))] {
			ids = append(ids, train.SheetMemberID(id))
		}
		fmt.Fprintf(stderr, "warning: %d message ids are given to messages of different texts (%s): exports that number their messages alike; train --labels refuses a label by such an id, so label those messages with text lines ({\"text\",\"intent\"})\n",
			len(shared), strings.Join(ids, ", "))
	}
	// A sheet names its members by message id, and train --labels finds them by id: a CRM CSV
	// without a message-id column cannot be labelled by cluster (nor could the empty sheet).
	const byID = "a sheet names its members by message id (a CSV's 消息ID, msgid or message_id column; --csv msgid=COLUMN names another)"
	if noID > 0 && noID == total {
		return fmt.Errorf("none of the %d customer messages in %s has a message id, and %s: nothing was written. Label these messages with {\"text\",\"intent\"} lines instead (docs/training.md)",
			total, strings.Join(data, ", "), byID)
	}
	if noID > 0 {
		fmt.Fprintf(stderr, "warning: %d messages have no message id and were left out: %s\n", noID, byID)
	}
	msgs, dataOnly := train.LeaveOutDataOnlyMessages(eng.Analyzer(), msgs)
	if dataOnly > 0 {
		fmt.Fprintf(stderr, "left out %d messages that only give personal data (订单号<ORDER>, 手机号 <PHONE>): training leaves them out whatever their label, for what they ask is what their conversation asked\n", dataOnly)
	}
	which := "not confidently placed in their conversations"
	if *all {
		which = "all"
	}
	fmt.Fprintf(stderr, "clustering %d of %d customer messages (%s)\n", len(msgs), total, which)
	lines, err := train.Cluster(ctx, eng, msgs, train.ClusterConfig{MinSimilarity: *minSim})
	if err != nil {
		return err
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	inThree := 0
	for _, l := range lines {
		if err := enc.Encode(l); err != nil {
			return err
		}
		if l.Size >= 3 {
			inThree += l.Size
		}
	}
	if err := intent.WriteFileAtomic(*out, b.Bytes()); err != nil {
		return err
	}
	share := 0.0
	if len(msgs) > 0 {
		share = float64(inThree) / float64(len(msgs))
	}
	fmt.Fprintf(stderr, "wrote %d clusters to %s; %.1f%% of the messages are in clusters of 3 or more\n", len(lines), *out, 100*share)
	fmt.Fprintf(stderr, "fill \"intent\" on the lines you decide (an intent id, none, or new:<标签>), then: zhiyi train … --labels %s\n", *out)
	return nil
}

// placed reports whether the model confidently places a message: an intent (not out of scope)
// at or above its auto threshold — answered on its own, or a confident request for a person.
func placed(eng *intent.Engine, res intent.Result) bool {
	p := eng.Policy()
	return res.Intent != intent.NoneIntent && res.Confidence >= p.AutoThreshold(res.Intent)
}

// seenMessages recognises a message read before: the same export given twice (the same id), or
// one message in two exports — the WeCom archive and 微信客服 give it different ids, but the same
// customer, text and second. A cluster lists each message once, so its size counts messages.
type seenMessages struct {
	ids   map[string]bool
	sent  map[string]bool
	texts *train.IDTexts // the texts each id names: one given to two is no label's to use
}

func newSeenMessages() seenMessages {
	return seenMessages{ids: map[string]bool{}, sent: map[string]bool{}, texts: train.NewIDTexts()}
}

// again reports whether m was seen before, and remembers it.
func (s seenMessages) again(m train.Message) bool {
	dup := false
	text := nlp.Normalize(m.Text)
	if m.MsgID != "" { // the id and the text: two exports numbering their lines 1, 2 … are no copies
		key := m.MsgID + "\x00" + text
		dup = s.ids[key]
		s.ids[key] = true
		masked, _ := nlp.Mask(text)
		s.texts.Note(m.MsgID, masked)
	}
	if m.Sender != "" && !m.Time.IsZero() {
		key := m.Sender + "\x00" + strconv.FormatInt(m.Time.Unix(), 10) + "\x00" + text
		dup = dup || s.sent[key]
		s.sent[key] = true
	}
	return dup
}
