package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// recordSyncs replaces syncDir for the test with one that calls check and records the
// directories synced.
func recordSyncs(t *testing.T, check func(dir string)) *[]string {
	t.Helper()
	var synced []string
	t.Cleanup(func() { syncDir = syncDirOS })
	syncDir = func(dir string) error {
		if check != nil {
			check(dir)
		}
		synced = append(synced, dir)
		return syncDirOS(dir)
	}
	return &synced
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.json")
	for _, content := range []string{"first", "second, longer"} {
		if err := WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if data, _ := os.ReadFile(path); string(data) != content {
			t.Errorf("read %q, want %q", data, content)
		}
	}
	if got := names(t, dir); !slices.Equal(got, []string{"f.json"}) {
		t.Errorf("the directory holds %q, want f.json alone", got)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o644 {
		t.Errorf("a new file's mode %v, want 0644", st.Mode().Perm())
	}
	// an existing file keeps its mode; a symlink stays one, the file it leads to rewritten
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink("f.json", link); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(link, []byte("third"), 0o644); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the symlink was replaced: %v, %v", st, err)
	}
	if data, _ := os.ReadFile(path); string(data) != "third" {
		t.Errorf("the target reads %q, want third", data)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("the rewritten file's mode %v, want its own 0600", st.Mode().Perm())
	}
}

// TestCommitSyncsTheDirectory: the rename is made durable by syncing the directory that holds
// the new name, after the rename (a crash before that sync may forget the rename; the file's
// own fsync does not cover its name).
func TestCommitSyncsTheDirectory(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "real")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(sub, "f")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(filepath.Join("real", "f"), link); err != nil {
		t.Fatal(err)
	}
	synced := recordSyncs(t, func(string) {
		if data, _ := os.ReadFile(path); string(data) != "new" {
			t.Errorf("the directory was synced before the rename: the file reads %q", data)
		}
	})
	if err := WriteFile(link, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(*synced, []string{sub}) {
		t.Errorf("synced %q, want the directory of the file the link leads to, %s", *synced, sub)
	}
}

// A file that cannot be written is named as the caller gave it, never by its temporary name,
// and no temporary file is left.
func TestErrorsNameThePath(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing", "x.html")
	err := WriteFile(missing, []byte("x"), 0o644)
	if err == nil || !strings.Contains(err.Error(), missing) || strings.Contains(err.Error(), ".tmp") || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("err %v, want one naming %s, no temporary file, matching fs.ErrNotExist", err, missing)
	}
	// the rename fails: a non-empty directory is in the way
	busy := filepath.Join(dir, "busy")
	if err := os.MkdirAll(filepath.Join(busy, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	err = WriteFile(busy, []byte("x"), 0o644)
	if err == nil || !strings.Contains(err.Error(), busy) || strings.Contains(err.Error(), ".tmp") {
		t.Errorf("err %v, want one naming %s and no temporary file", err, busy)
	}
	if got := names(t, dir); !slices.Equal(got, []string{"busy"}) {
		t.Errorf("the directory holds %q after the failures, want busy alone", got)
	}
}

func TestDiscard(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Create(path, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("half"); err != nil {
		t.Fatal(err)
	}
	f.Discard()
	f.Discard()
	if err := f.Commit(); err == nil {
		t.Error("Commit after Discard: nil error")
	}
	if data, _ := os.ReadFile(path); string(data) != "old" {
		t.Errorf("the file reads %q after a discarded write, want old", data)
	}
	if got := names(t, dir); !slices.Equal(got, []string{"f"}) {
		t.Errorf("the directory holds %q, want f alone", got)
	}
	// after a Commit, a deferred Discard does nothing
	f, err = Create(path, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("new")
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	f.Discard()
	if data, _ := os.ReadFile(path); string(data) != "new" {
		t.Errorf("the file reads %q, want new", data)
	}
}

func TestRenameAndSyncTree(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	if err := os.MkdirAll(filepath.Join(a, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(a, "sub", "f"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	synced := recordSyncs(t, nil)
	if err := SyncTree(a); err != nil {
		t.Fatal(err)
	}
	if want := []string{a, filepath.Join(a, "sub")}; !slices.Equal(*synced, want) {
		t.Errorf("SyncTree synced the directories %q, want %q", *synced, want)
	}
	*synced = nil
	if err := os.Mkdir(b, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Rename(a, filepath.Join(b, "a")); err != nil {
		t.Fatal(err)
	}
	if want := []string{b, dir}; !slices.Equal(*synced, want) {
		t.Errorf("Rename synced %q, want %q (the new name's directory, then the old one's)", *synced, want)
	}
}

// TestWritePrivate: a secret gets exactly the mode asked for, not the mode of the file it
// replaces (WriteFile keeps that one), and through a symlink the link stays.
func TestWritePrivate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "hash.key")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "key.link")
	if err := os.Symlink("hash.key", link); err != nil {
		t.Fatal(err)
	}
	if err := WritePrivate(link, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("after WritePrivate over a 0644 file: %v, %v; want -rw-------", st.Mode(), err)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("the symlink did not stay one: %v, %v", st.Mode(), err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "new" {
		t.Errorf("content %q, %v", b, err)
	}
	if err := WriteFile(path, []byte("kept"), 0o600); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("WriteFile changed the mode: %v, %v", st.Mode(), err)
	}
}
