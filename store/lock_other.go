//go:build !unix

package store

import (
	"os"
	"sync"
)

var migrateMu sync.Mutex

// lockFile serialises migrations within the process only where flock is missing.
func lockFile(string) (func(), error) {
	migrateMu.Lock()
	return migrateMu.Unlock, nil
}

// tryLockFile cannot tell another process's hold where flock is missing: it always succeeds.
func tryLockFile(string) (func(), error) { return func() {}, nil }

// giveToDirOwner does nothing where ownership is not Unix's.
func giveToDirOwner(*os.File, string) error { return nil }
