package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/store"
)

// Opener opens a fresh, empty store for one test case; the suite closes it.
type Opener func(t *testing.T) store.Store

// Run runs every case against stores from open.
func Run(t *testing.T, open Opener) {
	cases := []struct {
		name string
		fn   func(*testing.T, store.Store)
	}{
		{"AppendRoundTrip", testAppendRoundTrip},
		{"AppendIdempotent", testAppendIdempotent},
		{"Query", testQuery},
		{"Unmatched", testUnmatched},
		{"RuleDecided", testRuleDecided},
		{"Feedback", testFeedback},
		{"Corrections", testCorrections},
		{"Summary", testSummary},
		{"SummarySeries", testSummarySeries},
		{"Labels", testLabels},
		{"LabelsUnlessTaken", testLabelsUnlessTaken},
		{"DeleteBefore", testDeleteBefore},
		{"Forget", testForget},
		{"ForgetSpacedIDs", testForgetSpacedIDs},
		{"Masking", testMasking},
		{"Hash", testHash},
		{"Closed", testClosed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := open(t)
			defer s.Close()
			c.fn(t, s)
		})
	}
}

// T0 is the suite's epoch: a whole hour, so hourly buckets start on it.
var T0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func at(minutes float64) time.Time {
	return T0.Add(time.Duration(minutes * float64(time.Minute)))
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}

func appendAll(t *testing.T, s store.Store, ds ...store.Decision) int {
	t.Helper()
	n, err := s.AppendDecisions(ctx(t), ds)
	if err != nil {
		t.Fatalf("AppendDecisions: %v", err)
	}
	return n
}

func list(t *testing.T, s store.Store, q store.Query) []store.Decision {
	t.Helper()
	var out []store.Decision
	if err := s.Decisions(ctx(t), q, func(d *store.Decision) error {
		out = append(out, *d)
		return nil
	}); err != nil {
		t.Fatalf("Decisions(%+v): %v", q, err)
	}
	return out
}

func ids(ds []store.Decision) string {
	var b []string
	for _, d := range ds {
		b = append(b, d.MsgID)
	}
	return strings.Join(b, ",")
}

func full(s store.Store) store.Decision {
	return store.Decision{
		MsgID: "m-full", Time: T0.Add(1234567 * time.Microsecond), Channel: "wecom",
		SenderHash: s.Hash("wmSender"), ChatHash: s.Hash("chat-1"), Text: "东西不要了怎么寄回去",
		Intent: "return_goods", Confidence: 0.875, Route: store.RouteSuggest, Reason: "not confident enough",
		AnswerID: "return_goods.a", Rule: "promo-night", Variant: "b", Sentiment: "负面", Turn: 3,
		ActiveIntent: "refund_progress", Repeat: true, Escalation: "repeat", Model: "shop@1", LatencyMicros: 85,
	}
}

func testAppendRoundTrip(t *testing.T, s store.Store) {
	want := full(s)
	if n := appendAll(t, s, want); n != 1 {
		t.Fatalf("AppendDecisions = %d new, want 1", n)
	}
	got, err := s.Decision(ctx(t), "m-full")
	if err != nil {
		t.Fatal(err)
	}
	if !got.Time.Equal(want.Time) {
		t.Errorf("Time = %v, want %v", got.Time, want.Time)
	}
	got.Time = want.Time
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
	}
	if _, err := s.Decision(ctx(t), "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Decision(unknown) = %v, want ErrNotFound", err)
	}
	// Defaults: an empty msg_id gets an id, a zero time the current time.
	before := time.Now().Add(-time.Second)
	appendAll(t, s, store.Decision{Text: "在吗", Intent: "greeting", Route: store.RouteAuto})
	ds := list(t, s, store.Query{Intent: "greeting"})
	if len(ds) != 1 || len(ds[0].MsgID) != 32 || ds[0].Time.Before(before) {
		t.Errorf("defaults: %+v", ds)
	}
}

func testAppendIdempotent(t *testing.T, s store.Store) {
	mk := func(id string, min float64) store.Decision {
		return store.Decision{MsgID: id, Time: at(min), Text: "text " + id, Intent: "invoice", Route: store.RouteAuto, Confidence: 0.9}
	}
	if n := appendAll(t, s, mk("a", 1), mk("b", 2), mk("c", 3)); n != 3 {
		t.Fatalf("first batch: %d new, want 3", n)
	}
	// A replay of the same batch, a duplicate inside one batch, and one new decision.
	changed := mk("a", 1)
	changed.Text = "changed"
	if n := appendAll(t, s, changed, mk("b", 2), mk("d", 4), mk("d", 4), mk("c", 3)); n != 1 {
		t.Fatalf("replay: %d new, want 1", n)
	}
	ds := list(t, s, store.Query{})
	if got := ids(ds); got != "a,b,c,d" {
		t.Fatalf("decisions = %s, want a,b,c,d", got)
	}
	if ds[0].Text != "text a" {
		t.Errorf("a replay replaced the stored decision: %q", ds[0].Text)
	}
	if n := appendAll(t, s); n != 0 {
		t.Errorf("empty batch: %d", n)
	}
	// A large batch (more than one statement's worth for multi-row inserts).
	var big []store.Decision
	for i := range 2500 {
		big = append(big, mk(fmt.Sprintf("big-%04d", i), 10+float64(i)/100))
	}
	if n := appendAll(t, s, big...); n != 2500 {
		t.Fatalf("big batch: %d new, want 2500", n)
	}
	if n := appendAll(t, s, big...); n != 0 {
		t.Fatalf("big batch again: %d new, want 0", n)
	}
	if got := len(list(t, s, store.Query{})); got != 2504 {
		t.Fatalf("%d decisions, want 2504", got)
	}
}

// sample is a small period: ten decisions over three hours with every kind of outcome.
func sample(s store.Store) []store.Decision {
	d := func(id string, min float64, ch, intent, route string, conf float64, answer, variant string, lat int64) store.Decision {
		return store.Decision{MsgID: id, Time: at(min), Channel: ch, SenderHash: s.Hash("wm" + id), Text: "消息 " + id,
			Intent: intent, Confidence: conf, Route: route, AnswerID: answer, Variant: variant, LatencyMicros: lat, Model: "m1"}
	}
	ds := []store.Decision{
		d("m01", 0, "wecom", "invoice", store.RouteAuto, 0.97, "invoice.a", "", 100),
		d("m02", 5, "wecom", "invoice", store.RouteAuto, 0.95, "invoice.a", "", 200),
		d("m03", 10, "kf", "return_goods", store.RouteSuggest, 0.7, "return.a", "a", 300),
		d("m04", 20, "kf", "return_goods", store.RouteSuggest, 0.45, "return.a", "b", 400),
		d("m05", 30, "wecom", store.NoneIntent, store.RouteHandoff, 0.3, "", "", 500),
		d("m06", 70, "mp", "human_agent", store.RouteHandoff, 0.99, "", "", 600),
		d("m07", 80, "mp", store.NoneIntent, store.RouteHandoff, 0.2, "", "", 700),
		d("m08", 150, "wecom", "invoice", store.RouteAuto, 0.92, "invoice.a", "", 800),
		d("m09", 160, "wecom", "shipping", store.RouteAuto, 0.88, "shipping.a", "", 900),
		d("m10", 170, "kf", "shipping", store.RouteSuggest, 0.6, "shipping.a", "", 10000),
	}
	ds[8].Repeat = true
	ds[9].Repeat = true
	ds[9].Escalation = "repeat"
	ds[2].ChatHash = s.Hash("chat-x")
	ds[3].ChatHash = s.Hash("chat-x")
	return ds
}

func testQuery(t *testing.T, s store.Store) {
	appendAll(t, s, sample(s)...)
	cases := []struct {
		name string
		q    store.Query
		want string
	}{
		{"all", store.Query{}, "m01,m02,m03,m04,m05,m06,m07,m08,m09,m10"},
		{"since until", store.Query{Since: at(10), Until: at(80)}, "m03,m04,m05,m06"},
		{"channel", store.Query{Channel: "kf"}, "m03,m04,m10"},
		{"intent", store.Query{Intent: "invoice"}, "m01,m02,m08"},
		{"route", store.Query{Route: store.RouteHandoff}, "m05,m06,m07"},
		{"answer", store.Query{AnswerID: "return.a"}, "m03,m04"},
		{"variant", store.Query{AnswerID: "return.a", Variant: "b"}, "m04"},
		{"varied", store.Query{Varied: true}, "m03,m04"},
		{"chat", store.Query{ChatHash: s.Hash("chat-x")}, "m03,m04"},
		{"model", store.Query{Model: "m1", Limit: 2}, "m01,m02"},
		{"newest", store.Query{Newest: true, Limit: 3}, "m10,m09,m08"},
		{"msg id", store.Query{MsgID: "m07"}, "m07"},
		{"nothing", store.Query{Channel: "nope"}, ""},
	}
	for _, c := range cases {
		if got := ids(list(t, s, c.q)); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
	stop := errors.New("stop")
	n := 0
	err := s.Decisions(ctx(t), store.Query{}, func(*store.Decision) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("callback error: %v after %d", err, n)
	}
}

func testUnmatched(t *testing.T, s store.Store) {
	appendAll(t, s, sample(s)...)
	if got, want := ids(list(t, s, store.Query{Unmatched: true})), "m04,m05,m06,m07"; got != want {
		t.Errorf("unmatched = %s, want %s", got, want)
	}
	if got, want := ids(list(t, s, store.Query{Unmatched: true, LowConfidence: 0.75})), "m03,m04,m05,m06,m07,m10"; got != want {
		t.Errorf("unmatched below 0.75 = %s, want %s", got, want)
	}
	if got, want := ids(list(t, s, store.Query{Unmatched: true, Since: at(60), Until: at(200)})), "m06,m07"; got != want {
		t.Errorf("unmatched in a period = %s, want %s", got, want)
	}
	for _, d := range list(t, s, store.Query{}) {
		in := strings.Contains("m04,m05,m06,m07", d.MsgID)
		if (d.Unmatched(store.DefaultLowConfidence) != "") != in {
			t.Errorf("%s: Unmatched = %q, query says %v", d.MsgID, d.Unmatched(store.DefaultLowConfidence), in)
		}
	}
}

// testRuleDecided: a message an operator's rule decided is understood — not unrecognised, not
// unmatched — unless the rule handed it off.
func testRuleDecided(t *testing.T, s store.Store) {
	d := func(id, intent, route, rule string, conf float64) store.Decision {
		return store.Decision{MsgID: id, Time: at(1), Channel: "wecom", Text: "消息 " + id, Intent: intent,
			Confidence: conf, Route: route, Rule: rule, Model: "m1"}
	}
	appendAll(t, s,
		d("r1", store.NoneIntent, store.RouteAuto, "hotline", 0.1),   // a rule answered what the kb lacks
		d("r2", "invoice", store.RouteAuto, "invoice_kw", 0.2),       // a rule chose the intent
		d("r3", store.NoneIntent, store.RouteHandoff, "urgent", 0.1), // a rule handed it off
		d("r4", store.NoneIntent, store.RouteHandoff, "", 0.1),       // not understood
		d("r5", "invoice", store.RouteSuggest, "", 0.2),              // unsure
		d("r6", "invoice", store.RouteAuto, "", 0.95),                // understood
	)
	// kb.yaml hands the intent to a person: understood when sure of it, unmatched when not
	person := func(id string, conf float64) store.Decision {
		x := d(id, "complaint", store.RouteHandoff, "", conf)
		x.Reason = store.ReasonPersonHandles
		return x
	}
	appendAll(t, s, person("r7", 0.99), person("r8", 0.2))
	if got, want := ids(list(t, s, store.Query{Unmatched: true})), "r3,r4,r5,r8"; got != want {
		t.Errorf("unmatched = %s, want %s", got, want)
	}
	for _, d := range list(t, s, store.Query{}) {
		in := strings.Contains("r3,r4,r5,r8", d.MsgID)
		if (d.Unmatched(store.DefaultLowConfidence) != "") != in {
			t.Errorf("%s: Unmatched = %q, query says %v", d.MsgID, d.Unmatched(store.DefaultLowConfidence), in)
		}
		if d.Unrecognised() != (d.MsgID == "r4") {
			t.Errorf("%s: Unrecognised = %v", d.MsgID, d.Unrecognised())
		}
	}
	sum := summary(t, s, store.SummaryQuery{})
	if sum.Unrecognised != 1 || sum.Unmatched != 4 {
		t.Errorf("summary: %d unrecognised, %d unmatched; want 1 and 4", sum.Unrecognised, sum.Unmatched)
	}
}

func boolp(b bool) *bool { return &b }

func feedbacks(t *testing.T, s store.Store, q store.FeedbackQuery) []store.FeedbackRecord {
	t.Helper()
	var out []store.FeedbackRecord
	if err := s.Feedback(ctx(t), q, func(r *store.FeedbackRecord) error {
		out = append(out, *r)
		return nil
	}); err != nil {
		t.Fatalf("Feedback(%+v): %v", q, err)
	}
	return out
}

func testFeedback(t *testing.T, s store.Store) {
	appendAll(t, s, sample(s)...)
	bad := []struct {
		f    store.Feedback
		want error
	}{
		{store.Feedback{MsgID: "unknown", Rating: 5}, store.ErrNotFound},
		{store.Feedback{Rating: 5}, store.ErrInvalid},
		{store.Feedback{MsgID: "m01", Rating: 6}, store.ErrInvalid},
		{store.Feedback{MsgID: "m01", Rating: -1}, store.ErrInvalid},
	}
	for _, c := range bad {
		if err := s.AddFeedback(ctx(t), c.f); !errors.Is(err, c.want) {
			t.Errorf("AddFeedback(%+v) = %v, want %v", c.f, err, c.want)
		}
	}
	f := store.Feedback{ID: "fb-1", MsgID: "m03", Rating: 2, Resolved: boolp(false), Comment: "回复慢，等太久",
		AgentID: "agent-7", Time: at(12)}
	for range 2 { // the second is a replay: same ID, ignored
		if err := s.AddFeedback(ctx(t), f); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AddFeedback(ctx(t), store.Feedback{MsgID: "m01", Rating: 5, Time: at(3)}); err != nil {
		t.Fatal(err)
	}
	rs := feedbacks(t, s, store.FeedbackQuery{})
	if len(rs) != 2 || rs[0].MsgID != "m01" || rs[1].ID != "fb-1" {
		t.Fatalf("feedback = %+v", rs)
	}
	if len(rs[0].ID) != 32 || rs[0].Resolved != nil || rs[0].Decision.Intent != "invoice" {
		t.Errorf("defaults or decision wrong: %+v", rs[0])
	}
	got := rs[1]
	if got.Rating != 2 || got.Resolved == nil || *got.Resolved || got.Comment != "回复慢,等太久" ||
		got.AgentID != "agent-7" || !got.Time.Equal(at(12)) || got.Decision.MsgID != "m03" || got.Decision.Variant != "a" {
		t.Errorf("feedback round trip: %+v", got)
	}
	if r := feedbacks(t, s, store.FeedbackQuery{AnswerID: "return.a"}); len(r) != 1 || r[0].ID != "fb-1" {
		t.Errorf("by answer: %+v", r)
	}
	if r := feedbacks(t, s, store.FeedbackQuery{AnswerID: "return.a", Variant: "b"}); len(r) != 0 {
		t.Errorf("by variant b: %+v", r)
	}
	if r := feedbacks(t, s, store.FeedbackQuery{Varied: true}); len(r) != 1 || r[0].ID != "fb-1" {
		t.Errorf("varied: %+v", r)
	}
	if r := feedbacks(t, s, store.FeedbackQuery{Since: at(10), Until: at(20)}); len(r) != 1 || r[0].ID != "fb-1" {
		t.Errorf("by time: %+v", r)
	}
	// by the decision's time: m03, decided at 10, rated at 12; m01's rating at 3 is on a decision at 0
	if r := feedbacks(t, s, store.FeedbackQuery{Since: at(1), Until: at(11), ByDecision: true}); len(r) != 1 || r[0].ID != "fb-1" {
		t.Errorf("by the decision's time: %+v", r)
	}
	if r := feedbacks(t, s, store.FeedbackQuery{MsgID: "m01"}); len(r) != 1 || r[0].Rating != 5 {
		t.Errorf("by msg id: %+v", r)
	}
}

func testCorrections(t *testing.T, s store.Store) {
	appendAll(t, s, sample(s)...)
	add := func(id, msg, correct string, min float64) {
		t.Helper()
		if err := s.AddFeedback(ctx(t), store.Feedback{ID: id, MsgID: msg, CorrectIntent: correct, Time: at(min)}); err != nil {
			t.Fatal(err)
		}
	}
	add("c1", "m05", "invoice", 40)      // none → invoice: a correction
	add("c2", "m01", "invoice", 41)      // the same intent: a confirmation, not a correction
	add("c3", "m04", "repair", 42)       // a correction
	add("c4", "m02", "", 43)             // no intent given
	add("c5", "m07", "return_goods", 44) // a correction
	rs := feedbacks(t, s, store.FeedbackQuery{Corrections: true})
	var got []string
	for _, r := range rs {
		if !r.Corrected() {
			t.Errorf("%s is not a correction", r.ID)
		}
		got = append(got, r.ID+":"+r.Decision.Intent+">"+r.CorrectIntent)
	}
	if want := "c1:none>invoice,c3:return_goods>repair,c5:none>return_goods"; strings.Join(got, ",") != want {
		t.Errorf("corrections = %s, want %s", strings.Join(got, ","), want)
	}
	if rs := feedbacks(t, s, store.FeedbackQuery{Corrections: true, Limit: 1}); len(rs) != 1 {
		t.Errorf("limit: %d", len(rs))
	}
	// given in March, stored now: StoredSince adds what was stored since, whenever given
	for _, c := range []struct {
		stored time.Time
		want   int
	}{{time.Time{}, 1}, {time.Now().Add(-time.Hour), 3}, {time.Now().Add(time.Hour), 1}} {
		if rs := feedbacks(t, s, store.FeedbackQuery{Corrections: true, Since: at(43), StoredSince: c.stored}); len(rs) != c.want {
			t.Errorf("given since minute 43, stored since %v: %d corrections, want %d", c.stored, len(rs), c.want)
		}
	}
}

func labels(t *testing.T, s store.Store, q store.LabelQuery) []store.Label {
	t.Helper()
	var out []store.Label
	if err := s.Labels(ctx(t), q, func(l *store.Label) error {
		out = append(out, *l)
		return nil
	}); err != nil {
		t.Fatalf("Labels: %v", err)
	}
	return out
}

func testLabels(t *testing.T, s store.Store) {
	ls := []store.Label{
		{Key: "m01", Text: "要发票", Intent: "invoice", Source: "feedback", By: "agent-7", Time: at(1)},
		{Text: "东西不要了", Intent: "return_goods", Source: "cluster", By: "ops", Time: at(2)},
		{Text: "啥时候发货", Intent: "shipping", Source: "cluster", Time: at(3)},
	}
	if err := s.AddLabels(ctx(t), ls); err != nil {
		t.Fatal(err)
	}
	if err := s.AddLabels(ctx(t), []store.Label{{Text: "x"}}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("label without intent: %v", err)
	}
	if err := s.AddLabels(ctx(t), []store.Label{{Intent: "x"}}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("label without key or text: %v", err)
	}
	got := labels(t, s, store.LabelQuery{})
	if len(got) != 3 || got[1].Key != store.LabelKey("东西不要了") || !got[0].Time.Equal(at(1)) || got[0].By != "agent-7" {
		t.Fatalf("labels = %+v", got)
	}
	// Same key: replaced.
	if err := s.AddLabels(ctx(t), []store.Label{{Text: "东西不要了", Intent: "refund", Source: "console", Time: at(4)}}); err != nil {
		t.Fatal(err)
	}
	got = labels(t, s, store.LabelQuery{})
	if len(got) != 3 || got[2].Intent != "refund" || got[2].Source != "console" {
		t.Errorf("after replacing: %+v", got)
	}
	if got := labels(t, s, store.LabelQuery{Source: "cluster"}); len(got) != 1 || got[0].Intent != "shipping" {
		t.Errorf("by source: %+v", got)
	}
	if got := labels(t, s, store.LabelQuery{Since: at(2), Until: at(4)}); len(got) != 1 || got[0].Intent != "shipping" {
		t.Errorf("by time: %+v", got)
	}
	if got := labels(t, s, store.LabelQuery{Intent: "invoice"}); len(got) != 1 || got[0].Key != "m01" {
		t.Errorf("by intent: %+v", got)
	}
}

func testDeleteBefore(t *testing.T, s store.Store) {
	appendAll(t, s, sample(s)...)
	for _, id := range []string{"m01", "m02", "m09"} {
		if err := s.AddFeedback(ctx(t), store.Feedback{MsgID: id, Rating: 3}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AddLabels(ctx(t), []store.Label{{Key: "m01", Intent: "invoice", Time: at(0)}}); err != nil {
		t.Fatal(err)
	}
	nd, nf, err := s.DeleteBefore(ctx(t), at(60))
	if err != nil || nd != 5 || nf != 2 {
		t.Fatalf("DeleteBefore = %d, %d, %v; want 5, 2", nd, nf, err)
	}
	if got := ids(list(t, s, store.Query{})); got != "m06,m07,m08,m09,m10" {
		t.Errorf("left: %s", got)
	}
	if rs := feedbacks(t, s, store.FeedbackQuery{}); len(rs) != 1 || rs[0].MsgID != "m09" {
		t.Errorf("feedback left: %+v", rs)
	}
	if len(labels(t, s, store.LabelQuery{})) != 1 {
		t.Error("DeleteBefore removed a label")
	}
	if nd, nf, err := s.DeleteBefore(ctx(t), at(60)); nd != 0 || nf != 0 || err != nil {
		t.Errorf("again: %d, %d, %v", nd, nf, err)
	}
}

// Raw personal data the store must never keep.
const (
	Phone    = "13812345678"
	IDNumber = "11010519491231002X"
	BankCard = "6222020200112233446" // passes the Luhn check
	Email    = "zhang.san@example.com"
)

func testMasking(t *testing.T, s store.Store) {
	raw := "我的手机 " + Phone + "，身份证 " + IDNumber + "，卡号 " + BankCard + "，邮箱 " + Email
	appendAll(t, s, store.Decision{MsgID: "pii", Time: at(0), Text: raw, Intent: "invoice", SenderHash: Phone, ChatHash: "wm-raw-chat"})
	d, err := s.Decision(ctx(t), "pii")
	if err != nil {
		t.Fatal(err)
	}
	if want := "我的手机 <PHONE>,身份证 <IDCARD>,卡号 <BANKCARD>,邮箱 <EMAIL>"; d.Text != want {
		t.Errorf("Text = %q, want %q", d.Text, want)
	}
	if d.SenderHash != s.Hash(Phone) || d.ChatHash != s.Hash("wm-raw-chat") {
		t.Errorf("raw ids not hashed: %q %q", d.SenderHash, d.ChatHash)
	}
	if err := s.AddFeedback(ctx(t), store.Feedback{MsgID: "pii", Comment: "打 " + Phone, AgentID: Email}); err != nil {
		t.Fatal(err)
	}
	rs := feedbacks(t, s, store.FeedbackQuery{MsgID: "pii"})
	if len(rs) != 1 || rs[0].Comment != "打 <PHONE>" || strings.Contains(rs[0].AgentID, "example") {
		t.Errorf("feedback not masked: %+v", rs)
	}
	// A msg_id made of a phone number is kept as a hash, and still joins its feedback.
	appendAll(t, s, store.Decision{MsgID: Phone, Time: at(1), Text: "hi", Intent: "greeting"})
	if err := s.AddFeedback(ctx(t), store.Feedback{MsgID: Phone, Rating: 4}); err != nil {
		t.Fatalf("feedback for a phone msg_id: %v", err)
	}
	got, err := s.Decision(ctx(t), Phone)
	if err != nil || strings.Contains(got.MsgID, Phone) {
		t.Errorf("phone msg_id: %q, %v", got.MsgID, err)
	}
}

func testHash(t *testing.T, s store.Store) {
	a, b := s.Hash("wmAAAA"), s.Hash("wmBBBB")
	if len(a) != 32 || a == b || a != s.Hash("wmAAAA") || s.Hash("") != "" {
		t.Errorf("Hash: %q %q", a, b)
	}
}

func testClosed(t *testing.T, s store.Store) {
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendDecisions(ctx(t), []store.Decision{{MsgID: "x"}}); !errors.Is(err, store.ErrClosed) {
		t.Errorf("AppendDecisions after Close: %v", err)
	}
	if err := s.AddFeedback(ctx(t), store.Feedback{MsgID: "x"}); !errors.Is(err, store.ErrClosed) {
		t.Errorf("AddFeedback after Close: %v", err)
	}
	if err := s.Decisions(ctx(t), store.Query{}, func(*store.Decision) error { return nil }); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Decisions after Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
