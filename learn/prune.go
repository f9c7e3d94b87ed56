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
// Keep 0 removes nothing.
func Prune(dir string, keep int, protect ...string) ([]string, error) {
	if keep <= 0 {
		return nil, nil
	}
	root := filepath.Dir(filepath.Clean(dir))
	prefix := learntBase(dir) + learntSuffix
	// As a commit of a new bundle does (intent.CommitVersion): two prunes, or a prune and a
	// commit, do not interleave.
	d, err := os.Open(root)
	if err != nil {
		return nil, fmt.Errorf("prune: %w", err)
	}
	defer d.Close()
	if err := dirlock.Lock(d); err != nil {
		return nil, fmt.Errorf("prune: lock %s: %w", root, err)
	}
	es, err := d.ReadDir(-1)
	if err != nil {
		return nil, fmt.Errorf("prune: %w", err)
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
	var removed []string
	var errs []error
	for _, b := range slices.Backward(learnt) { // the oldest first
		if kept[b.m.Version()] {
			continue
		}
		ok, err := removeBundle(b.path, root)
		if err != nil {
			errs = append(errs, err)
		}
		if ok {
			removed = append(removed, b.path)
		}
	}
	for _, p := range leftovers {
		if _, err := removeBundle(p, ""); err != nil {
			errs = append(errs, err)
		}
	}
	return removed, errors.Join(errs...)
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

// removeBundle removes the bundle directory p unless a process holds it (a shared lock: an
// engine serving it). With root set, p is first renamed to a hidden name in root, under the
// lock, so that nothing finds it half removed; with root empty, p is a leftover of that.
func removeBundle(p, root string) (bool, error) {
	f, err := os.Open(p)
	if err != nil {
		return false, nil // gone meanwhile
	}
	ok, err := dirlock.TryLock(f)
	if err != nil || !ok {
		f.Close()
		return false, nil // in use
	}
	gone := p
	if root != "" {
		gone = filepath.Join(root, "."+filepath.Base(p)+prunedMark+strconv.FormatInt(time.Now().UnixNano(), 36))
		if err := os.Rename(p, gone); err != nil {
			f.Close()
			return false, fmt.Errorf("prune: %w", err)
		}
	}
	f.Close()
	if err := os.RemoveAll(gone); err != nil {
		return root != "", fmt.Errorf("prune: %w", err)
	}
	return true, nil
}
