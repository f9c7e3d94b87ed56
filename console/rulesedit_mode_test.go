package console

import (
	"net/http"
	"net/url"
	"os"
	"regexp"
	"testing"
	"time"
)

// TestRulesBackupKeepsMode: the previous rules kept beside a 0600 rules file are 0600 too, not
// readable by everyone.
func TestRulesBackupKeepsMode(t *testing.T) {
	e := newEnv(t, envOpt{})
	for _, mode := range []os.FileMode{0o600, 0o640} {
		if err := os.Chmod(e.rules, mode); err != nil {
			t.Fatal(err)
		}
		cl := e.client()
		cl.login("小王")
		page := cl.get("/console/rules")
		base := regexp.MustCompile(`name="base" value="([0-9a-f]*)"`).FindStringSubmatch(page.Body)[1]
		old, err := os.ReadFile(e.rules)
		if err != nil {
			t.Fatal(err)
		}
		e.advance(time.Minute)
		edited := string(old) + "# " + mode.String() + "\n"
		if r := cl.post("/console/rules/save", url.Values{"content": {edited}, "base": {base}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("save: %d %s", r.StatusCode, clipBody(r.Body))
		}
		backup := e.rules + "." + e.clock().UTC().Format(backupLayout)
		st, err := os.Stat(backup)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := os.ReadFile(backup); st.Mode().Perm() != mode || string(got) != string(old) {
			t.Errorf("backup of a %v rules file: mode %v, content %q", mode, st.Mode().Perm(), got)
		}
		if st, _ := os.Stat(e.rules); st.Mode().Perm() != mode {
			t.Errorf("rules file now %v, want %v", st.Mode().Perm(), mode)
		}
	}
}
