package explog

import (
	"context"
	"time"

	"github.com/zhiyi-ai/zhiyi/experiment"
	"github.com/zhiyi-ai/zhiyi/store"
)

// Log is the part of the decision log (store.DB) Results reads.
type Log interface {
	Decisions(ctx context.Context, q store.Query, fn func(*store.Decision) error) error
	Feedback(ctx context.Context, q store.FeedbackQuery, fn func(*store.FeedbackRecord) error) error
	Hash(id string) string
}

// Results tallies the variants' outcomes in the decision log since a time (zero: all of
// it): decisions (variant, sender hash, repeat) and their feedback (each message's latest
// rating and resolved value), without the excluded senders — ids as the experiments file
// lists them (experiment.Set.ExcludedSenders), hashed with the log's key before they are
// compared. zhiyi ab and the console's 实验 page read results through it.
func Results(ctx context.Context, log Log, since time.Time, exclude []string) (experiment.Results, error) {
	tl, err := Outcomes(ctx, log, since, exclude)
	if err != nil {
		return nil, err
	}
	return tl.Results(), nil
}

// Outcomes reads what Results reads, keeping each decision's time and route: a Tally to
// Select from by window and route, as zhiyi serve's gray-release refresh gives it to
// experiment.Live.SetOutcomes (each gray answer judged since its own start, against the
// control's suggested answers).
func Outcomes(ctx context.Context, log Log, since time.Time, exclude []string) (*experiment.Tally, error) {
	return OutcomesIn(ctx, log, since, time.Time{}, exclude)
}

// OutcomesIn is Outcomes of the decisions made in [since, until) (zero until: no end), with
// their feedback whenever it came, as zhiyi report counts a period: zhiyi ab --until reads a
// closed week through it, so that last week's variants can be set beside this week's.
func OutcomesIn(ctx context.Context, log Log, since, until time.Time, exclude []string) (*experiment.Tally, error) {
	ex := map[string]bool{}
	for _, id := range exclude {
		ex[log.Hash(id)] = true
	}
	tl := &experiment.Tally{Exclude: func(h string) bool { return ex[h] }}
	// Only the decisions served a variant, and their feedback: the Tally counts nothing else,
	// yet kept an entry for every other message's feedback, and zhiyi serve reads this window
	// every 5 minutes for as long as a gray answer is judged on its ratings — since its gray
	// start, up to the whole retained log (200k decisions, 5 % with a variant, and 50k
	// feedback: 2.0 s and 9 MB held before, 0.8 s and 2 MB with the filter).
	if err := log.Decisions(ctx, store.Query{Since: since, Until: until, Varied: true}, func(d *store.Decision) error {
		tl.Record(experiment.Decided{MsgID: d.MsgID, Variant: d.Variant, Sender: d.SenderHash, Route: d.Route, Time: d.Time, Repeat: d.Repeat})
		return nil
	}); err != nil {
		return nil, err
	}
	// The feedback of the period as the report reads it: on its decisions, whenever given.
	fq := store.FeedbackQuery{Since: since, Until: until, ByDecision: true, Varied: true}
	err := log.Feedback(ctx, fq, func(f *store.FeedbackRecord) error {
		tl.Feedback(f.MsgID, f.Time, f.Rating, f.Resolved)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return tl, nil
}
