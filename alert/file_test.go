package alert

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"
)

const goodFile = `# zhiyi alerts
group_wait: 1s
targets:
  ops-robot:
    type: wecom
    url: https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${TEST_WECOM_KEY}
  hook:
    type: webhook
    url: http://127.0.0.1:9/alerts
  oncall:
    type: email
    smtp: smtp://u:pa$$w@127.0.0.1:2525?tls=none
    from: zhiyi@example.com
    to: ops@example.com, lead@example.com
rules:
  - id: unrecognised
    name: 未识别消息过多
    measure: unrecognised
    window: 10m
    threshold: 20
    cooldown: 30m
    severity: warning
    targets: [ops-robot]
  - id: handoff
    measure: handoff_share
    threshold: 40%
    min_count: 50
  - id: slow
    measure: p99_latency
    window: 1m
    threshold: 80ms
    cooldown: 0
    severity: critical
  - id: comments
    measure: comment_keywords
    keywords:
      - {category: staffing, label: 人手不足, words: [回复慢, 等太久, 没人理]}
      - category: delivery
        words:
          - 快递
          - 物流
`

func TestParseFile(t *testing.T) {
	t.Setenv("TEST_WECOM_KEY", "k-123")
	f, err := ParseFile("alerts.yaml", []byte(goodFile))
	if err != nil {
		t.Fatal(err)
	}
	if f.GroupWait != time.Second || len(f.Targets) != 3 || len(f.Rules) != 4 {
		t.Fatalf("file = %+v", f)
	}
	if w := f.Targets[0]; w.Name != "ops-robot" || w.Type != TypeWeCom || !strings.HasSuffix(w.URL, "key=k-123") || w.line != 4 {
		t.Errorf("wecom target = %+v", w)
	}
	if e := f.Targets[2].Email; e.SMTP != "smtp://u:pa$w@127.0.0.1:2525?tls=none" || len(e.To) != 2 || e.To[1] != "lead@example.com" {
		t.Errorf("email target = %+v", e)
	}
	r := f.Rules
	if r[0].Name != "未识别消息过多" || r[0].Threshold != 20 || r[0].Targets[0] != "ops-robot" || r[0].line != 16 {
		t.Errorf("rule 0 = %+v", r[0])
	}
	if r[1].Threshold != 0.4 || r[1].MinCount != 50 || r[1].Window != 10*time.Minute || r[1].Name != "转人工比例过高" {
		t.Errorf("rule 1 (defaults filled) = %+v", r[1])
	}
	if r[2].Threshold != 0.08 || r[2].Cooldown != 0 || r[2].Severity != SeverityCritical {
		t.Errorf("rule 2 = %+v", r[2])
	}
	if k := r[3].Keywords; len(k) != 2 || k[1].Label != "delivery" || k[1].Words[1] != "物流" {
		t.Errorf("rule 3 keywords = %+v", k)
	}
	if _, err := NewEvaluator(f.Rules); err != nil {
		t.Errorf("the parsed rules do not build: %v", err)
	}
}

func TestParseFileListsEveryProblemWithItsLine(t *testing.T) {
	src := `targets:
  robot:
    type: wecom
    url: https://qyapi.weixin.qq.com/cgi-bin/webhook/send
  mail:
    type: email
    smtp: smtp://x
  pager:
    type: sms
rules:
  - id: unrecognised
    measure: unrecognised
    window: ten minutes
    threshold: 20
  - id: handoff
    measure: handoff_share
    threshold: 150%
    colour: red
  - id: handoff
    measure: p99_latency
    threshold: fast
  - measure: spool
  - id: k
    measure: comment_keywords
    threshold: 3
    keywords:
      - {category: staffing}
  - id: share0
    measure: handoff_share
    min_count: 0
  - id: zeros
    measure: bad_ratings
    window: 0
    threshold: 0
    max_rating: 0
`
	_, err := ParseFile("alerts.yaml", []byte(src))
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v", err)
	}
	want := []string{
		"alerts.yaml:4: target robot: wecom robot URL https://qyapi.weixin.qq.com/cgi-bin/webhook/send: no key parameter",
		"alerts.yaml:5: target mail: from missing",
		"alerts.yaml:5: target mail: to missing",
		`alerts.yaml:9: target pager: type "sms": want wecom, webhook or email`,
		`alerts.yaml:13: rule unrecognised: window: "ten minutes": want a duration such as 30s, 10m or 1h`,
		`alerts.yaml:17: rule handoff: threshold: 1.5: a share must be in (0, 1]`,
		`alerts.yaml:18: rule at line 15: unknown key "colour"`,
		`alerts.yaml:21: rule handoff: threshold "fast": want a duration such as 50ms`,
		`alerts.yaml:19: rule handoff: id already used at line 15`,
		"alerts.yaml:22: rule: id missing",
		"alerts.yaml:25: rule k: threshold: measure comment_keywords fires on a matching comment and takes none",
		"alerts.yaml:27: rule k: keywords: words missing",
		"alerts.yaml:30: rule share0: min_count 0: want 1 or more",
		"alerts.yaml:33: rule zeros: window 0: want a length such as 10m",
		"alerts.yaml:34: rule zeros: threshold 0 would fire on anything: want more than 0",
		"alerts.yaml:35: rule zeros: max_rating 0: ratings are 1 to 5",
	}
	msg := err.Error()
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("error lacks %q", w)
		}
	}
	if len(ce.Problems) != len(want) {
		t.Errorf("%d problems, want %d", len(ce.Problems), len(want))
	}
	if t.Failed() {
		t.Logf("error:\n%s", msg)
	}
}

func TestParseFileSyntaxAndEnv(t *testing.T) {
	_, err := ParseFile("a.yaml", []byte("rules:\n  - id: x\n\tmeasure: spool\n"))
	if err == nil || !strings.Contains(err.Error(), "a.yaml:3: a tab in the indentation: YAML indents with spaces only (found a tab character that violates indentation)") {
		t.Errorf("YAML syntax error: %v, want a.yaml:3, the tab's line", err)
	}
	_, err = ParseFile("a.yaml", []byte("targets:\n  r:\n    type: wecom\n    url: https://h/?key=${TEST_UNSET_ALERT_KEY}\n"))
	if err == nil || !strings.Contains(err.Error(), "a.yaml:4: target r: url: environment variable TEST_UNSET_ALERT_KEY is not set") {
		t.Errorf("unset env: %v", err)
	}
	_, err = ParseFile("a.yaml", []byte("- 1\n"))
	if err == nil || !strings.Contains(err.Error(), "a.yaml:1: file: want a mapping") {
		t.Errorf("a list at the top: %v", err)
	}
	_, err = ParseFile("a.yaml", nil)
	if err == nil || !strings.Contains(err.Error(), "a.yaml: empty file") {
		t.Errorf("empty: %v", err)
	}
}

func TestLoadFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "alerts.yaml")
	if err := os.WriteFile(path, []byte("targets:\n  hook: {type: webhook, url: 'http://127.0.0.1:9/'}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := LoadFile(path)
	if err != nil || f.Rules != nil || len(f.Targets) != 1 {
		t.Fatalf("LoadFile = %+v, %v (no rules section: Rules nil, so the defaults apply)", f, err)
	}
	if _, err := LoadFile(filepath.Join(t.TempDir(), "missing.yaml")); err == nil || !strings.Contains(err.Error(), "cannot read") {
		t.Errorf("missing file: %v", err)
	}
}

// Keyword words typed with a Chinese keyboard: a line separated by ，、； is split as one
// separated by commas is (it was read as one word and matched no comment); a YAML item holding
// a separator is refused with its line; a threshold that is not a number is refused.
func TestParseFileChineseSeparatorsAndNaN(t *testing.T) {
	const head = "targets:\n  hook: {type: webhook, url: \"http://127.0.0.1:9/x\"}\nrules:\n"
	keywords := func(words string) []byte {
		return []byte(head + "  - id: comments\n    measure: comment_keywords\n    keywords:\n      - {category: staffing, label: 人手不足, words: " + words + "}\n")
	}
	for _, words := range []string{"回复慢，等太久、没人理", "回复慢;等太久；没人理"} {
		f, err := ParseFile("alerts.yaml", keywords(words))
		if err != nil {
			t.Fatalf("words: %s: %v", words, err)
		}
		if got := f.Rules[0].Keywords[0].Words; !slices.Equal(got, []string{"回复慢", "等太久", "没人理"}) {
			t.Errorf("words: %s read as %q, want three words", words, got)
		}
		ev, err := NewEvaluator(f.Rules)
		if err != nil {
			t.Fatal(err)
		}
		if got := ev.Observe(nil, Event{Kind: KindFeedback, Time: t0.Add(time.Second), Rating: 1, Comment: "客服回复慢"}); len(got) != 1 {
			t.Errorf("words: %s: the comment 客服回复慢 fired %d alerts, want 1", words, len(got))
		}
	}
	for _, tc := range []struct{ data, want string }{
		{string(keywords("[回复慢、等太久]")), `alerts.yaml:7: rule comments: keywords: group 1 (staffing): "回复慢、等太久" holds a separator`},
		{head + "  - {id: h, measure: handoff_share, threshold: NaN}\n", "alerts.yaml:4: rule h: threshold: NaN: want a number"},
	} {
		if _, err := ParseFile("alerts.yaml", []byte(tc.data)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to say %q", tc.data, err, tc.want)
		}
	}
}

// A rule id, a keyword category or a target name holding a phone, ID or bank card number is
// refused, naming it masked (the error is logged): it is a label of /metrics, a field of the log's lines and part of every
// alert, which hold no personal data (a rules.yaml id holding one is refused the same way).
// Before, "oncall-13812345678" loaded and showed in zhiyi_alert_fired_total{rule=…}.
func TestPersonalDataInNamesRefused(t *testing.T) {
	src := `rules:
  - {id: oncall-13812345678, measure: unrecognised, window: 10m, threshold: 20}
  - id: comments
    measure: comment_keywords
    keywords:
      - {category: vip-6222021234567890128, words: [回复慢]}
  - {id: double11-20261111, measure: bad_ratings, window: 30m, threshold: 3}
`
	_, err := ParseFile("alerts.yaml", []byte(src))
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want the personal data in an id and a category reported", err)
	}
	msg := err.Error()
	for _, want := range []string{"alerts.yaml:2:", "oncall-<PHONE>", "alerts.yaml:6:", "vip-<BANKCARD>", "personal data"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the error lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "13812345678") || strings.Contains(msg, "6222021234567890128") {
		t.Errorf("the error repeats the numbers it refuses into the log:\n%s", msg)
	}
	if strings.Contains(msg, "double11-20261111") {
		t.Errorf("a campaign's id with a date was refused:\n%s", msg)
	}
	_, err = New(Config{Logger: slog.New(slog.DiscardHandler), Metrics: metrics.NewSet(),
		Targets: []Target{{Name: "oncall-13812345678", Notifier: NotifierFunc(func(context.Context, []Alert) error { return nil })}}})
	if err == nil || !strings.Contains(err.Error(), "personal data") || strings.Contains(err.Error(), "13812345678") {
		t.Errorf("a target named with a phone number: %v, want it refused, the number masked", err)
	}
}
