// Package atomicfile is zhiyi's one way to replace a file: write a temporary file beside it,
// sync it, rename it over the old one and sync the directory, so that a reader never sees half
// a file and a crash never leaves an empty one, nor forgets the new name once the write has
// returned.
//
//	err := atomicfile.WriteFile(path, data, 0o644) // a new file 0644; an existing one keeps its mode
//
//	f, err := atomicfile.Create(path, 0o644) // to stream into it
//	defer f.Discard()                        // nothing left behind on an error
//	... write to f ...
//	err = f.Commit()
//
// WritePrivate and CreatePrivate are for secrets (a key): the file gets exactly the mode asked
// for, never the looser one of the file it replaces.
//
// WriteNew writes a file that must not exist yet (a version kept beside another) whole, linking
// it into place. A writer killed before it commits leaves its temporary file (".name.tmpNNN");
// the next write of that name removes those no live writer holds (flock) that are a minute old.
//
// Rename and SyncDir do the same for renames made otherwise (a bundle directory moved into
// place), and SyncTree syncs a directory that other code filled before it is renamed.
// A symlink at path stays one: the file it leads to is replaced. Errors name path as the
// caller gave it, never the temporary file.
//
// # Why not github.com/google/renameio/v2
//
// renameio (v2.0.2 resolves from the module proxy) is the well-kept library for the first
// half, and TestMatchesRenameio holds WriteFile to its WriteFile: the same content, modes
// (with IgnoreUmask) and cleanliness. It is not used because it does not do what this package
// is for:
//   - It is about atomicity only (its README, "Atomicity vs durability"): it never syncs the
//     directory, so a crash after the rename may lose the new name. Measured with strace over
//     900 writes of 4 KiB on ext4: renameio.WriteFile makes 1 fsync a write, this package 2
//     (the file, then its directory).
//   - By default it puts the temporary file in $TMPDIR when that is on the same file system,
//     probing with a create, a rename and a remove on every write (3 opens and 2 renames a
//     write in the same measurement, against 2 and 1 here): a crash leaves its litter away
//     from the file, where nothing of zhiyi looks.
//   - It replaces a symlink with a file, and its errors name the temporary file; zhiyi keeps
//     the link and names the user's path. It has no directory renames.
//   - It exports nothing on Windows, where zhiyi builds (there SyncDir does nothing).
//
// What it would have saved is the twenty lines of Create and Commit; what it lacks would have
// had to be written around it anyway.
package atomicfile
