package alert

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFlagsRegister(t *testing.T) {
	t.Setenv("ZHIYI_ALERT_WECOM", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=env")
	var f Flags
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	f.RegisterFlags(fs)
	if err := fs.Parse([]string{"--alert-webhook", "http://127.0.0.1:9/hook", "--alert-email-to", "a@example.com,b@example.com"}); err != nil {
		t.Fatal(err)
	}
	if f.Webhook != "http://127.0.0.1:9/hook" || !strings.HasSuffix(f.WeCom, "key=env") || f.EmailTo != "a@example.com,b@example.com" || !f.Enabled() {
		t.Fatalf("flags = %+v", f)
	}
	if (Flags{}).Enabled() {
		t.Fatal("zero Flags enabled")
	}
	for _, name := range []string{"alerts", "alert-webhook", "alert-wecom", "alert-smtp", "alert-email-from", "alert-email-to"} {
		if fs.Lookup(name) == nil {
			t.Errorf("flag --%s not registered", name)
		}
	}
}

func TestFlagsWebhookAloneAppliesTheDefaultRules(t *testing.T) {
	cfg, err := Flags{Webhook: "http://127.0.0.1:9/hook"}.Config()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Rules != nil || len(cfg.Targets) != 1 || cfg.Targets[0].Name != "webhook" || cfg.Targets[0].Type != TypeWebhook {
		t.Fatalf("config = %+v", cfg)
	}
	cfg.Logger = testLogger(t)
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close(context.Background())
	if got, want := len(a.Rules()), len(DefaultRules()); got != want {
		t.Fatalf("%d rules, want the %d defaults", got, want)
	}
	cfg, err = Flags{WeCom: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"}.Config()
	if err != nil || cfg.Targets[0].Name != "wecom" || cfg.Targets[0].Type != TypeWeCom {
		t.Fatalf("--alert-wecom: %+v, %v", cfg, err)
	}
}

func TestFlagsEmail(t *testing.T) {
	cfg, err := Flags{SMTP: "smtp://u:p@127.0.0.1:2525", EmailFrom: "zhiyi@example.com", EmailTo: "a@example.com, b@example.com"}.Config()
	if err != nil {
		t.Fatal(err)
	}
	if e := cfg.Targets[0]; e.Name != "email" || e.Type != TypeEmail || len(e.Email.To) != 2 || e.Email.To[1] != "b@example.com" {
		t.Fatalf("email target = %+v", e)
	}
}

func TestFlagsProblems(t *testing.T) {
	_, err := Flags{WeCom: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send", SMTP: "smtp://h", Webhook: "ftp://x"}.Config()
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v", err)
	}
	for _, w := range []string{
		"--alert-webhook: webhook URL",
		"--alert-wecom: wecom robot URL https://qyapi.weixin.qq.com/cgi-bin/webhook/send: no key parameter",
		"--alert-smtp needs --alert-email-from and --alert-email-to",
	} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q:\n%v", w, err)
		}
	}
	if _, err := (Flags{EmailTo: "a@example.com"}).Config(); err == nil || !strings.Contains(err.Error(), "need --alert-smtp") {
		t.Errorf("--alert-email-to alone: %v", err)
	}
	// A robot key in a flag never shows in the error.
	_, err = Flags{WeCom: "qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SECRET"}.Config()
	if err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("bad robot URL: %v", err)
	}
}

func TestFlagsWithFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "alerts.yaml")
	src := "targets:\n  webhook: {type: webhook, url: 'http://127.0.0.1:9/a'}\nrules:\n  - id: u\n    measure: unrecognised\n    targets: [wecom, pager]\n"
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Flags{File: path, Webhook: "http://127.0.0.1:9/b", WeCom: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"}.Config()
	if err == nil {
		t.Fatal("no error")
	}
	for _, w := range []string{
		path + ":2: --alert-webhook adds a target named webhook, which " + path + " already defines",
		path + `:6: rule u: unknown target "pager" (defined: webhook, wecom)`,
	} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q:\n%v", w, err)
		}
	}
	if strings.Contains(err.Error(), `unknown target "wecom"`) {
		t.Errorf("the target of --alert-wecom should count as defined:\n%v", err)
	}
}

// A file with several problems reports them all at once: a bad field, an id used twice, a rule
// naming a target nobody defines.
func TestFlagsFileProblemsAllAtOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "alerts.yaml")
	src := "targets:\n  hook: {type: webhook, url: 'http://127.0.0.1:9/a'}\n  ftp: {type: webhook, url: 'ftp://x'}\nrules:\n" +
		"  - {id: u, measure: unrecognised, window: 0s}\n" +
		"  - {id: u, measure: bad_ratings}\n" +
		"  - {id: v, measure: handoff_share, targets: [nobody]}\n" +
		"  - {id: w, measure: spool, targets: [ftp]}\n"
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Flags{File: path}.Config()
	if err == nil {
		t.Fatal("no error")
	}
	for _, w := range []string{
		path + ":3: target ftp:",
		path + ":5: rule u: window 0",
		path + ":6: rule u: id already used at line 5",
		path + `:7: rule v: unknown target "nobody"`,
	} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q:\n%v", w, err)
		}
	}
	if strings.Contains(err.Error(), `unknown target "ftp"`) {
		t.Errorf("a target defined with a bad URL is reported as unknown too:\n%v", err)
	}
}
