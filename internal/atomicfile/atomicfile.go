package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/dirlock"
)

// File is a file being written under a temporary name beside the file it replaces. Write to it
// as to any *os.File; Commit puts it in place, Discard drops it. Do not Close it yourself.
type File struct {
	*os.File
	path string // as the caller named it, for errors
	dest string // path with its symlinks resolved: what the rename replaces
	done bool
}

// Create starts a file that replaces path when committed. path's directory must exist. The
// file gets the mode of the file path names, when there is one, and perm otherwise (exactly:
// the umask does not apply). When path is a symlink, the file it leads to is replaced and the
// link stays.
func Create(path string, perm fs.FileMode) (*File, error) { return create(path, perm, true) }

// CreatePrivate is Create for a secret (a key): the file gets exactly perm, whatever mode the
// file it replaces had. Create would keep a copy an operator left readable to others so, and
// write the new secret there too.
func CreatePrivate(path string, perm fs.FileMode) (*File, error) { return create(path, perm, false) }

func create(path string, perm fs.FileMode, keepMode bool) (*File, error) {
	dest := path
	if real, err := filepath.EvalSymlinks(path); err == nil {
		dest = real
		if st, err := os.Stat(dest); err == nil && st.Mode().IsRegular() && keepMode {
			perm = st.Mode().Perm()
		}
	}
	return createBeside(path, dest, dest, perm)
}

// createBeside makes the temporary file of a write to dest, named after name (dest itself, or
// the file whose version dest is: WriteNew), after removing what writers killed before they
// committed left there (cleanLitter). The file is flocked until it is closed, so that a later
// writer's cleaning passes it by.
func createBeside(path, name, dest string, perm fs.FileMode) (*File, error) {
	cleanLitter(name)
	tmp, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".tmp*")
	if err != nil {
		return nil, wrap(path, err)
	}
	if err := tmp.Chmod(perm.Perm()); err != nil { // CreateTemp makes 0600
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, wrap(path, err)
	}
	dirlock.TryLock(tmp) // a new file: none holds it; where flock is missing, age alone tells
	return &File{File: tmp, path: path, dest: dest}, nil
}

// beforeCommit, when set (by tests), is called with a written and synced temporary file just
// before it is put in place: a test's helper process waits there to be killed.
var beforeCommit func(tmp string)

// litterAge is how old an unlocked temporary file must be before cleanLitter removes it: its
// writer may not have locked it yet, and where flock is missing age alone tells.
const litterAge = time.Minute

// cleanLitter removes the temporary files that writers of name killed before they committed
// (SIGKILL, a crash, a power cut) left beside it: ".name.tmpNNN", and ".name.<more>.tmpNNN" of
// a file written under a name of name's (the console's rules.yaml.<time> versions). Nothing
// removed them: every kill during a console save left one in the rules file's directory, for
// ever. A temporary file a live writer holds (flock), or that is under litterAge old, is passed
// by. Best effort: what cannot be removed is tried again at the next write.
func cleanLitter(name string) {
	dir, base := filepath.Dir(name), "."+filepath.Base(name)+"."
	es, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range es {
		n := e.Name()
		i := strings.LastIndex(n, ".tmp")
		if !strings.HasPrefix(n, base) || i < len(base)-1 || !e.Type().IsRegular() {
			continue
		}
		if digits := n[i+len(".tmp"):]; digits == "" || strings.Trim(digits, "0123456789") != "" {
			continue // os.CreateTemp's names end in .tmp and digits
		}
		removeStale(filepath.Join(dir, n))
	}
}

// removeStale removes the temporary file p unless a live writer holds it or it is recent.
func removeStale(p string) {
	f, err := os.Open(p)
	if err != nil {
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || time.Since(st.ModTime()) < litterAge {
		return
	}
	if locked, err := dirlock.TryLock(f); err != nil || !locked {
		return
	}
	os.Remove(p)
}

// WriteNew writes data to path, a file that must not exist yet (fs.ErrExist when it does),
// through a temporary file beside it that is synced and then linked into place, so that path
// holds all of data or is missing: a version kept beside a file (the console's rules.yaml.<UTC
// time>) was made empty first and filled after, and a kill between the two left an empty
// version listed among the others. The temporary file is named after of, the file path is a
// version of, so that the next write of of removes it should this one be killed. path gets
// exactly perm.
func WriteNew(path, of string, data []byte, perm fs.FileMode) error {
	f, err := createBeside(path, of, path, perm)
	if err != nil {
		return err
	}
	defer f.Discard()
	if _, err := f.Write(data); err != nil {
		return wrap(path, err)
	}
	f.done = true
	err = f.File.Sync()
	if err == nil && beforeCommit != nil {
		beforeCommit(f.File.Name())
	}
	if cerr := f.File.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Link(f.File.Name(), path) // a link, unlike a rename, never replaces a file
	}
	os.Remove(f.File.Name())
	if err != nil {
		return wrap(path, err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return wrap(path, err)
	}
	return nil
}

// Commit syncs the file, closes it, renames it over the file it replaces and syncs the
// directory, so that neither a reader nor a crash can find half of it, and a crash after Commit
// returns keeps it. On an error before the rename the temporary file is removed and the old
// file is left as it was.
func (f *File) Commit() error {
	if f.done {
		return fmt.Errorf("write %s: %w", f.path, os.ErrClosed)
	}
	f.done = true
	err := f.File.Sync()
	if err == nil && beforeCommit != nil {
		beforeCommit(f.File.Name())
	}
	if cerr := f.File.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.File.Name(), f.dest)
	}
	if err != nil {
		os.Remove(f.File.Name())
		return wrap(f.path, err)
	}
	if err := syncDir(filepath.Dir(f.dest)); err != nil {
		return wrap(f.path, err)
	}
	return nil
}

// Discard closes and removes the temporary file unless Commit was called; it does nothing
// then, so that it can be deferred.
func (f *File) Discard() {
	if f.done {
		return
	}
	f.done = true
	f.File.Close()
	os.Remove(f.File.Name())
}

// WriteFile writes data to path through a File: a temporary file beside it, synced, renamed
// into place, and the directory synced. Permissions and symlinks are as Create says.
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	return write(path, data, perm, true)
}

// WritePrivate is WriteFile for a secret: the file gets exactly perm (CreatePrivate), not the
// mode of the file it replaces.
func WritePrivate(path string, data []byte, perm fs.FileMode) error {
	return write(path, data, perm, false)
}

func write(path string, data []byte, perm fs.FileMode, keepMode bool) error {
	f, err := create(path, perm, keepMode)
	if err != nil {
		return err
	}
	defer f.Discard()
	if _, err := f.Write(data); err != nil {
		return wrap(path, err)
	}
	return f.Commit()
}

// Rename renames oldpath to newpath (files or directories) and syncs the directories of both,
// so that a crash after it returns finds newpath and not oldpath.
func Rename(oldpath, newpath string) error {
	if err := os.Rename(oldpath, newpath); err != nil {
		return err
	}
	dir := filepath.Dir(newpath)
	if err := syncDir(dir); err != nil {
		return err
	}
	if od := filepath.Dir(oldpath); od != dir {
		return syncDir(od)
	}
	return nil
}

// SyncDir syncs the directory dir itself: the names in it, after a rename, a create or a
// remove. A file system that cannot sync a directory (EINVAL) is taken as having nothing to
// do; elsewhere than unix it does nothing.
func SyncDir(dir string) error { return syncDir(dir) }

// syncDir is SyncDir; tests replace it to see when directories are synced.
var syncDir = syncDirOS

// SyncTree syncs every file and directory under dir, dir included: what other code (a
// library's own files) wrote there reaches the disk before dir is renamed into place.
func SyncTree(dir string) error {
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir():
			return syncDir(p)
		case !d.Type().IsRegular():
			return nil // a symlink or a device has no data of ours to sync
		}
		return syncFile(p)
	})
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// SyncFile syncs the file at p: what another writer (SQLite's VACUUM INTO) put in it reaches the
// disk before it is linked or renamed into place.
func SyncFile(p string) error { return syncFile(p) }

func syncFile(p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// wrap names path in err instead of the temporary file: an *fs.PathError or *os.LinkError
// (which name the temporary file) gives its cause alone.
func wrap(path string, err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		err = pe.Err
	case errors.As(err, &le):
		err = le.Err
	}
	return fmt.Errorf("write %s: %w", path, err)
}
