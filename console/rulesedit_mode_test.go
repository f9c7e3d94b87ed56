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

// TestRulesBackupsBounded: a save keeps the newest maxBackups previous versions and removes the
// older ones (each save wrote one, for ever); files that only begin like a version stay.
func TestRulesBackupsBounded(t *testing.T) {
	e := newEnv(t, envOpt{})
	old, err := os.ReadFile(e.rules)
	if err != nil {
		t.Fatal(err)
	}
	at := e.clock().UTC().Add(-24 * time.Hour)
	var names []string // oldest first
	for i := range maxBackups + 5 {
		name := e.rules + "." + at.Add(time.Duration(i)*time.Minute).Format(backupLayout)
		if i == 3 {
			name += "-2"
		}
		names = append(names, name)
		if err := os.WriteFile(name, old, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	mine := e.rules + "." + at.Format(backupLayout) + ".mine"
	if err := os.WriteFile(mine, old, 0o600); err != nil {
		t.Fatal(err)
	}
	cl := e.client()
	cl.login("小王")
	page := cl.get("/console/rules")
	base := regexp.MustCompile(`name="base" value="([0-9a-f]*)"`).FindStringSubmatch(page.Body)[1]
	e.advance(time.Minute)
	if r := cl.post("/console/rules/save", url.Values{"content": {string(old) + "# bounded\n"}, "base": {base}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d %s", r.StatusCode, clipBody(r.Body))
	}
	// the new version and the newest maxBackups-1 before it stay
	for i, name := range names {
		_, err := os.Stat(name)
		if gone := i < len(names)-(maxBackups-1); gone != os.IsNotExist(err) {
			t.Errorf("version %d of %d (%s): removed %v, want %v", i+1, len(names), name, os.IsNotExist(err), gone)
		}
	}
	if _, err := os.Stat(e.rules + "." + e.clock().UTC().Format(backupLayout)); err != nil {
		t.Errorf("the new version: %v", err)
	}
	if _, err := os.Stat(mine); err != nil {
		t.Errorf("%s, not a version the console wrote: %v", mine, err)
	}
}
