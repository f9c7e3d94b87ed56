package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/experiment"
	"github.com/zhiyi-ai/zhiyi/index"
	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/internal/absim"
	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
	"github.com/zhiyi-ai/zhiyi/store"
)

// simLog writes the A/B simulation's decision log (track_parcel, seed 1) until both variants
// have rated ratings; aa rates both like the control.
func simLog(t *testing.T, rated int64, aa bool) string {
	t.Helper()
	kb, err := index.LoadKB(filepath.Join(shopDir, "kb.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := absim.LoadHoldout(filepath.Join(shopDir, "holdout", "holdout_2026-11.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	set, err := experiment.New(experiment.Config{KB: kb})
	if err != nil {
		t.Fatal(err)
	}
	arms := map[string]absim.Arm{"track_parcel.a": absim.Control, "track_parcel.b": absim.Better}
	if aa {
		arms["track_parcel.b"] = absim.Control
	}
	path := filepath.Join(t.TempDir(), "decisions.jsonl")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := absim.NewLogWriter(f)
	absim.Run(msgs, absim.Config{Set: set, Experiment: "track_parcel", Arms: arms, Seed: 1, Rated: rated}, w.Write)
	if err := errors.Join(w.Flush(), f.Close()); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestABSimulatedLog: zhiyi ab on the simulation's log, at the sample size the simulation's
// report asks for (206 ratings a variant, experiment/sim_test.go), calls the better variant
// significant; on an A/A log of the same size it does not.
func TestABSimulatedLog(t *testing.T) {
	kb := filepath.Join(shopDir, "kb.yaml")
	code, stdout, stderr := runCLI(t, "", "ab", "--kb", kb, "--log", simLog(t, 206, false), "--experiment", "track_parcel")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "no --experiments (env ZHIYI_EXPERIMENTS): the variants and weights are kb.yaml's") {
		t.Errorf("without an experiments file, no word that the weights are kb.yaml's:\n%s", stderr)
	}
	for _, want := range []string{
		"track_parcel  (control track_parcel.a; α = 0.05)",
		"track_parcel.a (control)  50%    768     228    3.86 [3.71, 4.02]",
		"track_parcel.b            50%    675     206    4.32 [4.19, 4.45]",
		"rating    +0.45 (Welch's t = 4.35, df = 424.0, p = 1.7e-05) significant at 0.05",
		"verdict: track_parcel.b rates higher than the control (+0.45, p = 1.7e-05)",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}

	code, stdout, stderr = runCLI(t, "", "ab", "--kb", kb, "--log", simLog(t, 206, true), "--experiment", "track_parcel", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// Undefined numbers are written as null: decode into pointers where they may be.
	var loose struct {
		Experiments []struct {
			Experiment string `json:"experiment"`
			Verdict    string `json:"verdict"`
			Variants   []struct {
				ID        string `json:"id"`
				Rated     int64  `json:"rated"`
				VsControl *struct {
					Rating struct {
						Test        string   `json:"test"`
						P           *float64 `json:"p"`
						Significant bool     `json:"significant"`
					} `json:"rating"`
				} `json:"vs_control"`
			} `json:"variants"`
		} `json:"experiments"`
	}
	if err := json.Unmarshal([]byte(stdout), &loose); err != nil {
		t.Fatalf("JSON: %v\n%s", err, stdout)
	}
	if len(loose.Experiments) != 1 || len(loose.Experiments[0].Variants) != 2 {
		t.Fatalf("JSON %s", stdout)
	}
	b := loose.Experiments[0].Variants[1]
	if b.Rated < 206 || b.VsControl == nil || b.VsControl.Rating.Test != "welch_t" || b.VsControl.Rating.Significant || b.VsControl.Rating.P == nil {
		t.Errorf("A/A: %+v (verdict %q)", b, loose.Experiments[0].Verdict)
	}
}

// fakeResults is an abResults that records its query.
type fakeResults struct {
	res experiment.Results
	got abQuery
}

func (f *fakeResults) read(_ context.Context, q abQuery) (experiment.Outcomes, error) {
	f.got = q
	return allOutcomes(f.res), nil
}

// allOutcomes are Results without times or routes: every Select gives them all.
type allOutcomes experiment.Results

func (a allOutcomes) Select(experiment.Filter) experiment.Results { return experiment.Results(a) }

const abKBText = `shop: 测试店
version: 1
intents:
  - id: hurry_shipment
    label: 催发货
    category: 咨询
    priority: 2
    examples: [怎么还不发货]
    answers:
      - {id: hurry_shipment.a, text: 亲，正在帮您查询。}
      - {id: hurry_shipment.b, text: 亲，马上催仓库确认。, gray: 72h}
      - {id: hurry_shipment.c, text: 亲，已经在催了。}
  - id: greeting
    label: 问候
    category: 咨询
    priority: 3
    examples: [在吗]
    answers:
      - {id: greeting.a, text: 亲，在的。}
`

// TestABReportFakeSource: the report from a source of per-variant counts — the seam the store
// plugs into — in text and JSON, with the experiments file's exclusions passed to the source.
func TestABReportFakeSource(t *testing.T) {
	kb, err := index.ParseKB([]byte(abKBText), "kb.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ov, err := experiment.ParseOverrides([]byte("version: 1\nexclude_senders: [wmBoss, wmTest]\nstop: [hurry_shipment.c]\n"), "experiments.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res := experiment.Results{}
	for i := range 300 {
		res.Add("hurry_shipment.a", experiment.Outcome{Rating: 3 + i%3, Resolved: experiment.ResolvedYes, Repeat: i%8 == 0})
		res.Add("hurry_shipment.b", experiment.Outcome{Rating: 4 + i%2, Resolved: experiment.ResolvedYes, Repeat: i%12 == 0})
	}
	res.Add("hurry_shipment.c", experiment.Outcome{})
	created := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	since := created.Add(-24 * time.Hour)
	src := &fakeResults{res: res}
	var stdout, stderr bytes.Buffer
	in := abInput{KB: kb, Created: created, Overrides: ov, Since: since, Now: created.Add(time.Hour)}
	if err := abReport(context.Background(), in, src.read, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !src.got.Since.Equal(since) || strings.Join(src.got.Exclude, ",") != "wmBoss,wmTest" {
		t.Errorf("source got %+v", src.got)
	}
	text := stdout.String()
	for _, want := range []string{
		"hurry_shipment  (control hurry_shipment.a; α = 0.05, 0.025 per comparison (Bonferroni over 2 variants))",
		"hurry_shipment.a (control)  50%       300     300    4.00 [3.91, 4.09]  100.0% [98.7%, 100.0%]  12.7% [9.4%, 16.9%]\n",
		"hurry_shipment.b            50% gray  300",
		"hurry_shipment.c            stopped   1       0      –                  –                       0.0% [0.0%, 79.3%]\n",
		"hurry_shipment.b: gray until 2026-12-04 08:00 CST: suggested to agents only",
		"rating    +0.50 (Welch's t = ",
		"significant at 0.025",
		"resolved  +0.0 pts (two-proportion z: identical, p = 1.0000) not significant at 0.025",
		"repeats   -4.3 pts (two-proportion z = -1.73, p = 0.0834) not significant at 0.025; planned: 859 served answers a variant for 80 % power at a difference of 5.0 pts (has 300)",
		"verdict: hurry_shipment.b rates higher than the control",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "greeting") {
		t.Error("a single-answer intent is reported")
	}

	stdout.Reset()
	in.JSON, in.Only = true, "hurry_shipment"
	if err := abReport(context.Background(), in, src.read, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	var doc map[string][]map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil {
		t.Fatalf("JSON: %v\n%s", err, stdout.String())
	}
	if exps := doc["experiments"]; len(exps) != 1 || exps[0]["experiment"] != "hurry_shipment" || exps[0]["comparisons"] != 2.0 {
		t.Errorf("JSON %s", stdout.String())
	}
	if !strings.Contains(stdout.String(), `"gray_until": "2026-12-04T00:00:00Z"`) || !strings.Contains(stdout.String(), `"test": "two_proportion_z"`) {
		t.Errorf("JSON lacks gray_until or the test name:\n%s", stdout.String())
	}

	in.Only = "greeting"
	if err := abReport(context.Background(), in, src.read, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), `no experiment "greeting" (intents with several answers: hurry_shipment)`) {
		t.Errorf("single-answer intent: %v", err)
	}
}

// TestABModel: --model reads the bundle's kb.yaml and starts gray periods at its creation.
func TestABModel(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, intent.KBFile), []byte(abKBText), 0o644); err != nil {
		t.Fatal(err)
	}
	created := time.Now().Add(-100 * time.Hour).UTC().Truncate(time.Second)
	if err := intent.WriteManifest(dir, &intent.Manifest{FormatVersion: intent.FormatVersion, Name: "t", CreatedAt: created}); err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(t.TempDir(), "empty.jsonl")
	if err := os.WriteFile(log, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "", "ab", "--model", dir, "--log", log)
	if code != 0 || !strings.Contains(stdout, "hurry_shipment.b: gray: period over, waiting for ratings (0 of 30") ||
		!strings.Contains(stdout, "verdict: no ratings to compare yet") {
		t.Errorf("exit %d\n%s\n%s", code, stdout, stderr)
	}
}

func TestABErrors(t *testing.T) {
	dir := t.TempDir()
	kb := filepath.Join(shopDir, "kb.yaml")
	bad := filepath.Join(dir, "bad.jsonl")
	if err := os.WriteFile(bad, []byte(`{"d":{"msg_id":"m1","variant":"track_parcel.a","time":"2026-11-01T00:00:00Z"}}`+"\n{oops\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	long := filepath.Join(dir, "long.jsonl")
	if err := os.WriteFile(long, []byte(`{"d":{"msg_id":"m1","variant":"track_parcel.a"}}`+"\n"+`{"f":{"msg_id":"m1","comment":"`+strings.Repeat("x", 2<<20)+`"}}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	neither := filepath.Join(dir, "neither.jsonl")
	if err := os.WriteFile(neither, []byte(`{"x":1}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	exps := filepath.Join(dir, "experiments.yaml")
	if err := os.WriteFile(exps, []byte("version: 1\nstop: [nope.b]\nstopp: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"ab", "--kb", kb, "--data-dir", filepath.Join(dir, "nolog")}, 1, "no decision log at " + filepath.Join(dir, "nolog", "zhiyi.db")},
		{[]string{"ab", "--kb", kb, "--db", "mysql://x"}, 1, `unsupported database URL "mysql://x"`},
		{[]string{"ab", "--kb", kb, "--log", bad, "--db", "x"}, 2, "not both"},
		{[]string{"ab", "--kb", kb, "--log", bad}, 1, bad + ":2: invalid character"},
		{[]string{"ab", "--kb", kb, "--log", neither}, 1, neither + ":1: neither a decision"},
		{[]string{"ab", "--kb", kb, "--log", long}, 1, long + ":2: "}, // the line too long to read
		{[]string{"ab", "--kb", kb, "--log", filepath.Join(dir, "missing.jsonl")}, 1, "no such file"},
		{[]string{"ab", "--kb", kb, "--log", neither, "--since", "yesterday"}, 1, `--since: "yesterday": want a duration such as 30d`},
		{[]string{"ab", "--kb", kb, "--log", neither, "--experiments", exps}, 1, exps + ":3: unknown field stopp"},
		{[]string{"ab", "--kb", kb, "--log", neither, "--experiment", "nope"}, 1, `no experiment "nope"`},
		{[]string{"ab", "--model", filepath.Join(dir, "nomodel"), "--log", neither}, 1, "not a model bundle"},
		{[]string{"ab", "--log", neither}, 1, "the experiments of models/shop (the default; give --model"},
		// --kb instead of --model: both given, the bundle (and the start of its gray periods) was
		// silently dropped
		{[]string{"ab", "--model", filepath.Join(dir, "nomodel"), "--kb", kb, "--log", neither}, 2, "give --model or --kb, not both"},
	}
	for _, tt := range tests {
		code, _, stderr := runCLI(t, "", tt.args...)
		if code != tt.code || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q, want %d and %q", tt.args, code, stderr, tt.code, tt.want)
		}
	}
}

// TestABSince: --since drops older decisions (and their feedback with them).
func TestABSince(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.jsonl")
	lines := `{"d":{"msg_id":"old","time":"2026-10-01T00:00:00Z","sender":"s1","variant":"track_parcel.a"}}
{"d":{"msg_id":"new","time":"2026-11-02T00:00:00Z","sender":"s2","variant":"track_parcel.b","repeat":true}}
{"d":{"msg_id":"boss","time":"2026-11-02T00:00:00Z","sender":"wmBoss","variant":"track_parcel.b"}}
{"f":{"msg_id":"old","rating":1,"time":"2026-10-01T00:01:00Z"}}
{"f":{"msg_id":"new","rating":4,"time":"2026-11-02T00:01:00Z"}}

`
	if err := os.WriteFile(path, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := logResults([]string{path})(context.Background(), abQuery{Since: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Exclude: []string{"wmBoss"}})
	if err != nil {
		t.Fatal(err)
	}
	res := out.Select(experiment.Filter{})
	want := experiment.Counts{Served: 1, Rated: 1, RatingSum: 4, RatingSumSq: 16, Repeats: 1, NewSenders: &experiment.DayCounts{"2026-11-02": 1}}
	if len(res) != 1 || !reflect.DeepEqual(res["track_parcel.b"], want) {
		t.Errorf("results %+v", res)
	}
}

// TestGrayRefreshReadsFromTheGrayStartWithoutExcludedSenders: zhiyi serve's gray-release
// refresh judges a gray answer on the ratings since its gray start (not an earlier bundle's
// answer of the same id), without the experiments file's excluded senders (as zhiyi ab), and
// against the control's answers suggested to agents.
func TestGrayRefreshReadsFromTheGrayStartWithoutExcludedSenders(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	kb, err := index.ParseKB([]byte(abKBText), "kb.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ov, err := experiment.ParseOverrides([]byte("version: 1\nexclude_senders: [wmBoss]\n"), "experiments.yaml")
	if err != nil {
		t.Fatal(err)
	}
	created := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	w := &wiring{db: db, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	w.exps.Now = func() time.Time { return created.Add(73 * time.Hour) }
	if err := w.exps.SetOverrides(ov); err != nil {
		t.Fatal(err)
	}
	if _, err := w.exps.SetKB(kb, created); err != nil {
		t.Fatal(err)
	}
	var ds []store.Decision
	var fs []store.Feedback
	add := func(variant, sender, route string, at time.Time, n int, stars ...int) {
		for i := range n {
			id := fmt.Sprintf("m%d", len(ds))
			s := sender
			if s == "" {
				s = fmt.Sprintf("wm%d", len(ds))
			}
			ds = append(ds, store.Decision{MsgID: id, Time: at, SenderHash: db.Hash(s), Text: "怎么还不发货", Intent: "hurry_shipment",
				Confidence: 0.9, Route: route, AnswerID: variant, Variant: variant})
			fs = append(fs, store.Feedback{MsgID: id, Rating: stars[i%len(stars)], Time: at.Add(time.Minute)})
		}
	}
	in := created.Add(time.Hour)
	add("hurry_shipment.b", "", store.RouteSuggest, created.Add(-48*time.Hour), 50, 1) // an earlier bundle's answer of that id
	add("hurry_shipment.b", "wmBoss", store.RouteSuggest, in, 100, 1)                  // excluded
	add("hurry_shipment.b", "", store.RouteSuggest, in, 150, 4, 5)
	add("hurry_shipment.a", "", store.RouteSuggest, in, 150, 3, 4, 5)
	if _, err := db.AppendDecisions(ctx, ds); err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if err := db.AddFeedback(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	// An outage of the log (a closed database stands for one) is said once, then once more when
	// it ends: the refresh runs every 5 minutes, and repeated every time the warning was noise.
	// A refresh cut short by shutdown (its context cancelled) is no outage: it says nothing.
	var logged testsvc.Buffer
	w.log = slog.New(slog.NewTextHandler(&logged, nil))
	stopping, cancel := context.WithCancel(ctx)
	cancel()
	w.refreshResults(stopping)
	if out := logged.String(); out != "" {
		t.Errorf("a refresh cancelled at shutdown logged:\n%s", out)
	}
	closed, err := store.Open(ctx, store.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	closed.Close()
	w.db = closed
	for range 3 {
		w.refreshResults(ctx)
	}
	w.refreshResults(stopping) // shutdown during the outage: neither a warning nor a recovery
	w.db = db
	w.refreshResults(ctx)
	if out := logged.String(); strings.Count(out, "level=WARN") != 1 || strings.Count(out, "level=INFO") != 1 ||
		!strings.Contains(out, "gray release's ratings could not be read") || !strings.Contains(out, "ratings are read again") {
		t.Errorf("an outage of three refreshes logged:\n%s\nwant one warning and one recovery", out)
	}
	v := w.exps.Current().Experiment("hurry_shipment").Variants[1]
	if v.Gray || !strings.Contains(v.GrayNote, "rated 4.50 (150) against the control's 4.00 (150), answers suggested to agents since 2026-12-01 08:00") {
		t.Errorf("gray %v: %s", v.Gray, v.GrayNote)
	}
}

// TestABNoExperiments: a knowledge base without an intent of several answers has no experiment;
// zhiyi ab says so instead of printing nothing (a new shop's first try at it).
func TestABNoExperiments(t *testing.T) {
	kb := filepath.Join(t.TempDir(), "kb.yaml")
	text := "shop: t\nversion: 1\nintents:\n  - id: a\n    label: 甲\n    category: 咨询\n    priority: 2\n" +
		"    examples: [包邮吗]\n    answers:\n      - id: a.a\n        text: 亲，满 99 元包邮。\n"
	if err := os.WriteFile(kb, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(t.TempDir(), "empty.jsonl")
	if err := os.WriteFile(log, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "", "ab", "--kb", kb, "--log", log)
	if code != 0 || !strings.Contains(stdout, "no A/B experiments") {
		t.Errorf("exit %d, stdout %q, stderr %q: want exit 0 and a line saying there is no experiment", code, stdout, stderr)
	}
	code, stdout, _ = runCLI(t, "", "ab", "--kb", kb, "--log", log, "--json")
	if code != 0 || strings.TrimSpace(stdout) != "{\n  \"experiments\": []\n}" {
		t.Errorf("--json: exit %d, stdout %q: want an empty list", code, stdout)
	}
}

// zhiyi ab reads the experiments file from ZHIYI_EXPERIMENTS as serve does: a variant serve
// stopped was reported at kb.yaml's weight.
func TestABReadsExperimentsFromEnv(t *testing.T) {
	exps := filepath.Join(t.TempDir(), "experiments.yaml")
	if err := os.WriteFile(exps, []byte("version: 1\nstopp: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ZHIYI_EXPERIMENTS", exps)
	code, _, stderr := runCLI(t, "", "ab", "--kb", filepath.Join(shopDir, "kb.yaml"), "--log", simLog(t, 10, false))
	if code != 1 || !strings.Contains(stderr, exps+":2: unknown field stopp") {
		t.Errorf("exit %d, stderr %q; want the file in ZHIYI_EXPERIMENTS read (and refused)", code, stderr)
	}
}

// After a retrain renamed an intent (shipping_time → dispatch_time) and an answer
// (return_goods.b → return_goods.c), the log's rows under the old ids were left out of every
// report without a word. zhiyi ab now names them, with what to do.
func TestABWarnsOfVariantsTheKBLacks(t *testing.T) {
	shopKB, err := os.ReadFile(filepath.Join(shopDir, "kb.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	renamed := strings.ReplaceAll(strings.ReplaceAll(string(shopKB), "shipping_time", "dispatch_time"), "id: return_goods.b", "id: return_goods.c")
	dir := t.TempDir()
	kb := filepath.Join(dir, "kb.yaml")
	if err := os.WriteFile(kb, []byte(renamed), 0o644); err != nil {
		t.Fatal(err)
	}
	var lines []string
	add := func(id, variant string) {
		lines = append(lines, fmt.Sprintf(`{"d":{"msg_id":%q,"sender":"s-%s","variant":%q,"time":"2026-11-01T00:00:00Z"}}`, id, id, variant))
	}
	for i := range 3 {
		add(fmt.Sprintf("old%d", i), "shipping_time.a")
	}
	add("oldb", "return_goods.b")
	add("newc", "return_goods.c")
	add("newa", "return_goods.a")
	log := filepath.Join(dir, "log.jsonl")
	if err := os.WriteFile(log, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, "", "ab", "--kb", kb, "--log", log)
	want := "warning: the log holds answers of 2 variant(s) no experiment of this knowledge base has, not counted below: shipping_time.a (3 served), return_goods.b (1 served)."
	if code != 0 || !strings.Contains(stderr, want) || !strings.Contains(stderr, "--model of the bundle that served them") {
		t.Errorf("exit %d, stderr:\n%s\nwant %q", code, stderr, want)
	}
	// The knowledge base that served them: nothing to say.
	code, _, stderr = runCLI(t, "", "ab", "--kb", filepath.Join(shopDir, "kb.yaml"), "--log", log)
	if code != 0 || strings.Contains(stderr, "shipping_time.a (") {
		t.Errorf("with the knowledge base that served them: exit %d, stderr:\n%s", code, stderr)
	}
}
