//go:build unix

package store

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestHashKeyCopyStaysPrivate: the copy of the hash key (the secret every sender and
// conversation hash is keyed with) is 0600 whatever file it replaces. Through
// atomicfile.WriteFile it took the mode of the file before it: a copy an operator had made
// world-readable, or restored from a backup as 0644, got the new key at 0644 too, where the
// earlier writer (a fresh temporary file, 0600, renamed) never wrote the secret readable to
// others.
func TestHashKeyCopyStaysPrivate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, HashKeyFile)
	if err := os.WriteFile(path, []byte("0a0b0c\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil { // whatever the umask
		t.Fatal(err)
	}
	key := bytes.Repeat([]byte{0x5a}, 32)
	if err := keepHashKey(dir, key); err != nil {
		t.Fatal(err)
	}
	if got, err := readHashKey(dir); err != nil || !bytes.Equal(got, key) {
		t.Fatalf("the copy holds %x, %v; want %x", got, err, key)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("the hash key's copy is %v after keepHashKey replaced a 0644 file, want -rw------- (it is a secret)", st.Mode().Perm())
	}
}
