package board_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/board"
	"github.com/zhiyi-ai/zhiyi/experiment/explog"
	"github.com/zhiyi-ai/zhiyi/store"
)

// A period's feedback is the feedback on the decisions made in it, whenever it was given. The
// report counted it so; the export, the A/B results and the bad ratings' words read the
// feedback given since the period's start, and dropped a rating a replica with its clock behind
// stamped before its decision (inside the period): an analyst setting the three side by side
// got three numbers. One log, one count.
func TestPeriodFeedbackAgrees(t *testing.T) {
	ctx := testCtx(t)
	db, err := store.Open(ctx, store.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	since, until := T0, T0.Add(24*time.Hour)
	d := func(id string, at time.Time, variant string) store.Decision {
		return store.Decision{MsgID: id, Time: at, Intent: "invoice", Route: store.RouteAuto, Confidence: 0.9,
			AnswerID: "invoice.a", Variant: variant, SenderHash: db.Hash("wx-" + id)}
	}
	if _, err := db.AppendDecisions(ctx, []store.Decision{
		d("skewed", since.Add(time.Minute), "a"),  // rated by a replica whose clock is behind
		d("inside", since.Add(2*time.Hour), "b"),  // rated inside the period
		d("late", until.Add(-time.Hour), "a"),     // rated after the period ended
		d("before", since.Add(-time.Hour), "a"),   // made before the period, rated inside it
		d("after", until.Add(time.Minute), "b"),   // made after the period
		d("unrated", since.Add(3*time.Hour), "b"), // no feedback
	}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []store.Feedback{
		{MsgID: "skewed", Rating: 1, Comment: "答非所问", Time: since.Add(-time.Minute)},
		{MsgID: "inside", Rating: 5, Time: since.Add(3 * time.Hour)},
		{MsgID: "late", Rating: 2, Comment: "回复慢", Time: until.Add(time.Hour)},
		{MsgID: "before", Rating: 1, Comment: "没人理", Time: since.Add(10 * time.Minute)},
		{MsgID: "after", Rating: 1, Time: until.Add(2 * time.Minute)},
	} {
		if err := db.AddFeedback(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	const rated, bad = 3, 2 // skewed, inside, late; skewed and late ≤ 2

	// zhiyi report and the console's 看板
	b, err := board.Build(ctx, db, board.Query{Since: since, Until: until})
	if err != nil {
		t.Fatal(err)
	}
	if err := board.BadComments(ctx, db, b); err != nil {
		t.Fatal(err)
	}
	if b.Ratings != rated || b.BadRatings != bad || b.BadCommented != bad {
		t.Errorf("report: %d ratings, %d bad, %d bad with words; want %d, %d, %d", b.Ratings, b.BadRatings, b.BadCommented, rated, bad, bad)
	}

	// zhiyi export
	var out bytes.Buffer
	if _, err := board.WriteRows(ctx, db, board.RowsQuery{Since: since, Until: until, Format: board.RowsJSON}, &out); err != nil {
		t.Fatal(err)
	}
	var exported, exportedBad int
	for dec := json.NewDecoder(&out); dec.More(); {
		var r board.Row
		if err := dec.Decode(&r); err != nil {
			t.Fatal(err)
		}
		if r.Rating > 0 {
			exported++
		}
		if r.Rating > 0 && r.Rating <= 2 {
			exportedBad++
		}
	}
	if exported != rated || exportedBad != bad {
		t.Errorf("export: %d rows rated, %d badly; want %d, %d", exported, exportedBad, rated, bad)
	}

	// zhiyi ab (and the console's 实验, serve's gray releases)
	tl, err := explog.OutcomesIn(ctx, db, since, until, nil)
	if err != nil {
		t.Fatal(err)
	}
	var abRated int64
	var abSum float64
	for _, c := range tl.Results() {
		abRated += c.Rated
		abSum += c.RatingSum
	}
	if abRated != rated || abSum != 1+5+2 {
		t.Errorf("ab: %d rated, ratings summing to %v; want %d, 8", abRated, abSum, rated)
	}
}
