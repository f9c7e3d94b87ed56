package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const fixture = "../../intent/testdata/shop"

func runCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestUsage(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "Commands:"},
		{[]string{"help"}, 0, "Commands:"},
		{[]string{"nope"}, 2, `unknown command "nope"`},
		{[]string{"train"}, 2, "--out and --data (or, with no chats yet, --kb) are required"},
		{[]string{"train", "--out", "m"}, 2, "--out and --data (or, with no chats yet, --kb) are required"},
		{[]string{"train", "--bogus"}, 2, "flag provided but not defined"},
		// a bad value is one line and where the flags are, not every flag
		{[]string{"serve", "--concurrency", "abc"}, 2, "invalid value \"abc\" for flag -concurrency: parse error\nzhiyi serve: run 'zhiyi serve -h' for its flags\n"},
		{[]string{"serve", "--spool-max", "10XB"}, 2, "want a size such as 256MiB"},
		{[]string{"serve", "-h"}, 0, "Usage: zhiyi serve"},
		{[]string{"report", "--json=maybe"}, 2, "invalid boolean value \"maybe\" for -json: parse error\nzhiyi report: run 'zhiyi report -h' for its flags\n"},
		{[]string{"ab", "--since"}, 2, "flag needs an argument: -since\nzhiyi ab: run 'zhiyi ab -h' for its flags\n"},
		{[]string{"report", "-h"}, 0, "Usage: zhiyi report"},
		{[]string{"lint", "--bogus"}, 2, "flag provided but not defined: -bogus\nzhiyi lint: run 'zhiyi lint -h' for its flags\n"},
		{[]string{"lint", "-h"}, 0, "Usage: zhiyi lint"},
		{[]string{"eval", "--model", "x"}, 2, "--model and --data are required"},
		{[]string{"predict"}, 2, "zhiyi predict: --model is required\nUsage: zhiyi predict --model DIR"},
		// every command's -h opens with its synopsis, the required flags named, not the flag package's "Usage of"
		{[]string{"train", "-h"}, 0, "Usage: zhiyi train [--data"},
		{[]string{"eval", "-h"}, 0, "Usage: zhiyi eval --model DIR --data"},
		{[]string{"predict", "-h"}, 0, "Usage: zhiyi predict --model DIR"},
		{[]string{"cluster", "-h"}, 0, "Usage: zhiyi cluster --model DIR --data"},
		{[]string{"learn", "-h"}, 0, "Usage: zhiyi learn --model DIR"},
		{[]string{"rollback", "-h"}, 0, "Usage: zhiyi rollback --model DIR"},
		{[]string{"shorthand", "-h"}, 0, "Usage: zhiyi shorthand --data"},
		{[]string{"unmatched", "-h"}, 0, "Usage: zhiyi unmatched"},
		{[]string{"ab", "-h"}, 0, "Usage: zhiyi ab"},
		{[]string{"eval", "--model", filepath.Join(os.TempDir(), "no-such-bundle"), "--data", fixture}, 1, "no such directory (not a model bundle"},
		// the bundle name is checked before training, not after
		{[]string{"train", "--data", fixture, "--out", filepath.Join(os.TempDir(), "my shop")}, 1, "--name"},
		{[]string{"train", "--data", fixture, "--out", filepath.Join(os.TempDir(), "m"), "--name", "evil\"<x>"}, 1, "bundle name"},
	}
	for _, tt := range tests {
		code, _, stderr := runCLI(t, "", tt.args...)
		if code != tt.code || !strings.Contains(stderr, tt.want) {
			t.Errorf("zhiyi %v: exit %d, stderr %q; want exit %d mentioning %q", tt.args, code, stderr, tt.code, tt.want)
		}
		if tt.code == 2 && len(tt.args) > 1 && (tt.args[0] == "serve" || tt.args[0] == "report" || tt.args[0] == "ab" || tt.args[0] == "lint") && strings.Count(stderr, "\n") > 2 {
			t.Errorf("zhiyi %v: a bad value printed every flag:\n%s", tt.args, stderr)
		}
	}
}

// Secrets given through the environment, as the docs advise, stay out of -h: it printed them as
// the flags' defaults.
func TestHelpHidesSecrets(t *testing.T) {
	secrets := map[string]string{
		"ZHIYI_ADMIN_TOKEN":   "admin-S3cret",
		"ZHIYI_HASH_KEY":      "hash-S3cret",
		"ZHIYI_DB":            "postgres://u:db-S3cret@db.example.com/zhiyi",
		"ZHIYI_REDIS":         "redis://:redis-S3cret@cache.example.com:6379/0",
		"ZHIYI_ALERT_WEBHOOK": "https://hooks.example.com/hook-S3cret",
		"ZHIYI_ALERT_WECOM":   "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=wecom-S3cret",
		"ZHIYI_ALERT_SMTP":    "smtp://alert:smtp-S3cret@smtp.example.com:587",
	}
	for k, v := range secrets {
		t.Setenv(k, v)
	}
	for _, cmd := range []string{"serve", "report", "unmatched", "learn", "ab"} {
		_, _, stderr := runCLI(t, "", cmd, "-h")
		if strings.Contains(stderr, "S3cret") {
			t.Errorf("zhiyi %s -h shows a secret:\n%s", cmd, stderr)
		}
	}
	if _, _, stderr := runCLI(t, "", "serve", "-h"); !strings.Contains(stderr, "(set from the environment; not shown)") {
		t.Errorf("zhiyi serve -h does not say the secrets are set:\n%s", stderr)
	}
}

// The ready line's example is the bundle's own first example question, quoted for the shell.
func TestTryText(t *testing.T) {
	dir := t.TempDir()
	kb := "intents:\n  - id: human\n    label: 人工\n    category: 咨询\n    priority: 1\n    handoff: true\n    examples: [转人工]\n    answers: [{id: human.a, text: 好的}]\n" +
		"  - id: bb_new_install\n    label: 新装宽带\n    category: 咨询\n    priority: 2\n    examples: [\"宽带怎么办理 it's\"]\n    answers: [{id: bb.a, text: 请提供地址}]\n"
	if err := os.WriteFile(filepath.Join(dir, "kb.yaml"), []byte(kb), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, want := tryText(dir), `"宽带怎么办理 it’s"`; got != want {
		t.Errorf("tryText = %s, want %s", got, want)
	}
	if got := tryText(t.TempDir()); got != `"你好"` {
		t.Errorf("without a knowledge base: %s", got)
	}
}

// TestTrainEvalPredict runs the three data commands end to end on the small fixture shop.
func TestTrainEvalPredict(t *testing.T) {
	out := filepath.Join(t.TempDir(), "m")
	// what a zhiyi train killed an hour ago left beside --out
	stale := filepath.Join(filepath.Dir(out), ".m.tmp-123")
	if err := os.MkdirAll(filepath.Join(stale, "dict"), 0o755); err != nil {
		t.Fatal(err)
	}
	then := time.Now().Add(-time.Hour)
	if err := os.Chtimes(stale, then, then); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, "", "train", "--data", filepath.Join(fixture, "data.jsonl"), "--kb", filepath.Join(fixture, "kb.yaml"),
		"--dict", filepath.Join(fixture, "dict"), "--out", out, "--dev-days", "7")
	if code != 0 {
		t.Fatalf("train: exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(stale); err == nil {
		t.Errorf("train left the stale %s", stale)
	}
	for _, want := range []string{"removed " + stale, "import:", "split:", "epoch", "calibration:", "wrote " + out} {
		if !strings.Contains(stderr, want) {
			t.Errorf("train progress lacks %q:\n%s", want, stderr)
		}
	}
	html := filepath.Join(t.TempDir(), "r.html")
	code, stdout, stderr := runCLI(t, "", "eval", "--model", out, "--data", filepath.Join(fixture, "data.jsonl"), "--json", "--html", html)
	if code != 0 {
		t.Fatalf("eval: exit %d\n%s", code, stderr)
	}
	var metrics map[string]float64
	if err := json.Unmarshal([]byte(stdout), &metrics); err != nil {
		t.Fatalf("eval --json printed %q: %v", stdout, err)
	}
	for _, k := range []string{"accuracy", "macro_f1", "auto_coverage", "auto_precision", "oos_precision", "oos_recall"} {
		if _, ok := metrics[k]; !ok {
			t.Errorf("eval --json lacks %q: %v", k, metrics)
		}
	}
	if metrics["accuracy"] < 0.5 {
		t.Errorf("accuracy %.3f on the training data itself", metrics["accuracy"])
	}
	if st, err := os.Stat(html); err != nil || st.Size() == 0 {
		t.Errorf("eval --html wrote nothing: %v", err)
	}
	code, _, stderr = runCLI(t, "", "eval", "--model", out, "--data", filepath.Join(fixture, "data.jsonl"), "--adapt-priors")
	if code != 0 || !strings.Contains(stderr, "intent mix re-estimated") || !strings.Contains(stderr, "accuracy") {
		t.Errorf("eval --adapt-priors: exit %d\n%s", code, stderr)
	}
	// A gold label the model does not have is left out with its file and line, not scored as a
	// miss; a --labels line that corrects it counts.
	dir := t.TempDir()
	bad, fix := filepath.Join(dir, "bad.jsonl"), filepath.Join(dir, "fix.jsonl")
	if err := os.WriteFile(bad, []byte("{\"msgid\":\"m1\",\"text\":\"我要退货\",\"intent\":\"retrun_goods\"}\n{\"msgid\":\"m2\",\"text\":\"东西不要了怎么寄回去\",\"intent\":\"退货\"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fix, []byte("{\"msgid\":\"m2\",\"intent\":\"return_goods\"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runCLI(t, "", "eval", "--model", out, "--data", bad, "--labels", fix, "--json")
	if code != 0 || !strings.Contains(stderr, bad+":1: unknown intent \"retrun_goods\"") || strings.Contains(stderr, bad+":2:") ||
		!strings.Contains(stderr, "n=1") {
		t.Errorf("eval with an unknown gold intent, another corrected by --labels: exit %d\n%s", code, stderr)
	}
	// A report written into the bundle would break its manifest: refused, bundle untouched.
	for _, flag := range []string{"--html", "--out"} {
		code, _, stderr = runCLI(t, "", "eval", "--model", out, "--data", filepath.Join(fixture, "data.jsonl"), flag, filepath.Join(out, "report2"))
		if code != 1 || !strings.Contains(stderr, "inside the model bundle") {
			t.Errorf("eval %s into the bundle: exit %d\n%s", flag, code, stderr)
		}
		if _, err := os.Stat(filepath.Join(out, "report2")); err == nil {
			t.Errorf("eval %s wrote into the bundle", flag)
		}
	}

	lines := "我要退货\n\n在吗\n发票怎么开 13812345678\n"
	code, stdout, stderr = runCLI(t, lines, "predict", "--model", out)
	if code != 0 {
		t.Fatalf("predict: exit %d\n%s", code, stderr)
	}
	sc := bufio.NewScanner(strings.NewReader(stdout))
	n := 0
	for sc.Scan() {
		var res struct {
			Intent string `json:"intent"`
			Route  string `json:"route"`
		}
		if err := json.Unmarshal(sc.Bytes(), &res); err != nil || res.Route == "" {
			t.Errorf("predict line %d = %q: %v", n+1, sc.Text(), err)
		}
		n++
	}
	if n != 4 {
		t.Errorf("predict printed %d lines for 4 input lines", n)
	}
	if strings.Contains(stdout, "13812345678") {
		t.Error("predict output contains an unmasked phone number")
	}
}
