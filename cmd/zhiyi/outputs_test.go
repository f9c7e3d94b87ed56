package main

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// TestCheckNotInput: an output is refused when it is an input under another name (a symlink, a
// hard link, a path through ..), a file in an input directory, or a directory holding an input;
// a new file, or one no input names, is not.
func TestCheckNotInput(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "exports")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	chats := filepath.Join(data, "chats.jsonl")
	other := filepath.Join(dir, "other.jsonl")
	for _, p := range []string{chats, other} {
		if err := os.WriteFile(p, []byte("{}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	link, hard := filepath.Join(dir, "link.jsonl"), filepath.Join(dir, "hard.jsonl")
	if err := os.Symlink(chats, link); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(chats, hard); err != nil {
		t.Fatal(err)
	}
	f := func(out string, ins []namedPath, want string) {
		t.Helper()
		err := checkNotInput("--out", out, ins)
		if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("checkNotInput(%s, %v) = %v, want %q", out, ins, err, want)
		}
	}
	f(chats, inputs("--data", chats), "is the --data "+chats)
	f(link, inputs("--data", chats), "is the --data")
	f(hard, inputs("--data", chats), "is the --data")
	f(filepath.Join(data, "..", "exports", "chats.jsonl"), inputs("--data", other, chats), "is the --data "+chats)
	f(chats, dataInputs("--data", data), "lies in the --data directory "+data)
	f(chats, inputs("--data", link), "is the --data "+link)
	f(dir, inputs("--labels", chats), "holds the --labels "+chats)
	f(other, inputs("--data", data, chats), "")
	f(filepath.Join(data, "new.jsonl"), inputs("--data", data), "")
	f(chats, inputs("--data", filepath.Join(dir, "missing")), "")
	// Of an export directory only what the importer reads is an input: the report of the last
	// zhiyi eval --data exports --html exports/eval.html may be written again. Any file of a
	// directory the importer does not read (a bundle) stays one.
	report, upper := filepath.Join(data, "eval.html"), filepath.Join(data, "CRM.CSV")
	for _, p := range []string{report, upper} {
		if err := os.WriteFile(p, []byte("x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f(report, dataInputs("--data", data), "")
	f(report, dataInputs("--dev", data), "")
	f(upper, dataInputs("--data", data), "lies in the --data directory "+data)
	f(report, inputs("--model", data), "lies in the --model directory "+data)
}

// TestCheckSheetOut: a cluster sheet is written over only while no line of it is decided, whether
// it is the sheet as zhiyi wrote it or as Excel saved it as CSV (each line one quoted cell, the
// form train --labels reads); anything else is not a sheet.
func TestCheckSheetOut(t *testing.T) {
	const (
		undecided = `{"cluster":"c1","size":2,"members":["m1","m2"],"intent":""}`
		excel     = `"{""cluster"":""c1"",""size"":2,""members"":[""m1"",""m2""],""intent"":""""}"`
	)
	for _, tc := range []struct{ name, content, want string }{
		{"undecided", undecided + "\n", ""},
		{"undecided, saved by Excel", "\ufeff" + excel + "\r\n" + excel + "\r\n", ""},
		{"decided, saved by Excel", strings.Replace(excel, `""intent"":""""`, `""intent"":""return_goods""`, 1) + "\r\n", "already holds 1 decided label(s)"},
		{"a label file saved by Excel", `"{""msgid"":""m1"",""intent"":""""}"` + "\r\n", `lacks a sheet line's "cluster"`},
		{"an export", `{"msgid":"m1","text":"在吗"}` + "\n", "it is not a cluster sheet"},
	} {
		path := filepath.Join(t.TempDir(), "sheet.jsonl")
		if err := os.WriteFile(path, []byte(tc.content), 0o644); err != nil {
			t.Fatal(err)
		}
		err := checkSheetOut(path)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: checkSheetOut = %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestCheckSheetOutBoundsALine: an --out file with a line over maxSheetLine (an export written
// as one JSON array) is refused at that line without being read whole: it was, gigabytes for a
// big export, before being found no sheet.
func TestCheckSheetOutBoundsALine(t *testing.T) {
	defer func(v int) { maxSheetLine = v }(maxSheetLine)
	maxSheetLine = 1 << 20 // made small: the line is 32 times it
	path := filepath.Join(t.TempDir(), "export.json")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`[{"msgid":"m0","text":"在吗"}`)
	chunk := []byte(strings.Repeat(`,{"msgid":"m1","text":"我要退货"}`, 1<<10))
	for written := 0; written < 32<<20; written += len(chunk) {
		if _, err := f.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	f.WriteString("]\n")
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	err = checkSheetOut(path)
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "export.json:1 is a line of over 1 MiB: it is not a cluster sheet") {
		t.Errorf("checkSheetOut = %v, want the long line refused", err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 8<<20 {
		t.Errorf("checking a file of one 32 MiB line allocated %d MiB, want at most a line's bound", got>>20)
	}
}

// TestOutputsNeverReplaceInputs: zhiyi eval --data holdout.jsonl --out holdout.jsonl (a slip when
// the report is named after the set) turned the shop's only labelled holdout into a report, and
// --html did the same; train --out replaced a bundle directory holding its own --labels sheet,
// and predict --cpuprofile truncated a file of the bundle it loads. Each is refused, and the
// input is left as it was.
func TestOutputsNeverReplaceInputs(t *testing.T) {
	dir, bundle, raw := tinyShop(t)
	sets := filepath.Join(dir, "sets")
	if err := os.Mkdir(sets, 0o755); err != nil {
		t.Fatal(err)
	}
	holdout, gold := filepath.Join(sets, "holdout.jsonl"), filepath.Join(dir, "gold.jsonl")
	sheet := filepath.Join(bundle, "sheet.jsonl")
	goldLine := []byte(`{"text":"我想退货","intent":"return_goods"}` + "\n")
	for p, b := range map[string][]byte{holdout: raw, gold: goldLine} {
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	manifest := filepath.Join(bundle, intent.ManifestFile)
	for _, c := range []struct {
		args []string
		kept string // the input that must be left as it was
		want string
		made bool // kept is written for this run only (a bundle holding another file does not load)
	}{
		{[]string{"eval", "--model", bundle, "--data", holdout, "--out", holdout}, holdout, "--out " + holdout + " is the --data " + holdout, false},
		{[]string{"eval", "--model", bundle, "--data", holdout, "--html", holdout}, holdout, "--html " + holdout + " is the --data", false},
		{[]string{"eval", "--model", bundle, "--data", sets, "--out", holdout}, holdout, "lies in the --data directory " + sets, false},
		{[]string{"eval", "--model", bundle, "--data", holdout, "--labels", gold, "--html", gold}, gold, "is the --labels " + gold, false},
		{[]string{"train", "--data", holdout, "--labels", sheet, "--kb", filepath.Join(fixture, "kb.yaml"), "--out", bundle}, sheet, "--out " + bundle + " holds the --labels " + sheet, true},
		{[]string{"predict", "--model", bundle, "--cpuprofile", manifest}, manifest, "inside the model bundle", false},
	} {
		if c.made {
			if err := os.WriteFile(c.kept, goldLine, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		before, err := os.ReadFile(c.kept)
		if err != nil {
			t.Fatal(err)
		}
		code, _, stderr := runCLI(t, "", c.args...)
		after, _ := os.ReadFile(c.kept)
		if code == 0 || !bytes.Equal(after, before) || !strings.Contains(stderr, c.want) {
			t.Errorf("zhiyi %s: exit %d, %s kept: %v; want it refused with %q\n%s", strings.Join(c.args, " "), code, c.kept, bytes.Equal(after, before), c.want, stderr)
		}
		if err := os.WriteFile(c.kept, before, 0o644); err != nil {
			t.Fatal(err)
		}
		if c.made {
			os.Remove(c.kept)
		}
	}
}
