//go:build unix

package train

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// zhiyi learn run as root (sudo) made learn-refused.jsonl root's, 0600, and the serve --learn
// of the service's user could neither read it (every learn failed) nor add to it. Written by
// root, the file takes its directory's owner and group, and the group may write it where it
// may write the directory (the models shared with the service's group, docs/operations.md).
func TestRefusedFileKeepsTheDirectorysOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the defect is root's file")
	}
	const service = 65534 // nobody, standing for the service's user and group
	batch := []Labelled{{Text: textKey("怎么退货"), Intent: "invoice"}}
	for _, c := range []struct {
		name             string
		uid, gid         int
		dirMode          os.FileMode
		wantUID, wantGID int
		wantMode         os.FileMode
	}{
		{"the service's directory", service, service, 0o700, service, service, 0o600},
		{"root's, shared with the service's group", 0, service, 0o1775, 0, service, 0o660},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "models")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Chown(dir, c.uid, c.gid); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dir, c.dirMode); err != nil {
				t.Fatal(err)
			}
			model := filepath.Join(dir, "shop")
			for range 2 { // made, then appended to
				if err := recordRefused(model, "shop@x", "refused: test", batch); err != nil {
					t.Fatal(err)
				}
				st, err := os.Stat(RefusedPath(model))
				if err != nil {
					t.Fatal(err)
				}
				sys := st.Sys().(*syscall.Stat_t)
				if int(sys.Uid) != c.wantUID || int(sys.Gid) != c.wantGID || st.Mode().Perm() != c.wantMode {
					t.Fatalf("%s is %d:%d %v; want %d:%d %v", RefusedPath(model), sys.Uid, sys.Gid, st.Mode().Perm(), c.wantUID, c.wantGID, c.wantMode)
				}
			}
		})
	}
}
