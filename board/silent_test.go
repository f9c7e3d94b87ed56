package board_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/board"
	"github.com/zhiyi-ai/zhiyi/store"
)

// A message an operator's rule kept silent (a test account, a bot) got no answer: the volume
// chart counted it as answered automatically (messages − handoffs − suggested), so a shop whose
// own test account chats all day saw its automatic replies inflated. It stands apart now.
func TestSilentIsNotAnsweredAutomatically(t *testing.T) {
	ctx := testCtx(t)
	db, err := store.Open(ctx, store.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	at := T0.Add(9*time.Hour + 5*time.Minute)
	ds := []store.Decision{
		{MsgID: "a1", Time: at, Intent: "invoice", Route: store.RouteAuto, Confidence: 0.95, AnswerID: "invoice.a"},
		{MsgID: "s1", Time: at, Intent: "invoice", Route: store.RouteSilent, Confidence: 0.99, Rule: "internal_test_sender"},
		{MsgID: "s2", Time: at, Intent: "invoice", Route: store.RouteSilent, Confidence: 0.99, Rule: "internal_test_sender"},
		{MsgID: "h1", Time: at, Intent: store.NoneIntent, Route: store.RouteHandoff, Confidence: 0.2},
	}
	if _, err := db.AppendDecisions(ctx, ds); err != nil {
		t.Fatal(err)
	}
	b, err := board.Build(ctx, db, board.Query{Since: T0, Until: T0.Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if b.Messages != 4 || b.Silent != 2 || b.Series[9].Silent != 2 || b.ByHour[9].Silent != 2 {
		t.Errorf("messages %d, silent %d (09:00 bucket %d, hour 9 %d): want 4 messages, 2 silent",
			b.Messages, b.Silent, b.Series[9].Silent, b.ByHour[9].Silent)
	}
	volume := string(b.Charts().Volume)
	for _, want := range []string{"11-02 09时 自动回复 auto: 1<", "11-02 09时 静默 silent: 2<", "11-02 09时 转人工 handoff: 1<"} {
		if !strings.Contains(volume, want) {
			t.Errorf("the volume chart has no %q", strings.TrimSuffix(want, "<"))
		}
	}
	var text bytes.Buffer
	if err := b.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "静默 silent") {
		t.Errorf("the text does not say 2 messages were kept silent:\n%s", text.String())
	}
}

// The report says how many messages the bot answered on its own, and how many it suggested to
// agents: neither number was in the text or the JSON, though it is a weekly review's first.
func TestReportSaysHowManyWereAnsweredAutomatically(t *testing.T) {
	ctx := testCtx(t)
	db, err := store.Open(ctx, store.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	at := T0.Add(10 * time.Hour)
	if _, err := db.AppendDecisions(ctx, []store.Decision{
		{MsgID: "a1", Time: at, Intent: "invoice", Route: store.RouteAuto, Confidence: 0.95},
		{MsgID: "a2", Time: at, Intent: "invoice", Route: store.RouteAuto, Confidence: 0.95},
		{MsgID: "a3", Time: at, Intent: "invoice", Route: store.RouteAuto, Confidence: 0.95},
		{MsgID: "g1", Time: at, Intent: "invoice", Route: store.RouteSuggest, Confidence: 0.6},
		{MsgID: "s1", Time: at, Intent: "invoice", Route: store.RouteSilent, Rule: "internal_test_sender"},
		{MsgID: "h1", Time: at, Intent: store.NoneIntent, Route: store.RouteHandoff},
	}); err != nil {
		t.Fatal(err)
	}
	b, err := board.Build(ctx, db, board.Query{Since: T0, Until: T0.Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	var text, js bytes.Buffer
	if err := b.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if want := "50%  3 automatically; 1 suggested to agents"; !strings.Contains(text.String(), want) {
		t.Errorf("the text does not say %q:\n%s", want, text.String())
	}
	if err := json.NewEncoder(&js).Encode(b); err != nil || !strings.Contains(js.String(), `"auto":3,`) {
		t.Errorf("the JSON has no \"auto\":3 (%v):\n%.300s", err, js.String())
	}
}
