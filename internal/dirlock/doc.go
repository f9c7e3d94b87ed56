// Package dirlock takes advisory locks (flock) on open directories, so that zhiyi's
// processes tell a directory another one is still working in from one left by a process that
// died: the kernel drops a flock when its holder dies, however it dies.
//
//	f, err := os.Open(dir)
//	ok, err := dirlock.TryLock(f) // false: another process holds it
//	...
//	f.Close() // releases it
//
// A shared lock (TryLockShared) says a directory is in use, not being written: a process serving
// a bundle holds one, so that pruning old bundles (TryLock) passes it by.
//
// A lock belongs to the open file: two handles of one directory conflict even within one
// process, and closing the handle releases it. Where flock is missing (not unix) TryLock always
// succeeds and Lock returns at once: callers tell directories apart by age alone there.
package dirlock
