package board_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/board"
	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/internal/shoptest"
	"github.com/zhiyi-ai/zhiyi/store"
	"github.com/zhiyi-ai/zhiyi/train"
)

// tinyEngine trains the tiny shop (about a second) and loads it.
func tinyEngine(t testing.TB) *intent.Engine {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "tiny")
	if err := shoptest.TrainTiny(dir); err != nil {
		t.Fatal(err)
	}
	eng, err := intent.Load(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	return eng
}

// unmatchedLog writes decisions of which the unmatched ones (out of scope, handed off, below
// 0.5) are returned by id.
func unmatchedLog(t testing.TB, db *store.DB) (unmatched []string) {
	t.Helper()
	var ds []store.Decision
	add := func(id, text, intentID, route string, conf float64, minute int) {
		d := store.Decision{MsgID: id, Time: T0.Add(time.Duration(minute) * time.Minute), Channel: "wecom", Text: text,
			Intent: intentID, Route: route, Confidence: conf}
		ds = append(ds, d)
		if d.Unmatched(store.DefaultLowConfidence) != "" && !strings.HasPrefix(id, "data") {
			unmatched = append(unmatched, id)
		}
	}
	add("u1", "发票怎么开", "invoice", store.RouteSuggest, 0.42, 1)
	add("u2", "发票怎么开", "invoice", store.RouteSuggest, 0.41, 2) // the same text: one cluster member more
	add("u3", "怎么开发票呀", "invoice", store.RouteSuggest, 0.45, 3)
	add("u4", "今天天气怎么样", store.NoneIntent, store.RouteHandoff, 0.1, 4)
	add("u5", "今天天气好不好", store.NoneIntent, store.RouteHandoff, 0.12, 5)
	add("u6", "我要找人工客服", "human_agent", store.RouteHandoff, 0.97, 6) // handed off however sure
	add("u7", "电话13812345678 打给我", store.NoneIntent, store.RouteHandoff, 0.2, 7)
	// only personal data: its need is its conversation's, and a label would teach nothing
	add("data1", "订单号 4429103857611294", "invoice", store.RouteSuggest, 0.3, 7)
	add("ok1", "怎么开发票", "invoice", store.RouteAuto, 0.95, 8)
	add("ok2", "什么时候发货", "shipping_time", store.RouteAuto, 0.93, 9)
	add("old", "在吗", store.NoneIntent, store.RouteHandoff, 0.1, -60) // before the period
	if _, err := db.AppendDecisions(testCtx(t), ds); err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(unmatched, func(id string) bool { return id == "old" })
}

// unmatchedSetup trains the tiny engine, then starts the test's context (training first: on a
// loaded machine under -race it took the context's 2 minutes) and opens an empty decision log.
func unmatchedSetup(t *testing.T) (context.Context, *intent.Engine, *store.DB) {
	t.Helper()
	eng := tinyEngine(t)
	ctx := testCtx(t)
	db, err := store.Open(ctx, store.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return ctx, eng, db
}

func TestUnmatched(t *testing.T) {
	ctx, eng, db := unmatchedSetup(t)
	want := unmatchedLog(t, db)

	res, err := board.Unmatched(ctx, db, eng, board.UnmatchedQuery{Since: T0, Until: T0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	var members []string
	size := 0
	for _, l := range res.Lines {
		members = append(members, l.Members...)
		size += l.Size
		if l.Size != len(l.Members) || len(l.Samples) == 0 || l.Intent != "" || l.Cluster == "" {
			t.Errorf("line %+v", l)
		}
		for _, s := range l.Samples {
			if bytes.Contains([]byte(s), []byte("13812345678")) {
				t.Errorf("an unmasked phone number in a sample: %q", s)
			}
		}
	}
	slices.Sort(members)
	slices.Sort(want)
	if !slices.Equal(members, want) || size != len(want) || res.Messages != len(want) || res.Truncated || res.DataOnly != 1 {
		t.Fatalf("sheet members %v (messages %d, truncated %v, only data %d), want the unmatched %v and one only giving data", members, res.Messages, res.Truncated, res.DataOnly, want)
	}
	if res.Reasons["none"] != 3 || res.Reasons["handoff"] != 1 || res.Reasons["low_confidence"] != 3 {
		t.Errorf("reasons %v, want none 3, handoff 1, low_confidence 3", res.Reasons)
	}
	for i := 1; i < len(res.Lines); i++ {
		if res.Lines[i].Size > res.Lines[i-1].Size {
			t.Errorf("the sheet is not largest first: %d after %d", res.Lines[i].Size, res.Lines[i-1].Size)
		}
	}
	// u1 and u2 share a text, so a cluster; the weather question is not with the invoices
	clusterOf := map[string]string{}
	for _, l := range res.Lines {
		for _, m := range l.Members {
			clusterOf[m] = l.Cluster
		}
	}
	if clusterOf["u1"] != clusterOf["u2"] || clusterOf["u4"] == clusterOf["u1"] {
		t.Errorf("clusters %v", clusterOf)
	}

	// the sheet, filled in, reads back as labels of the same messages (zhiyi train/learn --labels)
	path := filepath.Join(t.TempDir(), "sheet.jsonl")
	for i := range res.Lines {
		res.Lines[i].Intent = "none"
	}
	var buf bytes.Buffer
	if err := board.WriteSheet(&buf, res.Lines); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	labels, err := train.ReadLabels(path)
	if err != nil {
		t.Fatal(err)
	}
	var labelled []string
	for _, l := range labels {
		labelled = append(labelled, l.MsgIDs...)
	}
	slices.Sort(labelled)
	if !slices.Equal(labelled, want) {
		t.Errorf("labels name %v, want %v", labelled, want)
	}

	// a bound keeps the newest; an empty period is an empty list, [] in JSON
	res, err = board.Unmatched(ctx, db, eng, board.UnmatchedQuery{Since: T0, Max: 2})
	if err != nil || res.Messages != 2 || !res.Truncated {
		t.Fatalf("Max 2: %v, %+v", err, res)
	}
	var kept []string
	for _, l := range res.Lines {
		kept = append(kept, l.Members...)
	}
	if slices.Sort(kept); !slices.Equal(kept, []string{"u6", "u7"}) {
		t.Errorf("Max 2 kept %v, want the newest, u6 and u7", kept)
	}
	// skipped messages (the console's labelled ones) are not clustered and do not count
	// toward Max; Texts has the clustered ones' masked text
	res, err = board.Unmatched(ctx, db, eng, board.UnmatchedQuery{Since: T0, Max: 2, Skip: map[string]bool{"u7": true}})
	if err != nil || res.Messages != 2 || !res.Truncated {
		t.Fatalf("Max 2, u7 skipped: %v, %+v", err, res)
	}
	kept = kept[:0]
	for _, l := range res.Lines {
		kept = append(kept, l.Members...)
	}
	if slices.Sort(kept); !slices.Equal(kept, []string{"u5", "u6"}) || len(res.Texts) != 2 || res.Texts["u6"] != "我要找人工客服" {
		t.Errorf("u7 skipped: kept %v, texts %v; want u5 and u6 with their texts", kept, res.Texts)
	}
	res, err = board.Unmatched(ctx, db, eng, board.UnmatchedQuery{Since: T0, Max: 1, Skip: map[string]bool{"u6": true}})
	if err != nil || res.Texts["u7"] == "" || strings.Contains(res.Texts["u7"], "13812345678") {
		t.Errorf("a text is missing or not masked: %v, %q", err, res.Texts["u7"])
	}
	res, err = board.Unmatched(ctx, db, eng, board.UnmatchedQuery{Since: T0.Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if raw, _ := json.Marshal(res.Lines); string(raw) != "[]" || res.Messages != 0 {
		t.Errorf("empty period: %s", raw)
	}
	if _, err := board.Unmatched(ctx, db, nil, board.UnmatchedQuery{Since: T0}); err == nil {
		t.Error("no engine: want an error")
	}
}

// A follow-up is clustered with its conversation's topic, as the decision log keeps it: the same
// unsure 那要多久 in conversations about returns and about invoices makes two clusters. One
// that only gives personal data (订单号1234567890) is left off: training leaves it out whatever
// its label.
func TestUnmatchedFollowUpsByConversation(t *testing.T) {
	ctx, eng, db := unmatchedSetup(t)
	var ds []store.Decision
	var follow []struct{ text, active string }
	for _, active := range []string{"return_goods", "invoice"} {
		for _, text := range []string{"那要多久", "那要多久", "那要多久？", "那要多久"} {
			follow = append(follow, struct{ text, active string }{text, active})
		}
	}
	follow = append(follow, struct{ text, active string }{"今天天气怎么样", ""}, struct{ text, active string }{"你们老板是谁", ""},
		struct{ text, active string }{"订单号1234567890", "return_goods"}, struct{ text, active string }{"单号1234567892", "invoice"})
	for i, c := range follow {
		ds = append(ds, store.Decision{MsgID: fmt.Sprint("f", i), Time: T0.Add(time.Duration(i) * time.Minute), Channel: "wecom",
			Text: c.text, Intent: store.NoneIntent, Route: store.RouteHandoff, Confidence: 0.1, ActiveIntent: c.active})
	}
	if _, err := db.AppendDecisions(ctx, ds); err != nil {
		t.Fatal(err)
	}
	res, err := board.Unmatched(ctx, db, eng, board.UnmatchedQuery{Since: T0, Until: T0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, l := range res.Lines {
		slices.Sort(l.Members)
		got[l.Context] = append(got[l.Context], strings.Join(l.Members, ","))
	}
	want := map[string][]string{"": {"f8", "f9"}, "return_goods": {"f0,f1,f2,f3"}, "invoice": {"f4,f5,f6,f7"}}
	if fmt.Sprint(got) != fmt.Sprint(want) || res.DataOnly != 2 {
		t.Errorf("clusters by context %v, %d only giving data; want %v and 2", got, res.DataOnly, want)
	}
}

// The log keeps a conversation's active intent after the decision, and a message the model
// guessed at (below the low-confidence threshold, but above the suggest threshold, where
// package reply lets it become the topic) made its own guess the active intent. That guess is
// what the conversation was about when the message came, which the log does not say: its line
// names no context.
func TestUnmatchedContextIsNotTheMessagesOwnGuess(t *testing.T) {
	ctx, eng, db := unmatchedSetup(t)
	ds := []store.Decision{
		{MsgID: "g0", Time: T0, Channel: "wecom", Text: "退货的话尺码能换吗", Intent: "return_goods", Route: store.RouteSuggest,
			Confidence: 0.3, Turn: 2, ActiveIntent: "return_goods"}, // was about invoices: the guess made it return_goods
		{MsgID: "g1", Time: T0.Add(time.Minute), Channel: "wecom", Text: "退货的话尺码能换吗", Intent: store.NoneIntent,
			Route: store.RouteHandoff, Confidence: 0.1, Turn: 3, ActiveIntent: "invoice"},
	}
	if _, err := db.AppendDecisions(ctx, ds); err != nil {
		t.Fatal(err)
	}
	res, err := board.Unmatched(ctx, db, eng, board.UnmatchedQuery{Since: T0, Until: T0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range res.Lines {
		if slices.Contains(l.Members, "g0") && l.Context == "return_goods" {
			t.Errorf("g0's line %+v names its own guess as the conversation's context", l)
		}
	}
}
