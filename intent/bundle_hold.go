package intent

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/dirlock"
)

// holdWait is how long holdBundle waits for an exclusive holder of a bundle's directory: a
// commit exchanging it, or a prune moving it away, each hold it for a moment only.
const holdWait = 10 * time.Second

// holdBundle opens dir and takes a shared lock on it for as long as the returned handle is
// open: the engine keeps it while it serves, so that pruning (learn.Prune, from any process on
// the host) passes the bundle by. The lock is taken on the directory the path names once the
// lock is held: a directory exchanged or moved away meanwhile is let go and the path opened
// again.
func holdBundle(ctx context.Context, dir string) (*os.File, error) {
	deadline := time.Now().Add(holdWait)
	for {
		f, err := os.Open(dir)
		if err != nil {
			return nil, fmt.Errorf("bundle %s: %w", dir, err)
		}
		ok, err := dirlock.TryLockShared(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("bundle %s: lock: %w", dir, err)
		}
		if ok {
			same, err := sameDir(f, dir)
			if err != nil {
				f.Close()
				return nil, fmt.Errorf("bundle %s: %w", dir, err)
			}
			if same {
				return f, nil
			}
		}
		f.Close()
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("bundle %s: another process has held it for %v (pruning or replacing it)", dir, holdWait)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("bundle %s: %w", dir, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// sameDir reports whether the open directory f is still the one the path dir names.
func sameDir(f *os.File, dir string) (bool, error) {
	held, err := f.Stat()
	if err != nil {
		return false, err
	}
	now, err := os.Stat(dir)
	if err != nil {
		return false, err
	}
	return os.SameFile(held, now), nil
}
