package board_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ncruces/go-sqlite3/driver"

	"github.com/zhiyi-ai/zhiyi/board"
	"github.com/zhiyi-ai/zhiyi/store"
)

// rowsLog is a SQLite log of four decisions over two days, the second rated, resolved and then
// rated again, the third corrected; the fourth's message would run as a spreadsheet formula.
func rowsLog(t *testing.T) *store.DB {
	t.Helper()
	ctx := testCtx(t)
	db, err := store.Open(ctx, store.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.AppendDecisions(ctx, []store.Decision{
		{MsgID: "r0", Time: T0.Add(-time.Hour), Text: "昨天的", Intent: "greeting", Route: store.RouteAuto},
		{MsgID: "r1", Time: T0.Add(time.Hour), Channel: "wecom", SenderHash: db.Hash("wx1"), Text: "要发票", Intent: "issue_invoice", Confidence: 0.98, Route: store.RouteAuto, AnswerID: "invoice"},
		{MsgID: "r2", Time: T0.Add(2 * time.Hour), Channel: "kf", Text: "东西不要了", Intent: "exchange", Confidence: 0.6, Route: store.RouteSuggest, Turn: 2},
		{MsgID: "r3", Time: T0.Add(3 * time.Hour), Text: `=HYPERLINK("http://x.example","点我")`, Intent: store.NoneIntent, Route: store.RouteHandoff},
	}); err != nil {
		t.Fatal(err)
	}
	yes := true
	for _, f := range []store.Feedback{
		{MsgID: "r1", Rating: 2, Time: T0.Add(90 * time.Minute)},
		{MsgID: "r1", Resolved: &yes, Comment: "回复慢", Time: T0.Add(100 * time.Minute)},
		{MsgID: "r1", Rating: 5, Time: T0.Add(110 * time.Minute)},
		{MsgID: "r2", CorrectIntent: "return_goods", AgentID: "agent7", Time: T0.Add(150 * time.Minute)},
	} {
		if err := db.AddFeedback(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

func TestWriteRowsCSV(t *testing.T) {
	db := rowsLog(t)
	var b bytes.Buffer
	n, err := board.WriteRows(testCtx(t), db, board.RowsQuery{Since: T0, Format: board.RowsCSV}, &b)
	if err != nil || n != 3 {
		t.Fatalf("WriteRows = %d, %v; want the period's 3 decisions", n, err)
	}
	text, ok := strings.CutPrefix(b.String(), "\ufeff")
	if !ok {
		t.Error("no byte-order mark: Excel would read the Chinese in the machine's code page")
	}
	recs, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 4 {
		t.Fatalf("%d lines, want a header and 3", len(recs))
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[strings.Fields(h)[1]] = i
	}
	for _, tc := range []struct {
		line       int
		name, want string
	}{
		{1, "time", "2026-11-02 01:00:00"}, // China Standard Time
		{1, "msg_id", "r1"},
		{1, "text", "要发票"},
		{1, "rating", "5"}, // the latest rating, not the first
		{1, "resolved", "true"},
		{1, "comment", "回复慢"},
		{1, "correct_intent", ""},
		{2, "correct_intent", "return_goods"},
		{2, "agent_id", "agent7"},
		{2, "turn", "2"},
		{2, "rating", ""},
		{3, "route", "handoff"},
	} {
		if got := recs[tc.line][col[tc.name]]; got != tc.want {
			t.Errorf("line %d %s = %q, want %q", tc.line, tc.name, got, tc.want)
		}
	}
	// the log keeps it lower-cased and its address masked; a spreadsheet must still not run it
	if got := recs[3][col["text"]]; !strings.HasPrefix(got, "'=hyperlink(") {
		t.Errorf("a formula's cell = %q, want it behind an apostrophe", got)
	}
}

func TestWriteRowsJSON(t *testing.T) {
	db := rowsLog(t)
	var b bytes.Buffer
	n, err := board.WriteRows(testCtx(t), db, board.RowsQuery{Since: T0.Add(-2 * time.Hour), Until: T0.Add(2 * time.Hour), Format: board.RowsJSON}, &b)
	if err != nil || n != 2 {
		t.Fatalf("WriteRows = %d, %v; want the 2 decisions of [−2h, 2h)", n, err)
	}
	var rows []board.Row
	dec := json.NewDecoder(&b)
	for dec.More() {
		var r board.Row
		if err := dec.Decode(&r); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r)
	}
	if len(rows) != 2 || rows[0].MsgID != "r0" || rows[1].MsgID != "r1" || rows[1].Rating != 5 ||
		rows[1].Resolved == nil || !*rows[1].Resolved || rows[0].Rating != 0 || rows[0].Resolved != nil {
		t.Errorf("rows %+v", rows)
	}
	if _, err := board.WriteRows(testCtx(t), db, board.RowsQuery{Since: T0, Format: "xlsx"}, &b); err == nil {
		t.Error("an unknown format was taken")
	}
	if n, err := board.WriteRows(testCtx(t), db, board.RowsQuery{Since: T0, Format: board.RowsJSON, Max: 2}, &b); !errors.Is(err, board.ErrTooManyRows) || n != 2 {
		t.Errorf("3 decisions at most 2: %d, %v; want 2 and ErrTooManyRows", n, err)
	}
	if n, err := board.WriteRows(testCtx(t), db, board.RowsQuery{Since: T0, Format: board.RowsJSON, Max: 3}, &b); err != nil || n != 3 {
		t.Errorf("3 decisions at most 3: %d, %v", n, err)
	}
}

// A row the log holds unmasked — written before the masker knew its form, or by another tool —
// is masked on its way to the sheet, as the unmatched page and corrections mask what they show:
// the export went out with the phone number and the comment's address as the log held them.
func TestWriteRowsMasksAgain(t *testing.T) {
	db := rowsLog(t)
	raw, err := driver.Open(db.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`UPDATE decisions SET text = '我手机13812345678', reason = '张三 13912345678' WHERE msg_id = 'r1'`); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE feedback SET comment = '寄到 zhangsan@example.com' WHERE msg_id = 'r1'`); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{board.RowsCSV, board.RowsJSON} {
		var b bytes.Buffer
		if _, err := board.WriteRows(testCtx(t), db, board.RowsQuery{Since: T0, Format: format}, &b); err != nil {
			t.Fatal(err)
		}
		for _, pii := range []string{"13812345678", "13912345678", "zhangsan@example.com"} {
			if strings.Contains(b.String(), pii) {
				t.Errorf("%s: %s written unmasked:\n%s", format, pii, b.String())
			}
		}
	}
}

// A bad rating's words stay on the row when an agent corrects the message afterwards with a
// note of their own: the two shared one column, and the note replaced 答非所问, so the sheet a
// weekly review reads for why customers rated badly showed the agents' notes instead.
func TestWriteRowsKeepsTheCustomersComment(t *testing.T) {
	ctx := testCtx(t)
	db, err := store.Open(ctx, store.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.AppendDecisions(ctx, []store.Decision{
		{MsgID: "b1", Time: T0, Text: "东西不要了怎么寄回去", Intent: "exchange_goods", Route: store.RouteAuto},
	}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []store.Feedback{
		{MsgID: "b1", Rating: 1, Comment: "答非所问", Time: T0.Add(time.Minute)},
		{MsgID: "b1", CorrectIntent: "return_goods", Comment: "应为退货", AgentID: "agent7", Time: T0.Add(time.Hour)},
	} {
		if err := db.AddFeedback(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if _, err := board.WriteRows(ctx, db, board.RowsQuery{Since: T0, Format: board.RowsCSV}, &b); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(b.String(), "\ufeff"))).ReadAll()
	if err != nil || len(recs) != 2 {
		t.Fatalf("%v, %d lines", err, len(recs))
	}
	got := map[string]string{}
	for i, h := range recs[0] {
		got[strings.Fields(h)[1]] = recs[1][i]
	}
	if got["rating"] != "1" || got["comment"] != "答非所问" || got["agent_comment"] != "应为退货" || got["agent_id"] != "agent7" {
		t.Errorf("rating %q, comment %q, agent_comment %q, agent_id %q; want 1, the customer's 答非所问, the agent's 应为退货, agent7",
			got["rating"], got["comment"], got["agent_comment"], got["agent_id"])
	}
	b.Reset()
	if _, err := board.WriteRows(ctx, db, board.RowsQuery{Since: T0, Format: board.RowsJSON}, &b); err != nil {
		t.Fatal(err)
	}
	var r board.Row
	if err := json.Unmarshal(b.Bytes(), &r); err != nil || r.Comment != "答非所问" || r.AgentComment != "应为退货" {
		t.Errorf("JSON row %+v, %v", r, err)
	}
}
