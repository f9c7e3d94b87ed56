//go:build unix

package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/renameio/v2"
)

// TestMatchesRenameio holds WriteFile to renameio.WriteFile (with IgnoreUmask: zhiyi's modes
// are exact), the library it stands in for (doc.go says why): the same content and mode for a
// new file and for one that exists, nothing left beside it, the same error for a missing
// directory. Where they differ on purpose, the test says so: a symlink stays one here, where
// renameio replaces the link with a file.
func TestMatchesRenameio(t *testing.T) {
	type result struct {
		data  string
		mode  fs.FileMode
		names []string
	}
	run := func(write func(path string, data []byte, perm fs.FileMode) error, setup func(dir string), perm fs.FileMode) (result, error) {
		dir := t.TempDir()
		setup(dir)
		err := write(filepath.Join(dir, "f"), []byte("new"), perm)
		var r result
		if data, rerr := os.ReadFile(filepath.Join(dir, "f")); rerr == nil {
			r.data = string(data)
		}
		if st, serr := os.Lstat(filepath.Join(dir, "f")); serr == nil {
			r.mode = st.Mode()
		}
		es, _ := os.ReadDir(dir)
		for _, e := range es {
			r.names = append(r.names, e.Name())
		}
		return r, err
	}
	lib := func(path string, data []byte, perm fs.FileMode) error {
		return renameio.WriteFile(path, data, perm, renameio.IgnoreUmask())
	}
	existing := func(mode fs.FileMode) func(string) {
		return func(dir string) {
			if err := os.WriteFile(filepath.Join(dir, "f"), []byte("old, longer"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(filepath.Join(dir, "f"), mode); err != nil {
				t.Fatal(err)
			}
		}
	}
	cases := []struct {
		name  string
		setup func(dir string)
		perm  fs.FileMode
	}{
		{"new 0644", func(string) {}, 0o644},
		{"new 0600", func(string) {}, 0o600},
		{"new 0664", func(string) {}, 0o664},
		{"existing 0600", existing(0o600), 0o644},
		{"existing 0755", existing(0o755), 0o644},
	}
	for _, c := range cases {
		want, werr := run(lib, c.setup, c.perm)
		got, gerr := run(WriteFile, c.setup, c.perm)
		if werr != nil || gerr != nil || got.data != want.data || got.mode != want.mode || !slices.Equal(got.names, want.names) {
			t.Errorf("%s: WriteFile %+v, %v; renameio %+v, %v", c.name, got, gerr, want, werr)
		}
	}
	missing := func(dir string) { os.Remove(dir) }
	_, werr := run(lib, missing, 0o644)
	_, gerr := run(WriteFile, missing, 0o644)
	if !errors.Is(werr, fs.ErrNotExist) || !errors.Is(gerr, fs.ErrNotExist) {
		t.Errorf("a missing directory: WriteFile %v, renameio %v; want fs.ErrNotExist from both", gerr, werr)
	}
	// the one difference: a symlink
	link := func(dir string) {
		existing(0o600)(dir)
		if err := os.Rename(filepath.Join(dir, "f"), filepath.Join(dir, "target")); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("target", filepath.Join(dir, "f")); err != nil {
			t.Fatal(err)
		}
	}
	want, werr := run(lib, link, 0o644)
	got, gerr := run(WriteFile, link, 0o644)
	if werr != nil || want.mode.Type() != 0 || gerr != nil || got.mode.Type() != fs.ModeSymlink || got.data != "new" {
		t.Errorf("a symlink: WriteFile %+v, %v, want the link kept and its target written; renameio %+v, %v, want the link replaced", got, gerr, want, werr)
	}
}
