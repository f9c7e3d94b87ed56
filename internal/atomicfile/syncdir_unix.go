//go:build unix

package atomicfile

import (
	"errors"
	"os"
	"syscall"
)

func syncDirOS(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, syscall.EINVAL) {
		return nil // a file system that cannot sync a directory
	}
	return err
}
