package intent

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/dirlock"
)

// VersionLayout is the time in a version, and in the name of a bundle learnt beside its parent:
// UTC to the second.
const VersionLayout = "20060102T150405Z"

// Version is the model's name and creation time to the second, as the service reports it
// (shop@20261206T055435Z), and Seq when it is 2 or more (shop@20261206T055435Z-2): ordered by
// when the bundles were made.
func (m *Manifest) Version() string {
	v := m.Name + "@" + m.CreatedAt.UTC().Format(VersionLayout)
	if m.Seq > 1 {
		v += "-" + strconv.Itoa(m.Seq)
	}
	return v
}

// CommitVersion writes m as the manifest of the finished bundle in tmp (WriteManifest) and
// commits it to out (CommitBundle), after giving it a version of its own: a version is how a
// learnt bundle names its parent (Manifest.Parent) and how a rollback finds it, and two bundles
// of one name made in one second — promotions by two replicas over one models directory, a
// child learnt within its parent's second, a retrain beside a promotion — shared one. m.Seq is
// set to one more than the highest Seq of the bundles beside out (and m.Parent) that have m's
// name and second, or left 0 when there is none; m.CreatedAt is then moved, by nanoseconds, past
// theirs when it is not after them already (a writer that waited for another's commit), so that
// versions and creation times order bundles alike. Writers over one directory choose and commit
// one at a time (a lock on out's parent; by age alone where there are no locks).
func CommitVersion(tmp, out string, m *Manifest) error {
	return CommitVersionFunc(tmp, out, m, nil)
}

// CommitVersionFunc is CommitVersion calling seal, when not nil, once m's version is final and
// before the manifest is written: for the files that name the version (a report), written into
// tmp there so that the manifest's checksums cover them.
func CommitVersionFunc(tmp, out string, m *Manifest, seal func(*Manifest) error) error {
	parent := filepath.Dir(filepath.Clean(out))
	d, err := os.Open(parent)
	if err != nil {
		return fmt.Errorf("commit bundle: %w", err)
	}
	defer d.Close() // and the lock
	if err := dirlock.Lock(d); err != nil {
		return fmt.Errorf("commit bundle: lock %s: %w", parent, err)
	}
	es, err := d.ReadDir(-1)
	if err != nil {
		return fmt.Errorf("commit bundle: %w", err)
	}
	var beside []*Manifest
	for _, e := range es {
		if !e.IsDir() || isBundleTmp(e.Name()) {
			continue
		}
		if v, err := PeekManifest(filepath.Join(parent, e.Name())); err == nil {
			beside = append(beside, v)
		}
	}
	m.CreatedAt = m.CreatedAt.UTC()
	for {
		// what Version gives m's name and second, and the Seq the bundles beside out have there
		base := m.Name + "@" + m.CreatedAt.Format(VersionLayout)
		taken := seqOf(m.Parent, base) // the parent, wherever it is (--out may be elsewhere)
		var latest time.Time
		for _, v := range beside {
			if n := seqOf(v.Version(), base); n > 0 {
				taken = max(taken, n)
				if v.CreatedAt.After(latest) {
					latest = v.CreatedAt
				}
			}
		}
		if taken == 0 || m.CreatedAt.After(latest) {
			m.Seq = 0
			if taken > 0 {
				m.Seq = taken + 1
			}
			break
		}
		// After them in time as in Seq; into the next second, if that is where it lands
		m.CreatedAt = latest.UTC().Add(time.Nanosecond)
	}
	if seal != nil {
		if err := seal(m); err != nil {
			return err
		}
	}
	if err := WriteManifest(tmp, m); err != nil {
		return err
	}
	return CommitBundle(tmp, out)
}

// seqOf is the Seq of version v when v is base (1) or base-N (N), and 0 otherwise.
func seqOf(v, base string) int {
	if v == base {
		return 1
	}
	if rest, ok := strings.CutPrefix(v, base+"-"); ok {
		if n, err := strconv.Atoi(rest); err == nil && n > 1 {
			return n
		}
	}
	return 0
}
