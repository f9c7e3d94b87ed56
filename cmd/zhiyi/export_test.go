package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zhiyi-ai/zhiyi/store"
)

// zhiyi export writes the period's decisions to a CSV only its owner reads, with the correction;
// it refuses an --out that is the log and a format it does not know.
func TestExport(t *testing.T) {
	dir := sqliteLog(t, store.Config{})
	out := filepath.Join(t.TempDir(), "week.csv")
	code, stdout, stderr := runCLI(t, "", "export", "--data-dir", dir, "--since", "7d", "--out", out)
	if code != 0 || !strings.Contains(stderr, "wrote 2 decisions") {
		t.Fatalf("export: exit %d\n%s%s", code, stdout, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), "\ufeff时间 time,") || !strings.Contains(string(b), "东西不要了") || !strings.Contains(string(b), "return_goods") {
		t.Errorf("the CSV:\n%s", b)
	}
	if st, err := os.Stat(out); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, %v; want 0600", st.Mode(), err)
	}
	code, stdout, stderr = runCLI(t, "", "export", "--data-dir", dir, "--since", "2h")
	if code != 0 || strings.Count(stdout, "\n") != 2 || !strings.Contains(stdout, `"correct_intent":"return_goods"`) {
		t.Errorf("export to stdout: exit %d\n%s%s\nwant 2 JSON lines", code, stdout, stderr)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--out", filepath.Join(dir, store.DBFileName)}, "replace the input"},
		{[]string{"--format", "xlsx"}, "want csv or jsonl"},
		{[]string{"--since", "2h", "--until", "3h"}, "is not before"},
	} {
		args := append([]string{"export", "--data-dir", dir}, tc.args...)
		if code, stdout, stderr := runCLI(t, "", args...); code == 0 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d\n%s%s\nwant an error with %q", tc.args, code, stdout, stderr, tc.want)
		}
	}
}
