package atomicfile

import (
	"bufio"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The helper processes of these tests: a writer that has written its temporary file, says
// where, and waits to be killed before it commits, as serve killed during a console save.
func init() {
	path := os.Getenv("ZHIYI_ATOMICFILE_PATH")
	if path == "" {
		return
	}
	beforeCommit = func(tmp string) {
		os.Stdout.WriteString(tmp + "\n")
		time.Sleep(time.Hour)
	}
	switch os.Getenv("ZHIYI_ATOMICFILE_HELPER") {
	case "replace":
		WriteFile(path, []byte("rules: new\n"), 0o644)
	case "new": // a version of the file beside it, as the console's rules.yaml.<time>
		WriteNew(path+".20261207T060645Z", path, []byte("rules: old\n"), 0o600)
	}
	os.Exit(3)
}

// writer starts a helper process writing path and returns it with the temporary file it holds.
func writer(t *testing.T, mode, path string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "ZHIYI_ATOMICFILE_HELPER="+mode, "ZHIYI_ATOMICFILE_PATH="+path)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	tmp, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("the %s helper said nothing: %v", mode, err)
	}
	return cmd, filepath.Base(strings.TrimSpace(tmp))
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	slices.Sort(out)
	return out
}

// TestKilledWritersLitterRemoved: writers of rules.yaml (and of its versions beside it) killed
// before they committed leave their temporary files; the next write of rules.yaml removes them,
// but not one a live writer holds, nor another file's.
func TestKilledWritersLitterRemoved(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "rules.yaml")
	if err := WriteFile(path, []byte("rules: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, ".experiments.yaml.tmp123")
	if err := os.WriteFile(other, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * time.Hour)
	os.Chtimes(other, old, old)
	var dead []string
	for _, mode := range []string{"replace", "new"} {
		cmd, tmp := writer(t, mode, path)
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		dead = append(dead, tmp)
	}
	_, live := writer(t, "replace", path)
	got := dirNames(t, dir)
	if len(got) != 5 {
		t.Fatalf("before the next write: %v, want rules.yaml, another file's and three temporary files", got)
	}
	for _, n := range got { // past litterAge: only the lock keeps the live writer's
		if err := os.Chtimes(filepath.Join(dir, n), old, old); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Lstat(path + ".20261207T060645Z"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the version whose writer was killed before it linked it: %v, want none (never an empty or partial one)", err)
	}
	if err := WriteFile(path, []byte("rules: [a]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Base(other), live, "rules.yaml"}
	slices.Sort(want)
	if got := dirNames(t, dir); !slices.Equal(got, want) {
		t.Errorf("after the next write: %v, want %v (the killed writers' %v removed)", got, want, dead)
	}
}

// TestWriteNew: a version is written whole with exactly its mode, and never replaces a file.
func TestWriteNew(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "rules.yaml.20261207T060645Z")
	if err := WriteNew(path, filepath.Join(dir, "rules.yaml"), []byte("rules: []\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o640 || st.Size() != int64(len("rules: []\n")) {
		t.Fatalf("the version: %v, %v; want 10 bytes, mode 0640", st, err)
	}
	if err := WriteNew(path, filepath.Join(dir, "rules.yaml"), []byte("other\n"), 0o640); !errors.Is(err, fs.ErrExist) {
		t.Errorf("a second version of the same name: %v, want fs.ErrExist", err)
	}
	if got := dirNames(t, dir); !slices.Equal(got, []string{"rules.yaml.20261207T060645Z"}) {
		t.Errorf("in the directory: %v, want the version alone", got)
	}
}
