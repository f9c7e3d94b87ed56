//go:build unix

package store_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/zhiyi-ai/zhiyi/store"
)

// Run by root (sudo zhiyi restore), the restored log is given the data directory's owner, the
// service's user: a log of root's, readable by root alone, is one serve cannot open.
func TestRestoreGivesDirOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a file away")
	}
	backup, _ := backupOf(t, store.Config{DataDir: t.TempDir()}, 1)
	dir := t.TempDir()
	const nobody = 65534
	if err := os.Chown(dir, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Restore(testCtx(t), backup, store.Config{DataDir: dir}); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, store.DBFileName))
	if err != nil {
		t.Fatal(err)
	}
	if sys := st.Sys().(*syscall.Stat_t); sys.Uid != nobody || sys.Gid != nobody {
		t.Errorf("the restored log is %d:%d; want the data directory's owner %d:%d", sys.Uid, sys.Gid, nobody, nobody)
	}
}
