//go:build unix

package train

import (
	"os"
	"syscall"
)

// giveToDirOwner gives f, written by root, the owner and group of dir (zhiyi learn run with
// sudo: the file stays the models' owner's, whose serve --learn reads and appends to it).
func giveToDirOwner(f *os.File, dir os.FileInfo) error {
	st, ok := dir.Sys().(*syscall.Stat_t)
	if !ok || os.Geteuid() != 0 {
		return nil
	}
	return f.Chown(int(st.Uid), int(st.Gid))
}
