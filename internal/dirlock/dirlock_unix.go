//go:build unix

package dirlock

import (
	"errors"
	"os"
	"syscall"
)

// TryLock takes an exclusive flock on the open directory f without waiting: false when
// another handle holds it.
func TryLock(f *os.File) (bool, error) {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return false, nil
	}
	return err == nil, err
}

// Lock takes an exclusive flock on the open directory f, waiting for the handle that holds it.
func Lock(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}

// TryLockShared takes a shared flock on the open directory f without waiting: any number of
// handles share it (processes serving the bundle in it), and it keeps TryLock from succeeding
// until they close. False when another handle holds the exclusive lock.
func TryLockShared(f *os.File) (bool, error) {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return false, nil
	}
	return err == nil, err
}
