package console

import (
	"errors"
	"html"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// 规则与答案's save printed the OS's error as it came — "无法保存旧版本：backup: open
// /etc/zhiyi/rules.yaml.20261207T041910Z: permission denied" — with the server's paths, and the
// service log had nothing but the request's 500: a deployment whose rules file sits in a
// directory the service may not write found out from the operator's screenshot. Like 实验's,
// the page now says what failed and what to do, and the error goes to the service log.
func TestRulesSaveFileErrorsLogged(t *testing.T) {
	for _, tt := range []struct {
		name string
		// breaks the rules file (or its writing) before the save
		breaks func(t *testing.T, e *env)
		shown  string
		logged []string
	}{
		{"the rules file unreadable", func(t *testing.T, e *env) {
			if err := os.Remove(e.rules); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(e.rules, 0o755); err != nil {
				t.Fatal(err)
			}
		}, rulesUnreadable, []string{"console: rules file failed", `"page":"rules"`, `"op":"read"`, "is a directory"}},

		// A read-only directory or a full disk: root, who runs the tests, may write anywhere.
		{"the rules file not writable", func(t *testing.T, e *env) {
			saved := writeRulesFile
			t.Cleanup(func() { writeRulesFile = saved })
			writeRulesFile = func(path string, _ []byte) error {
				return &os.PathError{Op: "open", Path: filepath.Join(filepath.Dir(path), ".rules.yaml.tmp-1"), Err: errors.New("permission denied")}
			}
		}, rulesNotWritten, []string{"console: rules file failed", `"page":"rules"`, `"op":"write"`, "permission denied"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envOpt{})
			cl := e.client()
			cl.login("ops")
			page := cl.get("/console/rules")
			base := regexp.MustCompile(`name="base" value="([0-9a-f]*)"`).FindStringSubmatch(page.Body)[1]
			tt.breaks(t, e)
			logged := e.logs.Len()
			r := cl.post("/console/rules/save", url.Values{"content": {testRules + "# edited\n"}, "base": {base}})
			if r.StatusCode != http.StatusInternalServerError {
				t.Fatalf("save: %d", r.StatusCode)
			}
			body := pageMain(r.Body)
			if !strings.Contains(body, html.EscapeString(tt.shown)) {
				t.Errorf("the page lacks %q: %s", tt.shown, flashErrorRe.FindAllString(body, -1))
			}
			// The page names the rules file it edits and where its versions go, on purpose.
			body = regexp.MustCompile("<code>"+regexp.QuoteMeta(e.rules)+"[^<]*</code>").ReplaceAllString(body, "")
			// The directory, masked or not (nlp.Mask may take its digits for an order number).
			dir := filepath.Dir(e.rules)
			for _, leak := range []string{dir, "TestRulesSave", "is a directory", "permission denied", "open /"} {
				if strings.Contains(body, leak) {
					t.Errorf("the page shows %q: %s", leak, flashErrorRe.FindAllString(body, -1))
				}
			}
			line := e.logs.String()[logged:]
			for _, s := range tt.logged {
				if !strings.Contains(line, s) {
					t.Errorf("the service log lacks %q:\n%s", s, line)
				}
			}
			if n := len(e.live.Current().Rules()); n != 1 {
				t.Errorf("%d rules serve, want the old file's 1", n)
			}
		})
	}
}

// A save whose file does not load after it was written (another writer, a disk that returns
// other bytes) puts the old file back, and says so; when the old file cannot be put back
// either, the page said 已恢复旧文件 all the same, while the disk held what does not serve; and
// a file that could not be read back put the OS's error, with the server's paths, on the page.
func TestRulesSaveLoadFailureRestores(t *testing.T) {
	for _, tt := range []struct {
		name  string
		write func(path string, data []byte) error // in place of writeRulesFile
		shown string
		// whether the old file is on disk after the save
		restored bool
	}{
		{"restored", func(path string, _ []byte) error {
			return os.WriteFile(path, []byte("version: [\n"), 0o644)
		}, "新规则没有生效，已恢复旧文件", true},
		// a directory where the file was: the old file cannot be renamed over it
		{"not restored", func(path string, _ []byte) error {
			if err := os.Remove(path); err != nil {
				return err
			}
			return os.Mkdir(path, 0o755)
		}, rulesNotReadBack, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envOpt{})
			old, err := os.ReadFile(e.rules)
			if err != nil {
				t.Fatal(err)
			}
			cl := e.client()
			cl.login("ops")
			page := cl.get("/console/rules")
			base := regexp.MustCompile(`name="base" value="([0-9a-f]*)"`).FindStringSubmatch(page.Body)[1]
			saved := writeRulesFile
			t.Cleanup(func() { writeRulesFile = saved })
			writeRulesFile = tt.write
			logged := e.logs.Len()
			r := cl.post("/console/rules/save", url.Values{"content": {testRules + "# edited\n"}, "base": {base}})
			if r.StatusCode != http.StatusInternalServerError {
				t.Fatalf("save: %d", r.StatusCode)
			}
			body := pageMain(r.Body)
			if !strings.Contains(body, tt.shown) {
				t.Errorf("the page lacks %q: %s", tt.shown, flashErrorRe.FindAllString(body, -1))
			}
			// what could not be read back is the OS's, with the server's paths: the log's, as a
			// failed write's is (the file's own problems are named by line)
			body = regexp.MustCompile("<code>"+regexp.QuoteMeta(e.rules)+"[^<]*</code>").ReplaceAllString(body, "")
			for _, leak := range []string{filepath.Dir(e.rules), "is a directory", "cannot read"} {
				if strings.Contains(body, leak) {
					t.Errorf("the page shows %q: %s", leak, flashErrorRe.FindAllString(body, -1))
				}
			}
			now, _ := os.ReadFile(e.rules)
			if restored := string(now) == string(old); restored != tt.restored {
				t.Errorf("the old file on disk: %v, want %v", restored, tt.restored)
			}
			line := e.logs.String()[logged:]
			if restoreLogged := strings.Contains(line, `"op":"restore"`); restoreLogged == tt.restored || !strings.Contains(line, `"op":"load"`) {
				t.Errorf("the service log (restore logged %v, want %v):\n%s", restoreLogged, !tt.restored, line)
			}
			if n := len(e.live.Current().Rules()); n != 1 {
				t.Errorf("%d rules serve, want the old file's 1", n)
			}
		})
	}
}
