//go:build unix

package intent

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/dirlock"
)

// holdBundle waits while another process holds a bundle's directory exclusively (a prune moving
// it away), gives up with the caller's context, and takes the shared lock once it is free: then
// a prune (an exclusive TryLock) passes the bundle by until the engine lets it go.
func TestHoldBundle(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "shop")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	pruner, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer pruner.Close()
	if ok, err := dirlock.TryLock(pruner); !ok || err != nil {
		t.Fatal(ok, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if f, err := holdBundle(ctx, dir); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("holdBundle while held exclusively: %v, %v; want the context's deadline", f, err)
	}
	pruner.Close()
	f, err := holdBundle(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	other, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if ok, err := dirlock.TryLock(other); ok || err != nil {
		t.Errorf("a prune's TryLock while an engine holds the bundle: %v, %v; want false", ok, err)
	}
	f.Close()
	if ok, err := dirlock.TryLock(other); !ok || err != nil {
		t.Errorf("a prune's TryLock once the engine let go: %v, %v", ok, err)
	}
	if _, err := holdBundle(context.Background(), filepath.Join(t.TempDir(), "gone")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a bundle that is not there: %v", err)
	}
}
