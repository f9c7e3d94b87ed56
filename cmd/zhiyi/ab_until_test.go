package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/experiment"
	"github.com/zhiyi-ai/zhiyi/internal/period"
	"github.com/zhiyi-ai/zhiyi/store"
)

// zhiyi ab --until closes the period as report, export and unmatched do, so that last week's
// variants can be read apart from this week's: without it ab read from --since to now, and a
// weekly review could not set two weeks beside each other. The week's decisions keep the
// feedback that came after the week ended, as the report counts it.
func TestABUntilClosesThePeriod(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	week := time.Date(2026, 11, 30, 0, 0, 0, 0, period.CST) // Monday, midnight China time
	d := func(id, variant, sender string, at time.Time) store.Decision {
		return store.Decision{MsgID: id, Time: at, SenderHash: db.Hash(sender), Text: "快递到哪了", Intent: "track_parcel",
			Confidence: 0.9, Route: store.RouteAuto, AnswerID: variant, Variant: variant}
	}
	if _, err := db.AppendDecisions(ctx, []store.Decision{
		d("last1", "track_parcel.a", "wmA", week.Add(-48*time.Hour)),
		d("last2", "track_parcel.b", "wmB", week.Add(-time.Second)), // Sunday 23:59:59
		d("this1", "track_parcel.b", "wmC", week),                   // Monday 00:00: this week
		d("this2", "track_parcel.b", "wmD", week.Add(24*time.Hour)),
	}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []store.Feedback{
		{MsgID: "last2", Rating: 2, Time: week.Add(time.Hour)}, // rated after the week ended
		{MsgID: "this1", Rating: 5, Time: week.Add(time.Hour)},
	} {
		if err := db.AddFeedback(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "", "ab", "--data-dir", dir, "--kb", filepath.Join(shopDir, "kb.yaml"),
		"--experiment", "track_parcel", "--since", "2026-11-23", "--until", "2026-11-30", "--json")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	var got struct {
		Experiments []struct {
			Variants []struct {
				ID     string `json:"id"`
				Served int64  `json:"served"`
				Rated  int64  `json:"rated"`
			} `json:"variants"`
		} `json:"experiments"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil || len(got.Experiments) != 1 {
		t.Fatalf("%v\n%s", err, stdout)
	}
	want := map[string][2]int64{"track_parcel.a": {1, 0}, "track_parcel.b": {1, 1}}
	for _, v := range got.Experiments[0].Variants {
		if w := want[v.ID]; v.Served != w[0] || v.Rated != w[1] {
			t.Errorf("%s: served %d, rated %d; want last week's %d and %d", v.ID, v.Served, v.Rated, w[0], w[1])
		}
	}
	if code, _, stderr := runCLI(t, "", "ab", "--data-dir", dir, "--kb", filepath.Join(shopDir, "kb.yaml"),
		"--since", "2026-11-30", "--until", "2026-11-23"); code == 0 || !strings.Contains(stderr, "is not before --until") {
		t.Errorf("--until before --since: exit %d, %s", code, stderr)
	}
}

// --log files take --until as the store does: a decision at the end is the next period's.
func TestABUntilReadsLogFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.jsonl")
	lines := `{"d":{"msg_id":"in","time":"2026-11-29T15:59:59Z","sender":"s1","variant":"track_parcel.a"}}
{"d":{"msg_id":"out","time":"2026-11-29T16:00:00Z","sender":"s2","variant":"track_parcel.b"}}
`
	if err := os.WriteFile(path, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	until := time.Date(2026, 11, 30, 0, 0, 0, 0, period.CST)
	out, err := logResults([]string{path})(context.Background(), abQuery{Until: until})
	if err != nil {
		t.Fatal(err)
	}
	res := out.Select(experiment.Filter{})
	if res["track_parcel.a"].Served != 1 || res["track_parcel.b"].Served != 0 {
		t.Errorf("results %+v, want the decision before --until alone", res)
	}
}
