package learn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/internal/dirlock"
	"github.com/zhiyi-ai/zhiyi/store"
	"github.com/zhiyi-ai/zhiyi/train"
)

// Corrections returns what people corrected since: feedback whose correct_intent differs from
// the decision's intent (the decision's masked text with the right intent) and labels given by a
// cluster sheet, the console or a correction. Labels naming a new intent (new:…) are left out:
// the knowledge base has no answer for them yet.
//
// Since is when the last read began. A feedback given before it but stored after it (spooled
// through an outage, or waiting for its decision on another replica) is read too, and so is
// what was stored within CommitMargin before it: a write stamped before the read began may
// commit after it (a lock wait, a synchronous standby). What is read twice this way the bundle
// learnt already: train.LeaveOutLearnt tells those apart before they are counted, and
// train.Learn leaves them out.
func Corrections(ctx context.Context, db *store.DB, since time.Time) ([]train.Correction, error) {
	var stored time.Time
	if !since.IsZero() {
		stored = since.Add(-CommitMargin)
	}
	return corrections(ctx, db, store.FeedbackQuery{Since: since, StoredSince: stored, Corrections: true}, stored)
}

// CorrectionsGivenSince returns what people corrected from t on, as a person asks for it
// (zhiyi learn --since): feedback given from t, labels stored from t; nothing before t, which
// Corrections' margin for a read boundary would take.
func CorrectionsGivenSince(ctx context.Context, db *store.DB, t time.Time) ([]train.Correction, error) {
	return corrections(ctx, db, store.FeedbackQuery{Since: t, Corrections: true}, t)
}

// corrections reads the corrections among the feedback fq selects and the labels stored from
// labelsSince.
func corrections(ctx context.Context, db *store.DB, fq store.FeedbackQuery, labelsSince time.Time) ([]train.Correction, error) {
	var out []train.Correction
	err := db.Feedback(ctx, fq, func(r *store.FeedbackRecord) error {
		if r.Decision.Text != "" {
			out = append(out, train.Correction{Text: r.Decision.Text, Intent: r.CorrectIntent, Source: "feedback"})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("learn: feedback: %w", err)
	}
	err = db.Labels(ctx, store.LabelQuery{Since: labelsSince}, func(l *store.Label) error {
		if l.Text != "" && l.Intent != "" && !strings.HasPrefix(l.Intent, train.NewIntentPrefix) {
			src := l.Source
			if src == "" {
				src = "label"
			}
			out = append(out, train.Correction{Text: l.Text, Intent: l.Intent, Source: src})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("learn: labels: %w", err)
	}
	return out, nil
}

// CommitMargin is how long before a read began Corrections reads again what was stored: longer
// than a write takes from its stamp to its commit.
const CommitMargin = time.Minute

// learntSuffix names a promoted bundle beside its parent: <parent's base name>-learnt-<time>.
const learntSuffix = "-learnt-"

// Promote continues the bundle in dir on the corrections (train.Learn) and, when the gate lets
// the candidate through, writes it as a new version beside dir; res.Bundle names it. A refused
// candidate writes nothing. Promoting a learnt bundle again names the new one after the
// original. It first removes the reservations of earlier promotions that were killed
// (CleanReservations), saying so on cfg.Progress.
func Promote(ctx context.Context, dir string, fixes []train.Correction, cfg train.LearnConfig) (*train.LearnResult, error) {
	removed, err := CleanReservations(dir)
	if cfg.Progress != nil {
		for _, p := range removed {
			fmt.Fprintf(cfg.Progress, "removed %s (the empty reservation of a learn that did not finish)\n", p)
		}
		if err != nil {
			fmt.Fprintf(cfg.Progress, "cannot remove the reservations of unfinished learns: %v\n", err)
		}
	}
	out, unlock, err := reserve(filepath.Dir(filepath.Clean(dir)), learntBase(dir)+learntSuffix+now().UTC().Format(intent.VersionLayout))
	if err != nil {
		return nil, err
	}
	defer unlock()
	res, err := train.Learn(ctx, dir, out, fixes, cfg)
	if err != nil || !res.Promoted {
		os.Remove(out) // the reservation, still empty; never a bundle (Remove takes empty directories only)
	}
	return res, err
}

// learntBase is the name promoted bundles of dir begin with: dir's base name, without the
// suffix of a learnt bundle.
func learntBase(dir string) string {
	base := filepath.Base(filepath.Clean(dir))
	if i := strings.Index(base, learntSuffix); i > 0 {
		base = base[:i]
	}
	return base
}

// now is time.Now; tests fix it to start promotions in one second.
var now = time.Now

// reserve makes an empty directory root/name, or name-2, name-3 … when that exists, locks it,
// and returns it with the function that releases the lock. Two promotions started in one
// second (serve --learn's tick and a zhiyi learn, or two replicas over one models directory)
// both named name, and the later one's commit replaced the earlier bundle, which may have been
// serving. Mkdir is atomic, so each gets a name of its own; the commit replaces only the empty
// reservation (train.Learn accepts an empty directory). The lock tells CleanReservations that
// the reservation is still in use, however long the learning takes.
func reserve(root, name string) (string, func(), error) {
	for i := 1; i <= 1000; i++ {
		p := filepath.Join(root, name)
		if i > 1 {
			p += "-" + strconv.Itoa(i)
		}
		err := os.Mkdir(p, 0o755)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", nil, fmt.Errorf("learn: %w", err)
		}
		f, err := os.Open(p)
		if err == nil {
			var ok bool
			if ok, err = dirlock.TryLock(f); err == nil && !ok {
				err = errors.New("locked by another process")
			}
			if err != nil {
				f.Close()
			}
		}
		if err != nil {
			os.Remove(p)
			return "", nil, fmt.Errorf("learn: lock %s: %w", p, err)
		}
		return p, func() { f.Close() }, nil
	}
	return "", nil, fmt.Errorf("learn: %s and 999 names after it exist in %s", name, root)
}

// staleAfter is how old an empty reservation must be before CleanReservations removes it: a
// promotion locks its reservation just after making it.
const staleAfter = time.Minute

// CleanReservations removes, beside dir, the reservations of promotions of dir's bundle that
// were killed before they committed: empty directories named as reserve names them
// (<name>-learnt-<UTC second>, or with -2, -3 …), unlocked and a minute old. A directory that
// holds anything, or whose name zhiyi would not have made, is left alone. It returns the
// directories it removed.
func CleanReservations(dir string) ([]string, error) {
	root := filepath.Dir(filepath.Clean(dir))
	prefix := learntBase(dir) + learntSuffix
	es, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("learn: %w", err)
	}
	var removed []string
	for _, e := range es {
		stamp, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok || !e.IsDir() || !isStamp(stamp) {
			continue
		}
		p := filepath.Join(root, e.Name())
		ok, err := removeStaleReservation(p)
		if err != nil {
			return removed, err
		}
		if ok {
			removed = append(removed, p)
		}
	}
	return removed, nil
}

// isStamp reports whether s is what reserve puts after <name>-learnt-: a UTC second, and -N
// for N ≥ 2 when that name was taken.
func isStamp(s string) bool {
	t, n, hasN := strings.Cut(s, "-")
	if _, err := time.Parse(intent.VersionLayout, t); err != nil || len(t) != len(intent.VersionLayout) {
		return false
	}
	if !hasN {
		return true
	}
	i, err := strconv.Atoi(n)
	return err == nil && i >= 2 && strconv.Itoa(i) == n
}

// removeStaleReservation removes the directory p when it is empty, a minute old and unlocked.
func removeStaleReservation(p string) (bool, error) {
	f, err := os.Open(p)
	if err != nil {
		return false, nil // gone meanwhile, or not ours to read
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.IsDir() || time.Since(st.ModTime()) < staleAfter {
		return false, nil
	}
	if names, err := f.Readdirnames(1); len(names) > 0 || !errors.Is(err, io.EOF) {
		return false, nil // not empty: a bundle, or someone's files
	}
	if ok, err := dirlock.TryLock(f); err != nil || !ok {
		return false, nil // a promotion still learning
	}
	// Remove takes an empty directory only: one filled since is left alone.
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		if errors.Is(err, fs.ErrExist) || errors.Is(err, syscall.ENOTEMPTY) {
			return false, nil
		}
		return false, fmt.Errorf("learn: remove %s: %w", p, err)
	}
	return true, nil
}

// ErrNoParent is returned by Parent for a bundle trained from exports (it has no parent), or
// whose parent is no longer beside it.
var ErrNoParent = errors.New("learn: no parent bundle")

// Parent returns the directory of the bundle dir was learnt from: a sibling whose version is the
// one dir's manifest names as its parent.
func Parent(dir string) (string, error) {
	// The manifest alone: going back is what an operator does when the serving bundle is
	// damaged, and verifying its files refused that with "no parent".
	m, err := intent.PeekManifest(dir)
	if err != nil {
		return "", err
	}
	if m.Parent == "" {
		return "", fmt.Errorf("%w: %s was trained from exports", ErrNoParent, dir)
	}
	root := filepath.Dir(filepath.Clean(dir))
	entries, err := os.ReadDir(root)
	if err != nil {
		return "", fmt.Errorf("learn: %w", err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		// The siblings' manifests alone, not their files' checksums: a shop that learns every
		// hour keeps hundreds of bundles here. Loading the parent verifies it.
		p := filepath.Join(root, e.Name())
		if pm, err := intent.PeekManifest(p); err == nil && pm.Version() == m.Parent {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w: %s (version %s) is not in %s", ErrNoParent, m.Parent, m.Parent, root)
}
