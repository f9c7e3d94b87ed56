package experiment

import (
	"reflect"
	"testing"
	"time"
)

func TestResultsAdd(t *testing.T) {
	r := Results{}
	r.Add("a", Outcome{Rating: 5, Resolved: ResolvedYes})
	r.Add("a", Outcome{Rating: 3, Resolved: ResolvedNo, Repeat: true})
	r.Add("a", Outcome{Rating: 9}) // out of range: no rating
	r.Add("b", Outcome{})
	want := Counts{Served: 3, Rated: 2, RatingSum: 8, RatingSumSq: 34, ResolvedKnown: 2, Resolved: 1, Repeats: 1}
	if !reflect.DeepEqual(r["a"], want) || !reflect.DeepEqual(r["b"], Counts{Served: 1}) {
		t.Errorf("results %+v, want a = %+v", r, want)
	}
}

// TestTally: the latest rating and resolved value of each message count; feedback may come
// before its decision; decisions without a variant and excluded senders never count.
func TestTally(t *testing.T) {
	yes, no := true, false
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	tl := Tally{Exclude: func(s string) bool { return s == "boss" }}
	tl.Feedback("m2", t0.Add(time.Minute), 2, nil) // before its decision
	tl.Decision("m1", "x.a", "s1", false)
	tl.Decision("m2", "x.b", "s2", true)
	tl.Decision("m3", "", "s3", false)      // no variant: not counted
	tl.Decision("m4", "x.a", "boss", false) // excluded
	tl.Decision("", "x.a", "s5", false)     // no msg id
	tl.Feedback("m1", t0.Add(2*time.Minute), 5, &no)
	tl.Feedback("m1", t0.Add(time.Minute), 1, &yes) // older: loses to the one above
	tl.Feedback("m1", t0.Add(3*time.Minute), 0, &yes)
	tl.Feedback("m2", t0.Add(5*time.Minute), 4, nil)
	tl.Feedback("m3", t0, 5, nil)
	tl.Feedback("m4", t0, 1, nil)
	tl.Feedback("m9", t0, 1, nil) // no decision
	got := tl.Results()
	want := Results{
		"x.a": {Served: 1, Rated: 1, RatingSum: 5, RatingSumSq: 25, ResolvedKnown: 1, Resolved: 1},
		"x.b": {Served: 1, Rated: 1, RatingSum: 4, RatingSumSq: 16, Repeats: 1},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Results = %+v\nwant %+v", got, want)
	}
}

// TestTallySelect: Select keeps the decisions since a time and of a route, and counts each
// sender once, on the China day of their first decision with a variant.
func TestTallySelect(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC) // 23:00 China time
	var tl Tally
	tl.Record(Decided{MsgID: "m1", Variant: "x.a", Sender: "s1", Route: "auto", Time: t0})
	tl.Record(Decided{MsgID: "m2", Variant: "x.a", Sender: "s1", Route: RouteSuggest, Time: t0.Add(2 * time.Hour)})
	tl.Record(Decided{MsgID: "m3", Variant: "x.b", Sender: "s2", Route: RouteSuggest, Time: t0.Add(2 * time.Hour)})
	tl.Feedback("m2", t0.Add(3*time.Hour), 4, nil)
	tl.Feedback("m3", t0.Add(3*time.Hour), 2, nil)
	all := tl.Results()
	if a := all["x.a"]; a.Served != 2 || !reflect.DeepEqual(a.NewSenders, &DayCounts{"2026-12-01": 1}) {
		t.Errorf("all: x.a %+v, want served 2 and s1 new on 2026-12-01 (China)", a)
	}
	if b := all["x.b"]; !reflect.DeepEqual(b.NewSenders, &DayCounts{"2026-12-02": 1}) {
		t.Errorf("all: x.b %+v, want s2 new on 2026-12-02", b)
	}
	sug := tl.Select(Filter{Since: t0.Add(time.Hour), Route: RouteSuggest})
	if a := sug["x.a"]; a.Served != 1 || a.Rated != 1 || a.RatingSum != 4 || a.NewSenders == nil || (*a.NewSenders)["2026-12-02"] != 1 {
		t.Errorf("suggested since 00:00: x.a %+v, want m2 only, s1 new on 2026-12-02 within the window", a)
	}
	if auto := tl.Select(Filter{Route: "auto"}); auto["x.b"].Served != 0 || auto["x.a"].Served != 1 {
		t.Errorf("auto: %+v", auto)
	}
}
