package train

import (
	"os"
	"path/filepath"
	"testing"
)

// TestRefusedFileIsPrivate: the refused batches hold customer text, so their file is 0600 like
// the decision log, and one written 0644 by an older version is tightened.
func TestRefusedFileIsPrivate(t *testing.T) {
	model := filepath.Join(t.TempDir(), "shop")
	batch := []Labelled{{Text: textKey("怎么退货"), Intent: "invoice"}}
	if err := recordRefused(model, "shop@x", "refused: test", batch); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(RefusedPath(model))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("%s: %v, mode %v; want 0600", RefusedPath(model), err, st.Mode().Perm())
	}
	if err := os.Chmod(RefusedPath(model), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := recordRefused(model, "shop@x", "refused: test", batch); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(RefusedPath(model)); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("a 0644 file appended to: %v, mode %v; want 0600", err, st.Mode().Perm())
	}
}
