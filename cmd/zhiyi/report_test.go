package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/shoptest"
	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
	"github.com/zhiyi-ai/zhiyi/store"
	"github.com/zhiyi-ai/zhiyi/train"
)

// day1 is midnight, 2 November 2026, China Standard Time: --since 2026-11-02.
var day1 = time.Date(2026, 11, 2, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))

// writeLog fills a SQLite decision log in dir and returns the ids of its unmatched decisions
// on 2 and 3 November.
func writeLog(t *testing.T, dir string) (unmatched []string) {
	t.Helper()
	return writeLogTo(t, store.Config{DataDir: dir})
}

// writeLogTo is writeLog into the database cfg names.
func writeLogTo(t *testing.T, cfg store.Config) (unmatched []string) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	at := func(h float64) time.Time { return day1.Add(time.Duration(h * float64(time.Hour))) }
	ds := []store.Decision{
		{MsgID: "a1", Time: at(9.1), Channel: "wecom", Text: "怎么开发票", Intent: "invoice", Route: "auto", Confidence: 0.95, AnswerID: "invoice.a", LatencyMicros: 100},
		{MsgID: "a2", Time: at(9.5), Channel: "wecom", Text: "发票怎么开", Intent: "invoice", Route: "suggest", Confidence: 0.45, AnswerID: "invoice.a", LatencyMicros: 200},
		{MsgID: "a3", Time: at(10.2), Channel: "kf", Text: "今天天气怎么样", Intent: "none", Route: "handoff", Confidence: 0.1, LatencyMicros: 300},
		{MsgID: "a4", Time: at(30), Channel: "kf", Text: "我要找人工客服", Intent: "human_agent", Route: "handoff", Confidence: 0.97, LatencyMicros: 400},
		{MsgID: "x0", Time: at(-3), Channel: "kf", Text: "在吗", Intent: "none", Route: "handoff", Confidence: 0.1, LatencyMicros: 500},
	}
	if _, err := db.AppendDecisions(ctx, ds); err != nil {
		t.Fatal(err)
	}
	yes := true
	for _, f := range []store.Feedback{{MsgID: "a1", Rating: 5, Resolved: &yes}, {MsgID: "a3", Rating: 1}} {
		if err := db.AddFeedback(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	return []string{"a2", "a3", "a4"}
}

func TestReport(t *testing.T) {
	dir := t.TempDir()
	writeLog(t, dir)
	period := []string{"--data-dir", dir, "--since", "2026-11-02", "--until", "2026-11-04"}

	code, stdout, stderr := runCLI(t, "", append([]string{"report", "--json"}, period...)...)
	if code != 0 {
		t.Fatalf("report --json: exit %d\n%s", code, stderr)
	}
	var top map[string]any
	if err := json.Unmarshal([]byte(stdout), &top); err != nil {
		t.Fatalf("--json printed no JSON: %v\n%s", err, stdout)
	}
	for k, v := range map[string]float64{"messages": 4, "unrecognised": 1, "handoff_rate": 0.5, "resolved_rate": 1,
		"mean_rating": 3, "repeat_rate": 0, "unmatched": 3, "latency_p99_us": 400} {
		if got, ok := top[k].(float64); !ok || got != v {
			t.Errorf("%s = %v, want %v", k, top[k], v)
		}
	}
	if s, _ := top["series"].([]any); len(s) != 48 || top["bucket"] != "hour" {
		t.Errorf("two days by the hour: %d points, bucket %v", len(s), top["bucket"])
	}

	// text by default, days on request; the page written atomically over an older one
	html := filepath.Join(t.TempDir(), "board.html")
	if err := os.WriteFile(html, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = runCLI(t, "", append([]string{"report", "--bucket", "day", "--html", html}, period...)...)
	if code != 0 {
		t.Fatalf("report --html: exit %d\n%s", code, stderr)
	}
	for _, want := range []string{"(CST): 4 messages", "未识别 unrecognised", "by intent:", "invoice"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("text lacks %q:\n%s", want, stdout)
		}
	}
	page, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), "<svg") || !strings.Contains(string(page), "zhiyi 看板") || !strings.Contains(stderr, "wrote "+html) {
		t.Errorf("the page was not written (stderr %q)", stderr)
	}
	if ents, _ := os.ReadDir(filepath.Dir(html)); len(ents) != 1 {
		t.Errorf("the directory holds %d files, want the page alone (no temporary left)", len(ents))
	}
	if fi, _ := os.Stat(html); fi.Mode().Perm() != 0o644 {
		t.Errorf("page mode %v", fi.Mode())
	}

	// the intents' labels from a bundle's kb.yaml
	bundle := filepath.Join(t.TempDir(), "tiny")
	if err := shoptest.TrainTiny(bundle); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = runCLI(t, "", append([]string{"report", "--model", bundle}, period...)...)
	if code != 0 || !strings.Contains(stdout, "发票 invoice") {
		t.Errorf("report --model: exit %d, labels missing:\n%s%s", code, stdout, stderr)
	}
}

func TestReportErrors(t *testing.T) {
	dir := t.TempDir()
	writeLog(t, dir)
	empty := t.TempDir()
	t.Setenv("ZHIYI_DATA_DIR", empty) // where zhiyi serve would write; flags override it
	t.Setenv("ZHIYI_DB", "")
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"report"}, 1, "no decision log at " + filepath.Join(empty, "zhiyi.db") + " (--data-dir " + empty + ")"}, // ZHIYI_DATA_DIR
		{[]string{"report", "--data-dir", empty}, 1, "no decision log at " + filepath.Join(empty, "zhiyi.db")},
		{[]string{"report", "--db", "sqlite:" + filepath.Join(empty, "x.db")}, 1, "no decision log at"},
		{[]string{"report", "--db", "mysql://x"}, 1, "unsupported database URL"},
		{[]string{"report", "--data-dir", dir, "--since", "last week"}, 1, `--since "last week": want a duration`},
		{[]string{"report", "--data-dir", dir, "--since", ""}, 1, "--since is empty"},
		{[]string{"report", "--data-dir", dir, "--since", "-3d"}, 1, "--since"},
		{[]string{"report", "--data-dir", dir, "--until", "soon"}, 1, "--until"},
		{[]string{"report", "--data-dir", dir, "--since", "2026-11-04", "--until", "2026-11-02"}, 1, "is not before --until"},
		{[]string{"report", "--data-dir", dir, "--bucket", "week"}, 2, `--bucket "week": want hour or day`},
		{[]string{"report", "--data-dir", dir, "--since", "400d", "--bucket", "hour"}, 1, "choose a wider bucket"},
		{[]string{"report", "--data-dir", dir, "--low-confidence", "2"}, 1, "--low-confidence"},
		{[]string{"report", "--data-dir", dir, "--html", filepath.Join(empty, "no", "such", "dir", "p.html")}, 1, "p.html"},
		{[]string{"report", "--data-dir", dir, "--model", empty}, 1, "--model"},
		{[]string{"report", "--data-dir", dir, "extra"}, 2, "unexpected arguments"},
		{[]string{"unmatched", "--data-dir", dir}, 2, "--model and --out are required"},
		{[]string{"unmatched", "--model", "m", "--out", filepath.Join(empty, "o")}, 1, "no decision log at"},
		{[]string{"unmatched", "--data-dir", empty, "--model", "m", "--out", filepath.Join(empty, "o")}, 1, "no decision log at"},
		{[]string{"unmatched", "--data-dir", dir, "--model", filepath.Join(empty, "nope"), "--out", filepath.Join(empty, "o")}, 1, "no such directory (not a model bundle"},
		{[]string{"unmatched", "--data-dir", dir, "--model", "m", "--out", filepath.Join(empty, "o"), "--max", "0"}, 1, "--max"},
		{[]string{"unmatched", "--data-dir", dir, "--model", empty, "--out", filepath.Join(empty, "o")}, 1, "inside the model bundle"},
	}
	for _, tt := range tests {
		code, _, stderr := runCLI(t, "", tt.args...)
		if code != tt.code || !strings.Contains(stderr, tt.want) {
			t.Errorf("zhiyi %v: exit %d, stderr %q; want exit %d mentioning %q", tt.args, code, stderr, tt.code, tt.want)
		}
	}
	// a reader never creates the database it did not find
	if ents, _ := os.ReadDir(empty); len(ents) != 0 {
		t.Errorf("the failed commands left %d files in %s", len(ents), empty)
	}
	for _, args := range [][]string{{"report", "-h"}, {"unmatched", "-h"}} {
		if code, _, stderr := runCLI(t, "", args...); code != 0 || !strings.Contains(stderr, "Usage: zhiyi "+args[0]) {
			t.Errorf("zhiyi %v: exit %d\n%s", args, code, stderr)
		}
	}
}

func TestUnmatchedCommand(t *testing.T) {
	dir := t.TempDir()
	want := writeLog(t, dir)
	bundle := filepath.Join(t.TempDir(), "tiny")
	if err := shoptest.TrainTiny(bundle); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "sheet.jsonl")
	code, _, stderr := runCLI(t, "", "unmatched", "--data-dir", dir, "--since", "2026-11-02", "--until", "2026-11-04",
		"--model", bundle, "--out", out)
	if code != 0 {
		t.Fatalf("unmatched: exit %d\n%s", code, stderr)
	}
	for _, w := range []string{"3 unmatched messages since 2026-11-02 00:00:00 until 2026-11-04 00:00:00 (CST): 1 out of scope, 1 handed off, 1 below confidence 0.5",
		"wrote ", "zhiyi learn --labels " + out} {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, stderr)
		}
	}
	labels, err := train.ReadLabels(out)
	if err != nil {
		t.Fatal(err)
	}
	var members []string
	for _, l := range labels {
		members = append(members, l.MsgIDs...)
	}
	slices.Sort(members)
	if !slices.Equal(members, want) {
		t.Errorf("the sheet's members are %v, want the unmatched %v", members, want)
	}
	// the same JSON lines as zhiyi cluster: the field names other tools read
	raw, _ := os.ReadFile(out)
	first, _, _ := strings.Cut(string(raw), "\n")
	var line map[string]any
	if err := json.Unmarshal([]byte(first), &line); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"cluster", "size", "suggested", "confidence", "terms", "samples", "members", "intent"} {
		if _, ok := line[k]; !ok {
			t.Errorf("sheet line lacks %q: %s", k, first)
		}
	}
	// A sheet not yet filled is written again; one the operator has begun to fill is not.
	args := []string{"unmatched", "--data-dir", dir, "--since", "2026-11-02", "--until", "2026-11-04", "--model", bundle, "--out", out}
	if code, _, stderr := runCLI(t, "", args...); code != 0 {
		t.Fatalf("unmatched over an unfilled sheet: exit %d\n%s", code, stderr)
	}
	filled := strings.Replace(string(raw), `"intent":""`, `"intent":"invoice"`, 1)
	if err := os.WriteFile(out, []byte(filled), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, "", args...); code != 1 || !strings.Contains(stderr, "already holds 1 decided label") {
		t.Errorf("unmatched over a filled sheet: exit %d\n%s", code, stderr)
	}
	if after, _ := os.ReadFile(out); string(after) != filled {
		t.Errorf("the filled sheet was changed")
	}
	// --out naming the decision log it reads (a slip of the shell's completion) is refused
	db := filepath.Join(dir, store.DBFileName)
	before, _ := os.ReadFile(db)
	args[len(args)-1] = db
	if code, _, stderr := runCLI(t, "", args...); code != 1 || !strings.Contains(stderr, "is the --data-dir decision log "+db) {
		t.Errorf("unmatched --out naming the decision log: exit %d\n%s", code, stderr)
	}
	if after, _ := os.ReadFile(db); string(after) != string(before) {
		t.Errorf("the decision log was changed")
	}
}

// zhiyi report --db postgres://… reads what replicas sharing PostgreSQL wrote.
func TestReportPostgres(t *testing.T) {
	pg := testsvc.PrivatePostgres(t)
	dsn := pg.NewDatabase(t)
	writeLogTo(t, store.Config{URL: dsn, DataDir: t.TempDir()})
	t.Setenv("ZHIYI_DATA_DIR", t.TempDir()) // no SQLite log there: --db must be what is read
	code, stdout, stderr := runCLI(t, "", "report", "--db", dsn, "--since", "2026-11-02", "--until", "2026-11-04", "--json")
	if code != 0 {
		t.Fatalf("report --db: exit %d\n%s", code, stderr)
	}
	var top map[string]any
	if err := json.Unmarshal([]byte(stdout), &top); err != nil {
		t.Fatal(err)
	}
	if top["messages"] != 4.0 || top["mean_rating"] != 3.0 || top["handoff_rate"] != 0.5 {
		t.Errorf("messages %v, mean_rating %v, handoff_rate %v; want 4, 3, 0.5", top["messages"], top["mean_rating"], top["handoff_rate"])
	}
	t.Setenv("ZHIYI_DB", dsn) // as zhiyi serve takes it
	if code, stdout, _ = runCLI(t, "", "report", "--since", "2026-11-02", "--until", "2026-11-04"); code != 0 || !strings.Contains(stdout, "4 messages") {
		t.Errorf("report with ZHIYI_DB: exit %d\n%s", code, stdout)
	}
}
