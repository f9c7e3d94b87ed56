package serve

import (
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
	"github.com/zhiyi-ai/zhiyi/store"
)

// recorded starts a server recording into db, and returns it with its recorder.
func recorded(t *testing.T, db *store.DB, dir string) (*testServer, *store.Recorder) {
	t.Helper()
	rec, err := store.NewRecorder(db, store.RecorderConfig{DataDir: dir, FlushInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rec.Close() })
	return startServer(t, Config{}, nil, slog.LevelInfo, WithRecorder(rec, db.Hash)), rec
}

func TestFeedback(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(context.Background(), store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ts, rec := recorded(t, db, dir)
	// An answer without msg_id gets one, to give feedback on.
	r := ts.do("POST", "/intent", `{"text":"东西不要了 我手机13812345678","sender_id":"wmA"}`, nil)
	var res struct {
		MsgID string `json:"msg_id"`
	}
	if r.status != 200 || json.Unmarshal(r.body, &res) != nil || res.MsgID == "" {
		t.Fatalf("/intent: %d %s", r.status, r.body)
	}
	if err := rec.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		body   string
		status int
		code   string
	}{
		{`{"msg_id":"` + res.MsgID + `","rating":2,"comment":"答非所问 电话13812345678","agent_id":"a1"}`, 200, ""},
		{`{"msg_id":"` + res.MsgID + `","thumbs":"up","resolved":true}`, 200, ""},
		{`{"msg_id":"nope","thumbs":"up"}`, 404, CodeUnknownMessage},
		{`{"rating":5}`, 400, CodeMissingField},
		{`{"msg_id":"` + res.MsgID + `","rating":0}`, 400, CodeInvalidField},
		{`{"msg_id":"` + res.MsgID + `"}`, 400, CodeMissingField},
		{`{"msg_id":"` + res.MsgID + `","agent_id":"liuyang"}`, 400, CodeMissingField},
		{`{"msg_id":"` + res.MsgID + `","rating":6}`, 400, CodeInvalidField},
		{`{"msg_id":"` + res.MsgID + `","rating":5,"thumbs":"up"}`, 400, CodeInvalidField},
		{`{"msg_id":"` + res.MsgID + `","thumbs":"sideways"}`, 400, CodeInvalidField},
		{`{"msg_id":"` + res.MsgID + `","rating":"5"}`, 400, CodeInvalidField},
		{`{"msg_id":"` + res.MsgID + `","stars":5}`, 400, CodeUnknownField},
	} {
		r := ts.do("POST", "/feedback", tc.body, nil)
		if r.status != tc.status || tc.code != "" && !strings.Contains(string(r.body), `"code":"`+tc.code+`"`) {
			t.Errorf("%s: %d %s, want %d %s", tc.body, r.status, r.body, tc.status, tc.code)
		}
	}
	var got []store.FeedbackRecord
	if err := db.Feedback(context.Background(), store.FeedbackQuery{MsgID: res.MsgID}, func(f *store.FeedbackRecord) error {
		got = append(got, *f)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Rating != 2 || got[1].Rating != 5 || strings.Contains(got[0].Comment, "13812345678") ||
		strings.Contains(got[0].Decision.Text, "13812345678") || got[0].Decision.SenderHash == "" || got[0].Decision.SenderHash == "wmA" {
		t.Errorf("stored feedback %+v: want two, ratings 2 and 5, nothing unmasked, the sender hashed", got)
	}
	// The dashboard's figures in /metrics: ratings (满意度), resolved (解决率), and each
	// channel's routes; the refused requests count nowhere.
	metricsBody := string(ts.do("GET", "/metrics", "", nil).body)
	for _, want := range []string{
		`zhiyi_feedback_ratings_total{rating="2"} 1`, `zhiyi_feedback_ratings_total{rating="5"} 1`,
		`zhiyi_feedback_ratings_total{rating="1"} 0`, `zhiyi_feedback_resolved_total{resolved="true"} 1`,
		`zhiyi_channel_routes_total{channel="none",route=`,
	} {
		if !strings.Contains(metricsBody, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// Without the decision log the route says what it needs.
	plain := startServer(t, Config{}, nil, slog.LevelInfo)
	if r := plain.do("POST", "/feedback", `{"msg_id":"x"}`, nil); r.status != 404 || !strings.Contains(string(r.body), "--record=false") {
		t.Errorf("no decision log: %d %s", r.status, r.body)
	}
}

// TestReplicasShareTheLog: two replicas on one PostgreSQL decision log; a message answered by
// one and rated through the other shows in the log's summary.
func TestReplicasShareTheLog(t *testing.T) {
	pg := testsvc.SharedPostgres(t)
	dsn := pg.NewDatabase(t)
	var dbs [2]*store.DB
	var servers [2]*testServer
	var recs [2]*store.Recorder
	for i := range dbs {
		db, err := store.Open(context.Background(), store.Config{URL: dsn})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		dbs[i] = db
		// replica 0 writes its decisions every 200 ms: feedback through replica 1 at once must
		// wait for them rather than answer 404 (which a gateway takes as final)
		flush := time.Millisecond
		if i == 0 {
			flush = 200 * time.Millisecond
		}
		rec, err := store.NewRecorder(db, store.RecorderConfig{DataDir: filepath.Join(t.TempDir(), "spool"), FlushInterval: flush})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { rec.Close() })
		servers[i], recs[i] = startServer(t, Config{}, nil, slog.LevelInfo, WithRecorder(rec, db.Hash)), rec
	}
	r := servers[0].do("POST", "/intent", `{"text":"我要退货","msg_id":"shared-1","sender_id":"wmB"}`, nil)
	if r.status != 200 {
		t.Fatalf("/intent on replica 0: %d %s", r.status, r.body)
	}
	if r := servers[1].do("POST", "/feedback", `{"msg_id":"shared-1","rating":1,"resolved":false}`, nil); r.status != 200 {
		t.Fatalf("/feedback on replica 1 right after the answer on replica 0: %d %s", r.status, r.body)
	}
	if err := recs[1].Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	for i, db := range dbs {
		s, err := db.Summary(context.Background(), store.SummaryQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if s.Messages != 1 || s.Ratings != 1 || s.MeanRating != 1 {
			t.Errorf("replica %d's view: %d messages, %d ratings, mean %v; want the message and its rating", i, s.Messages, s.Ratings, s.MeanRating)
		}
	}
}

// A comment is trimmed of white space (U+3000 too) before it is stored, and one of nothing but
// white space is no comment: alone it gets the 400 an absent comment gets, as a blank text does
// on /intent, instead of an empty feedback row.
func TestFeedbackBlankComment(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(context.Background(), store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ts, rec := recorded(t, db, dir)
	if r := ts.do("POST", "/intent", `{"text":"我要退货","msg_id":"blank-1"}`, nil); r.status != 200 {
		t.Fatalf("/intent: %d %s", r.status, r.body)
	}
	if err := rec.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, body string
		status     int
		code       string
	}{
		{"empty", `{"msg_id":"blank-1","comment":""}`, 400, CodeMissingField},
		{"spaces and U+3000", `{"msg_id":"blank-1","comment":"   \u3000 "}`, 400, CodeMissingField},
		{"tabs and new lines", `{"msg_id":"blank-1","comment":"\t\n\r "}`, 400, CodeMissingField},
		{"zero-width space", `{"msg_id":"blank-1","comment":"\u200b\u3000"}`, 400, CodeMissingField},
		{"blank beside a rating", `{"msg_id":"blank-1","rating":4,"comment":" \u3000 "}`, 200, ""},
		{"words in space", `{"msg_id":"blank-1","rating":2,"comment":"\u3000 回复慢 \u3000\n"}`, 200, ""},
		// the bound is the comment's as kept: 2,048 bytes in spaces pass, 2,049 do not
		{"at the bound in spaces", `{"msg_id":"blank-1","comment":"  ` + strings.Repeat("慢", 682) + `  "}`, 200, ""},
		{"over the bound", `{"msg_id":"blank-1","comment":"` + strings.Repeat("慢", 683) + `"}`, 400, CodeInvalidField},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ts.do("POST", "/feedback", tc.body, nil)
			if r.status != tc.status || tc.code != "" && !strings.Contains(string(r.body), `"code":"`+tc.code+`"`) {
				t.Errorf("%d %s, want %d %s", r.status, r.body, tc.status, tc.code)
			}
		})
	}
	if err := rec.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	var got []store.FeedbackRecord
	if err := db.Feedback(context.Background(), store.FeedbackQuery{MsgID: "blank-1"}, func(f *store.FeedbackRecord) error {
		got = append(got, *f)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Rating != 4 || got[0].Comment != "" || got[1].Rating != 2 || got[1].Comment != "回复慢" || len(got[2].Comment) != 2046 {
		t.Errorf("stored %+v: want three rows, rating 4 without a comment, rating 2 with 回复慢, a comment of 2,046 bytes", got)
	}
}
