//go:build unix

package intent

import (
	"errors"
	"os"
	"syscall"
)

// lockDir takes an exclusive flock on the open directory f without waiting: false when
// another process holds it. The kernel drops the lock when its holder dies, however it dies.
func lockDir(f *os.File) (bool, error) {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return false, nil
	}
	return err == nil, err
}
