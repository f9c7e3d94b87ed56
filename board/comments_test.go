package board_test

import (
	"bytes"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/board"
	"github.com/zhiyi-ai/zhiyi/store"
)

// The report gave the share of bad ratings and not a word of why. It lists what customers
// wrote on the period's bad ratings now: each message's latest rating decides (a 1 raised to 4
// is no bad rating), its customer's latest comment is the words (an agent's note is not), and
// a message outside the period does not count.
func TestBadComments(t *testing.T) {
	ctx := testCtx(t)
	db, err := store.Open(ctx, store.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	at := T0.Add(10 * time.Hour)
	var ds []store.Decision
	for _, id := range []string{"a", "b", "c", "d", "e"} {
		ds = append(ds, store.Decision{MsgID: id, Time: at, Intent: "invoice", Route: store.RouteAuto, Confidence: 0.9})
	}
	ds = append(ds, store.Decision{MsgID: "old", Time: T0.Add(-time.Hour), Intent: "invoice", Route: store.RouteAuto})
	if _, err := db.AppendDecisions(ctx, ds); err != nil {
		t.Fatal(err)
	}
	fb := func(id string, rating int, comment, agent string, after time.Duration) store.Feedback {
		return store.Feedback{MsgID: id, Rating: rating, Comment: comment, AgentID: agent, Time: at.Add(after)}
	}
	for _, f := range []store.Feedback{
		fb("a", 1, "答非所问", "", time.Minute),
		fb("b", 2, "答非所问", "", time.Minute),
		fb("b", 0, "应为退货", "agent7", time.Hour), // the agent's note keeps b's words
		fb("c", 1, "回复慢", "", time.Minute),
		fb("c", 4, "", "", time.Hour), // rated again: no longer a bad rating
		fb("d", 1, "", "", time.Minute),
		fb("e", 5, "很好", "", time.Minute),
		{MsgID: "old", Rating: 1, Comment: "上周的", Time: T0.Add(time.Minute)},
	} {
		if err := db.AddFeedback(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	b, err := board.Build(ctx, db, board.Query{Since: T0, Until: T0.Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if err := board.BadComments(ctx, db, b); err != nil {
		t.Fatal(err)
	}
	if b.BadRatings != 3 || b.BadCommented != 2 || len(b.BadComments) != 1 || b.BadComments[0] != (board.CommentCount{Comment: "答非所问", Messages: 2}) {
		t.Errorf("bad ratings %d, %d with a comment, %+v; want 3, 2 and 答非所问 on 2", b.BadRatings, b.BadCommented, b.BadComments)
	}
	var text bytes.Buffer
	if err := b.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(strings.Fields(text.String()), " ")
	if want := "bad ratings' words (2 of 3 bad ratings had a comment): 2 答非所问"; !strings.Contains(got, want) {
		t.Errorf("the text has no %q:\n%s", want, text.String())
	}
	if got, want := pageText(t, b), "差评的话 bad ratings' words 2 of 3 bad ratings had a comment; the most frequent: messages comment 2 答非所问"; !strings.Contains(got, want) {
		t.Errorf("the HTML page has no %q:\n%s", want, got)
	}
}

// pageText is b's HTML page as a reader sees its text: tags dropped, white space collapsed.
func pageText(t *testing.T, b *board.Board) string {
	t.Helper()
	var page bytes.Buffer
	if err := b.WriteHTML(&page); err != nil {
		t.Fatal(err)
	}
	body := page.String()
	body = body[strings.Index(body, "<body>"):]
	text := regexp.MustCompile(`<[^>]*>`).ReplaceAllString(body, " ")
	return strings.Join(strings.Fields(html.UnescapeString(text)), " ")
}
