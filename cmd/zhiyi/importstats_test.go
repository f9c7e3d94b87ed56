package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/zhiyi-ai/zhiyi/internal/shoptest"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// TestImportProblemsNamedByEveryCommand: zhiyi train names the first malformed lines of an export
// (file:line and why); zhiyi eval, zhiyi cluster and zhiyi shorthand read the same exports and
// only printed "skipped: malformed 2": the operator could not find the truncated JSON line or the
// GBK row in a file of a million lines.
func TestImportProblemsNamedByEveryCommand(t *testing.T) {
	dir, bundle, raw := tinyShop(t)
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(`{"msgid":"g1","text":"发票怎么开","intent":"invoice"}`)
	if err != nil {
		t.Fatal(err)
	}
	export := filepath.Join(dir, "export.jsonl")
	data := string(raw) + `{"msgid":"t1","text":"我想退货","intent":"retu` + "\n" + gbk + "\n"
	if err := os.WriteFile(export, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	n := strings.Count(string(raw), "\n")
	truncated := "  problem: " + export + ":" + strconv.Itoa(n+1) + ": "
	gbkLine := "  problem: " + export + ":" + strconv.Itoa(n+2) + ": "
	for name, args := range map[string][]string{
		"eval":                 {"eval", "--model", bundle, "--data", export},
		"eval --conversations": {"eval", "--model", bundle, "--data", export, "--conversations"},
		"cluster":              {"cluster", "--model", bundle, "--data", export, "--out", filepath.Join(dir, "sheet.jsonl")},
		"shorthand":            {"shorthand", "--data", export, "--dict", filepath.Join(fixture, "dict")},
	} {
		_, _, stderr := runCLI(t, "", args...)
		if !strings.Contains(stderr, "malformed 2") {
			t.Errorf("%s: want the two malformed lines counted\n%s", name, stderr)
		}
		if !strings.Contains(stderr, truncated) || !strings.Contains(stderr, gbkLine) || !strings.Contains(stderr, "GBK") {
			t.Errorf("%s does not name the malformed lines %s and %s (GBK):\n%s", name, truncated, gbkLine, stderr)
		}
	}
}

// tinyShop trains the tiny shop's bundle in a new temporary directory and reads the labelled
// export it comes from: the setup of the tests that run commands over exports.
func tinyShop(t *testing.T) (dir, bundle string, export []byte) {
	t.Helper()
	dir = t.TempDir()
	bundle = filepath.Join(dir, "tiny")
	if err := shoptest.TrainTiny(bundle); err != nil {
		t.Fatal(err)
	}
	export, err := os.ReadFile(filepath.Join(fixture, "data.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	return dir, bundle, export
}
