package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
	f(chats, inputs("--data", data), "is a file in the --data directory "+data)
	f(chats, inputs("--data", link), "is the --data "+link)
	f(dir, inputs("--labels", chats), "holds the --labels "+chats)
	f(other, inputs("--data", data, chats), "")
	f(filepath.Join(data, "new.jsonl"), inputs("--data", data), "")
	f(chats, inputs("--data", filepath.Join(dir, "missing")), "")
}
