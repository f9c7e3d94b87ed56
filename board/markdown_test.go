package board_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/alert"
	"github.com/zhiyi-ai/zhiyi/board"
	"github.com/zhiyi-ai/zhiyi/store"
)

// The robot's message holds a weekly review's first numbers, the week before beside them, the
// intents that grew and the bad ratings' words; a customer's comment stays text (no link, no
// tag in the shop's own robot's message).
func TestMarkdown(t *testing.T) {
	ctx := testCtx(t)
	db, err := store.Open(ctx, store.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	week := T0.AddDate(0, 0, 7)
	ds := []store.Decision{
		{MsgID: "p1", Time: T0.Add(time.Hour), Intent: "track_parcel", Route: store.RouteAuto, Confidence: 0.9},
		{MsgID: "w1", Time: week.Add(time.Hour), Intent: "track_parcel", Route: store.RouteAuto, Confidence: 0.9},
		{MsgID: "w2", Time: week.Add(2 * time.Hour), Intent: "track_parcel", Route: store.RouteAuto, Confidence: 0.9},
		{MsgID: "w3", Time: week.Add(3 * time.Hour), Intent: "track_parcel", Route: store.RouteHandoff, Confidence: 0.5},
	}
	if _, err := db.AppendDecisions(ctx, ds); err != nil {
		t.Fatal(err)
	}
	if err := db.AddFeedback(ctx, store.Feedback{MsgID: "w1", Rating: 1, Comment: "答非所问 [点我](http://evil.example) <PHONE>", Time: week.Add(2 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	q := board.Query{Since: week, Until: week.AddDate(0, 0, 7), Labels: map[string]string{"track_parcel": "物流查询"}}
	b, err := board.Build(ctx, db, q)
	if err != nil {
		t.Fatal(err)
	}
	if err := board.Compare(ctx, db, q, b); err != nil {
		t.Fatal(err)
	}
	if err := board.BadComments(ctx, db, b); err != nil {
		t.Fatal(err)
	}
	md := b.Markdown("https://shop.example.com/console/board?since=x")
	for _, want := range []string{
		"### 知意客服报告 " + week.Format("2006-01-02") + " – " + week.AddDate(0, 0, 6).Format("2006-01-02") + "\n",
		"消息 **3** 条，较上一周期 +200.0%\n",
		"自动回复 **66.7%** · 未识别 **0%** · 转人工 **33.3%**\n",
		"**与上一周期相比**\n> 自动回复 100% → 66.7%\n",
		"**变化最大的意图**\n> 物流查询 track_parcel：1 → 3（+2）\n",
		"**差评的话**（1 个差评中 1 个留了话）\n> 1 条：答非所问 ［点我］(＜URL＞) ＜PHONE＞\n",
		"[在控制台看板查看](https://shop.example.com/console/board?since=x)\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the message lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "](http://evil") || strings.Contains(md, "<PHONE>") {
		t.Errorf("a customer's comment is markup in the message:\n%s", md)
	}
}

// TestMarkdownLongComments: five long comments (/feedback takes 2048 bytes) keep the message
// within what the robot takes, the link to 看板 in it: the cut at WeComMaxContentBytes took
// the link away.
func TestMarkdownLongComments(t *testing.T) {
	ctx := testCtx(t)
	db, err := store.Open(ctx, store.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i := range 5 {
		id := fmt.Sprintf("m%d", i)
		d := store.Decision{MsgID: id, Time: T0.Add(time.Duration(i) * time.Minute), Intent: "track_parcel", Route: store.RouteAuto, Confidence: 0.9}
		if _, err := db.AppendDecisions(ctx, []store.Decision{d}); err != nil {
			t.Fatal(err)
		}
		comment := fmt.Sprintf("第%d位：", i) + strings.Repeat("等了好久都没人理", 80)
		if err := db.AddFeedback(ctx, store.Feedback{MsgID: id, Rating: 1, Comment: comment, Time: d.Time}); err != nil {
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
	const link = "[在控制台看板查看](https://shop.example.com/console/board?since=x)"
	md := b.Markdown("https://shop.example.com/console/board?since=x")
	if len(md) > alert.WeComMaxContentBytes || !strings.Contains(md, link) {
		t.Errorf("the message has %d bytes (the robot takes %d), link %v:\n%s", len(md), alert.WeComMaxContentBytes, strings.Contains(md, link), md)
	}
}

// A week with no decisions (serve recording elsewhere, a mistyped --data-dir) has no rates: the
// group read 自动回复 0% · 转人工 0% · 重述率 0% under the warning, as if the bot had answered
// nothing and nobody had been handed off.
func TestMarkdownEmptyWeek(t *testing.T) {
	ctx := testCtx(t)
	db, err := store.Open(ctx, store.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	b, err := board.Build(ctx, db, board.Query{Since: T0, Until: T0.AddDate(0, 0, 7)})
	if err != nil {
		t.Fatal(err)
	}
	md := b.Markdown("")
	for _, want := range []string{"消息 **0** 条", "这段时间没有决策记录", "自动回复 **–** · 未识别 **–** · 转人工 **–**", "重述率 –"} {
		if !strings.Contains(md, want) {
			t.Errorf("the message lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "0%") {
		t.Errorf("an empty week shows a rate:\n%s", md)
	}
}

// A message past the robot's 4096 bytes (intents with long labels) keeps its link to 看板: the
// sender cut the end off, and the link, the last line, went with it.
func TestMarkdownKeepsTheLinkPastTheLimit(t *testing.T) {
	ctx := testCtx(t)
	db, err := store.Open(ctx, store.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	week := T0.AddDate(0, 0, 7)
	labels := map[string]string{}
	var ds []store.Decision
	for i := range 6 {
		id := fmt.Sprintf("intent_%d", i)
		labels[id] = strings.Repeat("很长的意图名称", 60)
		for j := range i + 1 {
			ds = append(ds, store.Decision{MsgID: fmt.Sprintf("%s-%d", id, j), Time: week.Add(time.Hour), Intent: id, Route: store.RouteAuto, Confidence: 0.9})
		}
	}
	if _, err := db.AppendDecisions(ctx, ds); err != nil {
		t.Fatal(err)
	}
	q := board.Query{Since: week, Until: week.AddDate(0, 0, 7), Labels: labels}
	b, err := board.Build(ctx, db, q)
	if err != nil {
		t.Fatal(err)
	}
	if err := board.Compare(ctx, db, q, b); err != nil {
		t.Fatal(err)
	}
	const link = "https://shop.example.com/console/board?since=x"
	md := b.Markdown(link)
	if len(md) > alert.WeComMaxContentBytes || !strings.HasSuffix(md, "[在控制台看板查看]("+link+")\n") || !strings.Contains(md, "……（更多见看板）\n") {
		t.Errorf("%d bytes, ends %q: want at most %d, cut above the link, which stays", len(md), md[max(0, len(md)-120):], alert.WeComMaxContentBytes)
	}
}
