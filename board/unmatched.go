package board

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/nlp"
	"github.com/zhiyi-ai/zhiyi/store"
	"github.com/zhiyi-ai/zhiyi/train"
)

// Decisions is what Unmatched reads from the decision log; *store.DB implements it.
type Decisions interface {
	Decisions(ctx context.Context, q store.Query, fn func(*store.Decision) error) error
}

// DefaultMaxUnmatched bounds the messages one Unmatched call clusters (the newest are kept),
// so GET /admin/unmatched answers in seconds: clustering grows faster than the messages
// (BenchmarkUnmatched, sample shop, messages worded apart: 5 000 in 0.8 s, 10 000 in 2.2 s,
// 20 000 in 11 s on this 2-core machine, busy), and a sheet of 10 000 is more than a day's
// labelling.
const DefaultMaxUnmatched = 10000

// UnmatchedQuery chooses the unmatched messages to cluster. The zero value (but for Since)
// means the defaults.
type UnmatchedQuery struct {
	Since, Until time.Time // Since ≤ time < Until; zero Until = unbounded
	// LowConfidence is the confidence below which an answered message counts as unmatched
	// (store.DefaultLowConfidence when zero).
	LowConfidence float64
	// Max bounds the messages clustered, newest kept (DefaultMaxUnmatched when zero).
	Max int
	// Cluster tunes train.Cluster (zero: its defaults).
	Cluster train.ClusterConfig
	// Skip holds msg_ids to leave out (the console's: those already labelled); they count
	// toward neither Max nor the result.
	Skip map[string]bool
}

// UnmatchedResult is the cluster sheet of a period's unmatched messages and what went into it.
type UnmatchedResult struct {
	// Lines are the sheet: train.SheetLine, largest cluster first, members the messages' msg_ids.
	// Never nil, so its JSON is [] when nothing was unmatched.
	Lines []train.SheetLine `json:"lines"`
	// Messages counts the messages clustered; Reasons splits them by why they count as
	// unmatched: "none" (out of scope), "handoff", "low_confidence" (store.Decision.Unmatched).
	Messages int            `json:"messages"`
	Reasons  map[string]int `json:"reasons"`
	// Truncated is true when the period held more than Max unmatched messages, or may have:
	// the query's limit (twice Max, besides the skipped) was reached first, most of what it
	// read only giving personal data (Messages < Max then). The oldest were left out.
	Truncated bool `json:"truncated"`
	// DataOnly counts the unmatched messages left off the sheet for only giving personal data
	// (订单号<ORDER>, 手机号 <PHONE>): training leaves such a message out whatever its label (its
	// need is its conversation's), so labelling one would teach nothing.
	DataOnly int `json:"data_only"`
	// Texts is each clustered message's masked text by msg_id, for a caller that stores
	// labels of the members (the sheet's JSON does not carry it).
	Texts map[string]string `json:"-"`
}

// Unmatched reads the period's unmatched decisions — out of scope, handed off, or below the
// low-confidence threshold — but those that only give personal data, and clusters their masked texts with train.Cluster using eng (the
// bundle serving now, whose intents the sheet suggests), for an operator to label by cluster.
// The sheet's members are the decisions' msg_ids: zhiyi learn --labels reads their text back
// from the log, and zhiyi train --labels labels the same messages in a later export.
// zhiyi unmatched, GET /admin/unmatched and the console's 未识别 page call it.
func Unmatched(ctx context.Context, src Decisions, eng *intent.Engine, q UnmatchedQuery) (*UnmatchedResult, error) {
	if eng == nil {
		return nil, fmt.Errorf("board: unmatched: no engine to cluster with")
	}
	limit := q.Max
	if limit <= 0 {
		limit = DefaultMaxUnmatched
	}
	low := q.LowConfidence
	if low <= 0 {
		low = store.DefaultLowConfidence
	}
	res := &UnmatchedResult{Lines: []train.SheetLine{}, Reasons: map[string]int{}, Texts: map[string]string{}}
	var msgs []train.ClusterMessage
	// Newest first, until one past the bound (errEnough). Skipped messages and those only giving
	// data are known only once read, so the query reads up to twice the bound besides the
	// skipped (a limit keeps PostgreSQL on the index of times instead of sorting the period);
	// when that many rows were not enough, more may lie beyond them: Truncated.
	queryLimit, read := 2*(limit+1)+len(q.Skip), 0
	err := src.Decisions(ctx, store.Query{Since: q.Since, Until: q.Until, Unmatched: true, LowConfidence: low,
		Newest: true, Limit: queryLimit}, func(d *store.Decision) error {
		if read++; read == queryLimit {
			res.Truncated = true
		}
		if q.Skip[d.MsgID] {
			return nil
		}
		// The store masks text on write; masking again costs a few microseconds and keeps a
		// log written by anything else from putting personal data on a sheet or a page.
		text, _ := nlp.Mask(nlp.Normalize(d.Text))
		if eng.Analyzer().TextOnlyGivesData(text) {
			res.DataOnly++
			return nil
		}
		if len(msgs) == limit {
			res.Truncated = true
			return errEnough
		}
		// The conversation's active intent as the log keeps it, after the decision: a message out
		// of scope leaves it as it was, so it is what the conversation was about when the message
		// came. One the model guessed at (handed off, or below the low-confidence threshold but
		// above the suggest one) may have made its own guess the topic (intent.Policy.NextActive):
		// when the active intent is the message's intent, the topic before it is unknown. (In the
		// sample shop's chats replayed by zhiyi cluster, 496 of 1,601 unplaced messages would have.)
		topic := d.ActiveIntent
		if topic == d.Intent {
			topic = ""
		}
		msgs = append(msgs, train.ClusterMessage{ID: d.MsgID, Text: text, Context: topic})
		res.Texts[d.MsgID] = text
		res.Reasons[d.Unmatched(low)]++
		return nil
	})
	if err != nil && !errors.Is(err, errEnough) {
		return nil, err
	}
	res.Messages = len(msgs)
	if len(msgs) == 0 {
		return res, nil
	}
	lines, err := train.Cluster(ctx, eng, msgs, q.Cluster)
	if err != nil {
		return nil, err
	}
	if lines != nil {
		res.Lines = lines
	}
	return res, nil
}

// errEnough stops reading the decision log once Unmatched has more than its bound.
var errEnough = errors.New("board: enough unmatched messages")

// WriteSheet writes sheet lines as zhiyi cluster does: one JSON object a line, HTML characters
// as they are (an operator edits the file by hand).
func WriteSheet(w io.Writer, lines []train.SheetLine) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	for _, l := range lines {
		if err := enc.Encode(l); err != nil {
			return err
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}
