package explog_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/experiment"
	"github.com/zhiyi-ai/zhiyi/experiment/explog"
	"github.com/zhiyi-ai/zhiyi/store"
)

// Results reads a real SQLite decision log: variants served, each message's latest rating
// and resolved value, repeats, excluded senders left out, decisions before since left out.
func TestResults(t *testing.T) {
	ctx := context.Background()
	db := openLog(t)
	t0 := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	d := func(id, variant, sender string, at time.Time, repeat bool) store.Decision {
		return store.Decision{MsgID: id, Time: at, SenderHash: db.Hash(sender), Text: "快递到哪了", Intent: "track_parcel",
			Confidence: 0.9, Route: store.RouteAuto, AnswerID: variant, Variant: variant, Repeat: repeat}
	}
	if _, err := db.AppendDecisions(ctx, []store.Decision{
		d("old", "track_parcel.a", "wmA", t0.Add(-48*time.Hour), false),
		d("m1", "track_parcel.a", "wmA", t0, false),
		d("m2", "track_parcel.b", "wmB", t0.Add(time.Minute), true),
		d("m3", "track_parcel.b", "wmBoss", t0.Add(2*time.Minute), false),
		{MsgID: "m4", Time: t0, Text: "在吗", Intent: "none", Route: store.RouteHandoff}, // no variant
	}); err != nil {
		t.Fatal(err)
	}
	yes, no := true, false
	for _, f := range []store.Feedback{
		{MsgID: "m1", Rating: 2, Time: t0.Add(time.Hour)},
		{MsgID: "m1", Rating: 5, Resolved: &no, Time: t0.Add(2 * time.Hour)},
		{MsgID: "m1", Resolved: &yes, Time: t0.Add(3 * time.Hour)},
		{MsgID: "m2", Rating: 3, Time: t0.Add(time.Hour)},
		{MsgID: "m3", Rating: 1, Time: t0.Add(time.Hour)},
	} {
		if err := db.AddFeedback(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	res, err := explog.Results(ctx, db, t0.Add(-time.Hour), []string{"wmBoss"})
	if err != nil {
		t.Fatal(err)
	}
	a, b := res["track_parcel.a"], res["track_parcel.b"]
	if a.Served != 1 || a.Rated != 1 || a.RatingSum != 5 || a.ResolvedKnown != 1 || a.Resolved != 1 || a.Repeats != 0 {
		t.Errorf("variant a: %+v, want served 1, the latest rating 5, resolved yes", a)
	}
	if b.Served != 1 || b.Rated != 1 || b.RatingSum != 3 || b.Repeats != 1 {
		t.Errorf("variant b: %+v, want served 1 (the excluded sender left out), rating 3, one repeat", b)
	}
	if len(res) != 2 {
		t.Errorf("results for %d variants, want 2: %v", len(res), res)
	}
}

// The experiment package's suggest route is the store's: a gray answer's decisions are
// selected by it.
func TestRouteSuggestIsTheStores(t *testing.T) {
	if experiment.RouteSuggest != store.RouteSuggest {
		t.Errorf("experiment.RouteSuggest %q, store.RouteSuggest %q", experiment.RouteSuggest, store.RouteSuggest)
	}
}

// Outcomes keep each decision's route and time, so that a window and a route can be selected.
func TestOutcomesByRoute(t *testing.T) {
	ctx := context.Background()
	db := openLog(t)
	t0 := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	d := func(id, route string, at time.Time) store.Decision {
		return store.Decision{MsgID: id, Time: at, SenderHash: db.Hash("wm" + id), Text: "快递到哪了", Intent: "track_parcel",
			Confidence: 0.9, Route: route, AnswerID: "track_parcel.a", Variant: "track_parcel.a"}
	}
	if _, err := db.AppendDecisions(ctx, []store.Decision{
		d("m1", store.RouteAuto, t0), d("m2", store.RouteSuggest, t0.Add(time.Hour)), d("m3", store.RouteSuggest, t0.Add(-time.Hour)),
	}); err != nil {
		t.Fatal(err)
	}
	tl, err := explog.Outcomes(ctx, db, t0.Add(-2*time.Hour), nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := tl.Select(experiment.Filter{Route: experiment.RouteSuggest})["track_parcel.a"].Served; n != 2 {
		t.Errorf("suggested: %d, want 2", n)
	}
	if n := tl.Select(experiment.Filter{Since: t0, Route: experiment.RouteSuggest})["track_parcel.a"].Served; n != 1 {
		t.Errorf("suggested since t0: %d, want 1", n)
	}
}

// Outcomes reads only the decisions served a variant and their feedback: zhiyi serve reads its
// window every 5 minutes while a gray answer is judged, up to the whole retained log, and the
// Tally kept an entry for every other message's feedback, counted nowhere.
func TestOutcomesReadOnlyVariants(t *testing.T) {
	ctx := context.Background()
	db := openLog(t)
	t0 := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	var ds []store.Decision
	for i := range 100 {
		d := store.Decision{MsgID: fmt.Sprintf("m%03d", i), Time: t0.Add(time.Duration(i) * time.Minute), Text: "快递到哪了",
			Intent: "track_parcel", Confidence: 0.9, Route: store.RouteAuto, AnswerID: "track_parcel.a"}
		if i%10 == 0 {
			d.Variant = "track_parcel.a"
		}
		ds = append(ds, d)
	}
	if _, err := db.AppendDecisions(ctx, ds); err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if err := db.AddFeedback(ctx, store.Feedback{MsgID: d.MsgID, Rating: 4, Time: d.Time.Add(time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	log := &countingLog{DB: db}
	tl, err := explog.Outcomes(ctx, log, t0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if log.decisions != 10 || log.feedback != 10 {
		t.Errorf("Outcomes read %d decisions and %d feedback, want the 10 served a variant and their 10 feedback",
			log.decisions, log.feedback)
	}
	if c := tl.Results()["track_parcel.a"]; c.Served != 10 || c.Rated != 10 {
		t.Errorf("variant: %+v, want 10 served, 10 rated", c)
	}
}

// countingLog is the real decision log, counting the rows it hands to Outcomes.
type countingLog struct {
	*store.DB
	decisions, feedback int
}

func (l *countingLog) Decisions(ctx context.Context, q store.Query, fn func(*store.Decision) error) error {
	return l.DB.Decisions(ctx, q, func(d *store.Decision) error { l.decisions++; return fn(d) })
}

func (l *countingLog) Feedback(ctx context.Context, q store.FeedbackQuery, fn func(*store.FeedbackRecord) error) error {
	return l.DB.Feedback(ctx, q, func(f *store.FeedbackRecord) error { l.feedback++; return fn(f) })
}

// openLog opens a decision log in a fresh SQLite file, closed when the test ends.
func openLog(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), store.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
