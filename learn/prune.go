package learn

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/internal/dirlock"
)

// DefaultKeep is how many learnt bundles Prune keeps when nothing else is said (zhiyi serve
// --learn-keep, zhiyi learn --keep): a bundle is about 10 MB, and an hourly --learn wrote one
// an hour, forever.
const DefaultKeep = 20

// prunedMark names a bundle's directory while Prune removes it: .<name>.pruned-<n>. The rename
// takes the bundle out of every listing at once; a removal cut short leaves a hidden directory
// the next Prune removes.
const prunedMark = ".pruned-"

// Prune removes, beside dir, learnt bundles of dir's line (named <dir's base>-learnt-<time>,
// as Promote names them) that are not among the keep newest, and returns the directories it
// removed, oldest first. It never removes:
//   - a bundle trained from exports (the root of every line, whatever its name);
//   - a bundle in protect (the one serving, the one a serving record names), nor its parents up
//     to keep-1 generations: with them it makes keep bundles, and keep-1 rollbacks from it
//     succeed (the last to the bundle trained from exports, when it is the line's root);
//   - the parents of a kept bundle learnt before manifests named their root (Manifest.Root):
//     the learning gate finds that root through them;
//   - a bundle another process holds (an engine serving it, in any zhiyi process on the host),
//     nor a directory whose manifest does not read.
//
// Keep 0 removes nothing. The bundles are chosen and moved out of sight under the models
// directory's lock, and removed after it is released: a commit beside them waits for the
// choice, not for the removal of hundreds of bundles.
func Prune(dir string, keep int, protect ...string) ([]string, error) {
	if keep <= 0 {
		return nil, nil
	}
	removed, doomed, err := moveAway(dir, keep, protect)
	errs := []error{err}
	for _, d := range doomed {
		if err := os.RemoveAll(d.path); err != nil {
			errs = append(errs, fmt.Errorf("prune: %w", err))
		}
		d.lock.Close()
	}
	return removed, errors.Join(errs...)
}

// doomedBundle is a bundle directory moved out of sight, to remove, and the exclusive lock held
// on it until it is gone (another prune passes it by meanwhile).
type doomedBundle struct {
	path string
	lock *os.File
}

// moveAway chooses what Prune removes, under the models directory's lock, and renames each to a
// hidden name; it returns the bundles' original paths and what to remove (with the hidden
// leftovers of earlier removals cut short).
func moveAway(dir string, keep int, protect []string) (removed []string, doomed []doomedBundle, err error) {
	root := filepath.Dir(filepath.Clean(dir))
	prefix := learntBase(dir) + learntSuffix
	// As a commit of a new bundle does (intent.CommitVersion): two prunes, or a prune and a
	// commit, do not interleave.
	d, err := os.Open(root)
	if err != nil {
		return nil, nil, fmt.Errorf("prune: %w", err)
	}
	defer d.Close()
	if err := dirlock.Lock(d); err != nil {
		return nil, nil, fmt.Errorf("prune: lock %s: %w", root, err)
	}
	es, err := d.ReadDir(-1)
	if err != nil {
		return nil, nil, fmt.Errorf("prune: %w", err)
	}
	type bundle struct {
		path string
		m    *intent.Manifest
	}
	var learnt []bundle
	byVersion := map[string]*intent.Manifest{}
	var leftovers []string
	for _, e := range es {
		if !e.IsDir() {
			continue
		}
		name := e.Name()
		if n, ok := strings.CutPrefix(name, "."+prefix); ok && strings.Contains(n, prunedMark) {
			leftovers = append(leftovers, filepath.Join(root, name))
			continue
		}
		p := filepath.Join(root, name)
		m, err := intent.PeekManifest(p)
		if err != nil {
			continue
		}
		byVersion[m.Version()] = m
		if stamp, ok := strings.CutPrefix(name, prefix); ok && isStamp(stamp) && m.Parent != "" {
			learnt = append(learnt, bundle{p, m})
		}
	}
	slices.SortFunc(learnt, func(a, b bundle) int {
		return cmp.Or(b.m.CreatedAt.Compare(a.m.CreatedAt), cmp.Compare(b.m.Seq, a.m.Seq))
	})
	kept := map[string]bool{} // by version
	for _, b := range learnt[:min(keep, len(learnt))] {
		kept[b.m.Version()] = true
	}
	// marks up to n generations of m's parents kept
	ancestors := func(m *intent.Manifest, n int) {
		for v := m.Parent; v != "" && n > 0; n-- {
			kept[v] = true
			pm, ok := byVersion[v]
			if !ok {
				return
			}
			v = pm.Parent
		}
	}
	for _, p := range protect {
		m, err := intent.PeekManifest(p)
		if err != nil || !sameBundleDir(p, root) {
			continue
		}
		kept[m.Version()] = true
		ancestors(m, keep-1)
	}
	for _, b := range learnt {
		if kept[b.m.Version()] && b.m.Root == "" {
			ancestors(b.m, len(byVersion))
		}
	}
	var errs []error
	for _, b := range slices.Backward(learnt) { // the oldest first
		if kept[b.m.Version()] {
			continue
		}
		lock := lockUnused(b.path)
		if lock == nil {
			continue // in use
		}
		gone := filepath.Join(root, "."+filepath.Base(b.path)+prunedMark+strconv.FormatInt(time.Now().UnixNano(), 36))
		if err := os.Rename(b.path, gone); err != nil {
			lock.Close()
			errs = append(errs, fmt.Errorf("prune: %w", err))
			continue
		}
		removed = append(removed, b.path)
		doomed = append(doomed, doomedBundle{gone, lock})
	}
	for _, p := range leftovers {
		if lock := lockUnused(p); lock != nil {
			doomed = append(doomed, doomedBundle{p, lock})
		}
	}
	return removed, doomed, errors.Join(errs...)
}

// sameBundleDir reports whether the bundle directory p is in root.
func sameBundleDir(p, root string) bool {
	a, err := os.Stat(filepath.Dir(filepath.Clean(p)))
	if err != nil {
		return false
	}
	b, err := os.Stat(root)
	return err == nil && os.SameFile(a, b)
}

// lockUnused takes the exclusive lock of the directory p and returns it held, or nil when a
// process holds p (a shared lock: an engine serving the bundle; another prune removing it) or p
// is gone.
func lockUnused(p string) *os.File {
	f, err := os.Open(p)
	if err != nil {
		return nil
	}
	if ok, err := dirlock.TryLock(f); err != nil || !ok {
		f.Close()
		return nil
	}
	return f
}
