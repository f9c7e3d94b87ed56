package main

import (
	"flag"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/shoptest"
)

// TestStoreFlagsEverywhere: every command that reads the decision log finds it where zhiyi
// serve writes it — --data-dir defaulting to ZHIYI_DATA_DIR and then data, --db to ZHIYI_DB —
// and names the place when there is no log there.
func TestStoreFlagsEverywhere(t *testing.T) {
	kb, err := filepath.Abs(filepath.Join(shopDir, "kb.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	commands := [][]string{
		{"learn", "--model", "m"},
		{"ab", "--kb", kb},
		{"report"},
		{"unmatched", "--model", "m", "--out", out},
	}
	run := func(t *testing.T, want string) {
		t.Helper()
		for _, args := range commands {
			code, _, stderr := runCLI(t, "", args...)
			if code != 1 || !strings.Contains(stderr, want) {
				t.Errorf("zhiyi %v: exit %d, stderr %q; want exit 1 mentioning %q", args, code, stderr, want)
			}
		}
	}
	t.Run("default data", func(t *testing.T) {
		t.Setenv("ZHIYI_DATA_DIR", "")
		t.Setenv("ZHIYI_DB", "")
		t.Chdir(t.TempDir())
		run(t, "no decision log at "+filepath.Join("data", "zhiyi.db")+" (--data-dir data)")
	})
	t.Run("ZHIYI_DATA_DIR", func(t *testing.T) {
		empty := t.TempDir()
		t.Setenv("ZHIYI_DATA_DIR", empty)
		t.Setenv("ZHIYI_DB", "")
		run(t, "no decision log at "+filepath.Join(empty, "zhiyi.db")+" (--data-dir "+empty+")")
	})
	t.Run("ZHIYI_DB", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "elsewhere.db")
		t.Setenv("ZHIYI_DATA_DIR", t.TempDir())
		t.Setenv("ZHIYI_DB", "sqlite:"+path)
		run(t, "no decision log at "+path+" (--db sqlite:"+path+")")
	})
	t.Run("flags win", func(t *testing.T) {
		empty := t.TempDir()
		t.Setenv("ZHIYI_DATA_DIR", filepath.Join(empty, "env"))
		t.Setenv("ZHIYI_DB", "sqlite:"+filepath.Join(empty, "env.db"))
		for _, args := range commands {
			args = append(args, "--data-dir", empty, "--db", "")
			code, _, stderr := runCLI(t, "", args...)
			if want := "no decision log at " + filepath.Join(empty, "zhiyi.db"); code != 1 || !strings.Contains(stderr, want) {
				t.Errorf("zhiyi %v: exit %d, stderr %q; want exit 1 mentioning %q", args, code, stderr, want)
			}
		}
	})
	// zhiyi serve takes the same defaults.
	t.Setenv("ZHIYI_DATA_DIR", "/srv/zhiyi")
	t.Setenv("ZHIYI_DB", "postgres://zhiyi@db/zhiyi")
	var sf serveFlags
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	sf.register(fs)
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if sf.dataDir != "/srv/zhiyi" || sf.db != "postgres://zhiyi@db/zhiyi" {
		t.Errorf("serve: --data-dir %q --db %q, want the environment's", sf.dataDir, sf.db)
	}
}

// TestStoreFlagsRead: learn and ab read the log ZHIYI_DATA_DIR names, and ab's --log excludes
// only a --data-dir or --db given on the command line, not the environment's default.
func TestStoreFlagsRead(t *testing.T) {
	dir := t.TempDir()
	writeLog(t, dir)
	kb, err := filepath.Abs(filepath.Join(shopDir, "kb.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("ZHIYI_DATA_DIR", dir)
	t.Setenv("ZHIYI_DB", "")
	bundle := filepath.Join(t.TempDir(), "tiny")
	if err := shoptest.TrainTiny(bundle); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, "", "learn", "--model", bundle, "--since", "2026-11-01"); code != 0 || !strings.Contains(stderr, "nothing to learn") {
		t.Errorf("learn: exit %d, stderr %q; want 0, nothing to learn", code, stderr)
	}
	if code, _, stderr := runCLI(t, "", "ab", "--kb", kb); code != 0 {
		t.Errorf("ab: exit %d, stderr %q", code, stderr)
	}
	log := simLog(t, 20, false)
	if code, _, stderr := runCLI(t, "", "ab", "--kb", kb, "--log", log); code != 0 {
		t.Errorf("ab --log with ZHIYI_DATA_DIR set: exit %d, stderr %q", code, stderr)
	}
	if code, _, stderr := runCLI(t, "", "ab", "--kb", kb, "--log", log, "--data-dir", dir); code != 2 || !strings.Contains(stderr, "not both") {
		t.Errorf("ab --log --data-dir: exit %d, stderr %q; want 2, not both", code, stderr)
	}
}

func TestRetention(t *testing.T) {
	for _, c := range []struct {
		in   string
		want time.Duration
		err  string
	}{
		{"90d", 90 * 24 * time.Hour, ""},
		{"720h", 720 * time.Hour, ""},
		{"0", -1, ""},
		{"0d", -1, ""},
		{"0h", -1, ""},
		{"3x", 0, `--retain (env ZHIYI_RETAIN) "3x": want a duration such as 90d or 720h, or 0 to keep every decision`},
		{"2026-10-17", 0, "--retain"},
	} {
		got, err := retention(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("retention(%q): %v, want an error holding %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("retention(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
}
