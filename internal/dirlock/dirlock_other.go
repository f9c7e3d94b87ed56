//go:build !unix

package dirlock

import "os"

// TryLock cannot lock here: it reports success.
func TryLock(*os.File) (bool, error) { return true, nil }

// Lock cannot lock here: it returns at once.
func Lock(*os.File) error { return nil }

// TryLockShared cannot lock here: it reports success.
func TryLockShared(*os.File) (bool, error) { return true, nil }
