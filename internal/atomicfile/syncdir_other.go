//go:build !unix

package atomicfile

// syncDirOS does nothing here: Windows cannot open a directory to sync it, and a rename there
// is as durable as its file system makes it.
func syncDirOS(string) error { return nil }
