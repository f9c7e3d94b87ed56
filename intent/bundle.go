package intent

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/zhiyi-ai/zhiyi/internal/atomicfile"
	"github.com/zhiyi-ai/zhiyi/internal/dirlock"
)

// errNoExchange means the file system cannot swap two directories in one step.
var errNoExchange = errors.New("exchanging directories is not supported")

// FormatVersion is the bundle format this build writes; it reads MinFormatVersion up to it.
// Version 2 added the ranker (RankerFile, Policy.Ranker) and the training intent mix
// (Policy.Priors): a build that knew only version 1 would load such a bundle, ignore its ranker
// and decide with thresholds chosen on the ranker's decisions, so it must refuse it instead.
// Version 3 stores the classifier in half precision too (ZYLR0004) and the ranker over the
// classifier's rows, without their ids (ZYLR0005): an older build would refuse them as "not a
// zhiyi classifier file"; the version says why.
const FormatVersion = 3

// MinFormatVersion is the oldest bundle format this build reads (version 1: no ranker).
const MinFormatVersion = 1

// The files of a bundle. Every file in the directory is listed in the manifest with its sha256.
const (
	ManifestFile   = "manifest.json"
	ClassifierFile = "classifier.bin"
	// RankerFile, when present, is a second classifier over the same intents that orders them
	// (a linear SVM: more often right, but its margins are poor confidences); the classifier's
	// probabilities stay the confidences (Policy.Ranker).
	RankerFile = "ranker.bin"
	// RankerDataFile is what the ranker was fitted on (its examples as features), so that
	// learning from corrections fits it again with them (package train).
	RankerDataFile = "ranker-data.bin"
	PolicyFile     = "policy.json"
	KBFile         = "kb.yaml"
	ExamplesFile   = "examples.jsonl" // labelled history (masked) for the retrieval index
	EvalSetFile    = "evalset.jsonl"  // the labelled messages the bundle was judged on (masked), for learning's gate
	IndexDir       = "index"          // the retrieval index, persisted by bleve (WriteIndex)
	DictDir        = "dict"
	SubwordDir     = "subword"
	ReportJSONFile = "report.json"
	ReportHTMLFile = "report.html"
)

// Manifest describes a bundle: what made it, how good it was, and a checksum of every file.
type Manifest struct {
	FormatVersion   int                `json:"format_version"`
	Name            string             `json:"name"`
	CreatedAt       time.Time          `json:"created_at"`
	DataFingerprint string             `json:"data_fingerprint"`
	Config          json.RawMessage    `json:"config,omitempty"`
	Metrics         map[string]float64 `json:"metrics,omitempty"`
	Files           map[string]string  `json:"files"` // relative path → sha256 hex
	// Parent is the version of the bundle this one continued from (learning from corrections),
	// and LearntFrom what it learnt; both empty for a bundle trained from exports.
	Parent     string  `json:"parent,omitempty"`
	LearntFrom *Learnt `json:"learnt_from,omitempty"`
	// Root is, in a learnt bundle, the version of the bundle trained from exports its chain of
	// parents began with: the learning gate bounds each generation against that bundle and finds
	// it by this name once pruning has removed the generations between. Empty in a bundle
	// trained from exports, and in bundles learnt before it was recorded (their chain is
	// followed instead).
	Root string `json:"root,omitempty"`
	// Seq tells apart bundles of one name made in one second (2, 3 …; 0 for the first): it is
	// part of the version (Version), which CommitVersion keeps distinct.
	Seq int `json:"seq,omitempty"`
	// AnswersSince is, in a learnt bundle, when the knowledge base it copied from its parent was
	// first served (AnswersFrom); zero in a bundle trained from exports, and in bundles learnt
	// before it was recorded.
	AnswersSince time.Time `json:"answers_since,omitzero"`
}

// AnswersFrom is when the bundle's answers were first served: its creation, or for a learnt
// bundle, which keeps its parent's kb.yaml as it was, that of the bundle trained from exports
// before it. A gray period without gray_since counts from it: counted from CreatedAt, every
// promotion of zhiyi serve --learn started each gray answer's period again, and sent the answers
// released on their ratings back to gray.
func (m *Manifest) AnswersFrom() time.Time {
	if !m.AnswersSince.IsZero() {
		return m.AnswersSince
	}
	return m.CreatedAt
}

// Learnt records what a bundle learnt from its parent's corrections, and how the gate judged it.
type Learnt struct {
	Corrections        int      `json:"corrections"`
	Sources            []string `json:"sources,omitempty"` // where the corrections came from (feedback, cluster labels …)
	EvalAccuracy       float64  `json:"eval_accuracy"`
	ParentEvalAccuracy float64  `json:"parent_eval_accuracy"`
	// ControlEvalAccuracy is the parent continued the same way without the corrections, what
	// the gate compared EvalAccuracy against: the parent as trained was refitted on the
	// evaluation set, so its own accuracy there is by rote (0.99 against a control's 0.93 on the
	// sample shop). Zero in bundles learnt before it was recorded.
	ControlEvalAccuracy float64 `json:"control_eval_accuracy,omitempty"`
	// Until is when the corrections were read: the next learn takes those given since, so that
	// one given while this bundle was learning is not lost. Zero in bundles learnt before it
	// was recorded: their CreatedAt stands for it.
	Until time.Time `json:"until,omitzero"`
}

// MaxNameLen is the longest bundle name CheckName accepts, in characters.
const MaxNameLen = 64

// CheckName reports whether name is a valid bundle name: 1 to MaxNameLen characters, each a
// letter or a digit of any script (店铺2 is fine) or one of . _ -, starting with a letter or a
// digit. A name is echoed in every answer, in /readyz and in metric labels, so it holds no
// quotes, angle brackets, spaces, slashes or control characters. ReadManifest and
// WriteManifest check it.
func CheckName(name string) error {
	n := 0
	for i, r := range name {
		n++
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
		case i > 0 && (r == '.' || r == '_' || r == '-'):
		default:
			return fmt.Errorf("bundle name %q: use letters, digits, '.', '_' and '-' (a letter or digit first)", name)
		}
	}
	if n == 0 || n > MaxNameLen {
		return fmt.Errorf("bundle name %q: want 1 to %d characters", name, MaxNameLen)
	}
	return nil
}

// WriteManifest checksums every file under dir (except the manifest) into m.Files and writes
// manifest.json atomically.
func WriteManifest(dir string, m *Manifest) error {
	if err := CheckName(m.Name); err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	m.FormatVersion = FormatVersion
	files, err := checksumTree(dir)
	if err != nil {
		return err
	}
	m.Files = files
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	return WriteFileAtomic(filepath.Join(dir, ManifestFile), append(data, '\n'))
}

// ReadManifest reads and verifies a bundle: the format version must be known, every listed file
// must exist with its checksum, and no unlisted file may be present.
func ReadManifest(dir string) (*Manifest, error) {
	m, err := PeekManifest(dir)
	if err != nil {
		return nil, err
	}
	if err := m.verify(dir); err != nil {
		return nil, err
	}
	return m, nil
}

// verify checks the files of the bundle in dir against m: every listed file must exist with
// its checksum, and no unlisted file may be present.
func (m *Manifest) verify(dir string) error {
	got, err := checksumTree(dir)
	if err != nil {
		return err
	}
	var problems []string
	for name, sum := range m.Files {
		switch g, ok := got[name]; {
		case !ok:
			problems = append(problems, name+" is missing")
		case g != sum:
			problems = append(problems, name+" does not match its checksum")
		}
	}
	for name := range got {
		if _, ok := m.Files[name]; !ok {
			problems = append(problems, name+" is not in the manifest")
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		// An operator who edits a bundle's kb.yaml or dict/ to teach it a word lands here: say
		// where such an edit goes, not only that the bundle refuses it.
		return fmt.Errorf("bundle %s is damaged or was changed: %s (a bundle is written whole by zhiyi train or learn and never edited: "+
			"change the shop's kb.yaml or dictionaries and train a new bundle, zhiyi train --out DIR, then load that; a copied bundle, copy again whole)",
			dir, strings.Join(problems, "; "))
	}
	return nil
}

// PeekManifest reads a bundle's manifest without checking its files against it: to find a
// bundle among many (its version, its parent) at the cost of one small file, not of hashing
// megabytes. Verify what it finds with ReadManifest (Load does) before trusting the files.
func PeekManifest(dir string) (*Manifest, error) {
	const maxManifestBytes = 1 << 20
	path := filepath.Join(dir, ManifestFile)
	if st, err := os.Lstat(path); err == nil && !st.Mode().IsRegular() {
		return nil, fmt.Errorf("bundle %s: %s is not a regular file (%s)", dir, ManifestFile, kindOf(st.Mode().Type()))
	} else if err == nil && st.Size() > maxManifestBytes {
		return nil, fmt.Errorf("bundle %s: %s holds %d bytes: no manifest is that big", dir, ManifestFile, st.Size())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			if _, derr := os.Stat(dir); errors.Is(derr, fs.ErrNotExist) {
				return nil, missingError{dir, "no such directory (not a model bundle: zhiyi train --out writes one)"}
			}
			return nil, missingError{dir, "no " + ManifestFile + " (not a model bundle, or training did not finish)"}
		}
		return nil, fmt.Errorf("bundle %s: %w", dir, err)
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("bundle %s: %s: %w", dir, ManifestFile, err)
	}
	if m.FormatVersion < MinFormatVersion || m.FormatVersion > FormatVersion {
		return nil, fmt.Errorf("bundle %s: format version %d, this build reads %d to %d (retrain with this zhiyi)", dir, m.FormatVersion, MinFormatVersion, FormatVersion)
	}
	if err := CheckName(m.Name); err != nil {
		return nil, fmt.Errorf("bundle %s: %s: %w", dir, ManifestFile, err)
	}
	return &m, nil
}

// checksumTree hashes every file under dir. A bundle holds regular files and directories only:
// opening a FIFO blocks until a writer comes, and a symlink (or a device) may lead anywhere, so
// such an entry is an error. dir itself may be a symlink.
func checksumTree(dir string) (map[string]string, error) {
	out := map[string]string{}
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", dir, err)
	}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s is not a regular file (%s)", rel, kindOf(d.Type()))
		}
		if rel == ManifestFile {
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			return err
		}
		out[rel] = hex.EncodeToString(h.Sum(nil))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", dir, err)
	}
	return out, nil
}

func kindOf(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "a symlink"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "mode " + m.String()
}

// WriteFileAtomic writes data to a temporary file beside path, syncs it, renames it into place
// and syncs the directory, so a reader never sees half a file, nor a crash an empty one or the
// old one once it has returned. A file that exists keeps its permissions (a new one is 0644),
// and a symlink stays one: its target is replaced. Errors name path, not the temporary file.
// It is atomicfile.WriteFile, zhiyi's one way to replace a file.
func WriteFileAtomic(path string, data []byte) error {
	return atomicfile.WriteFile(path, data, 0o644) // a bundle is read by the service's user
}

// A bundle is written into a temporary directory beside --out (".shop.tmp-…" for
// models/shop) and committed by exchanging the two directories in one step (renameat2
// RENAME_EXCHANGE on Linux), so out is a complete bundle at every instant, even when the
// writer is killed. The writer holds an exclusive flock on its temporary directory while it
// works; the next writer removes temporary directories nobody holds that are a minute old or
// more, and the "out.old-*" directories an interrupted commit of an older zhiyi (or the
// two-rename fallback, where the exchange is not supported) left, putting the old bundle back
// first when out is missing.

// syncDir is atomicfile.SyncDir; tests replace it to see when the bundles' directory is synced.
var syncDir = syncDirDefault

var syncDirDefault = atomicfile.SyncDir

// staleAfter is how old an unlocked temporary directory must be before it is removed: its
// writer may not have locked it yet.
const staleAfter = time.Minute

// held maps each temporary directory this process is writing to its locked handle.
var held struct {
	mu sync.Mutex
	m  map[string]*os.File
}

// NewBundleDir makes an empty temporary directory beside out, where a bundle is assembled
// before CommitBundle moves it into place, and locks it for this process. It first removes
// stale litter of earlier writers (CleanBundleLitter). Call RemoveBundleDir when the bundle is
// not committed.
func NewBundleDir(out string) (string, error) {
	parent := filepath.Dir(filepath.Clean(out))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", fmt.Errorf("bundle: %w", err)
	}
	if _, err := CleanBundleLitter(out); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(parent, tmpPrefix(out)+"*")
	if err != nil {
		return "", fmt.Errorf("bundle: %w", err)
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		os.RemoveAll(tmp)
		return "", fmt.Errorf("bundle: %w", err)
	}
	f, err := os.Open(tmp)
	if err == nil {
		var locked bool
		if locked, err = dirlock.TryLock(f); err == nil && !locked {
			err = errors.New("locked by another process")
		}
	}
	if err != nil {
		if f != nil {
			f.Close()
		}
		os.RemoveAll(tmp)
		return "", fmt.Errorf("bundle: lock %s: %w", tmp, err)
	}
	held.mu.Lock()
	if held.m == nil {
		held.m = map[string]*os.File{}
	}
	held.m[tmp] = f
	held.mu.Unlock()
	return tmp, nil
}

// RemoveBundleDir removes a temporary directory from NewBundleDir that will not be committed,
// and releases its lock.
func RemoveBundleDir(tmp string) error {
	err := os.RemoveAll(tmp)
	release(tmp)
	return err
}

func release(tmp string) {
	held.mu.Lock()
	f := held.m[tmp]
	delete(held.m, tmp)
	held.mu.Unlock()
	if f != nil {
		f.Close()
	}
}

func tmpPrefix(out string) string { return "." + filepath.Base(filepath.Clean(out)) + ".tmp-" }

// isBundleTmp reports whether name is a temporary bundle directory's (tmpPrefix of a name).
func isBundleTmp(name string) bool {
	return strings.HasPrefix(name, ".") && strings.Contains(name[1:], ".tmp-")
}
func oldPrefix(out string) string { return filepath.Base(filepath.Clean(out)) + ".old-" }

// missingError is a bundle that is not there: no directory, or one without a manifest. It
// matches fs.ErrNotExist.
type missingError struct{ dir, what string }

func (e missingError) Error() string { return "bundle " + e.dir + ": " + e.what }

func (e missingError) Unwrap() error { return fs.ErrNotExist }

// CheckBundleOut returns an error unless out may receive a bundle: it does not exist, or is an
// empty directory, or a bundle (a directory with a manifest, readable or not) that the new one
// replaces. Anything else — a directory of other files, say models/ instead of models/myshop —
// is refused rather than replaced. Writers call it before their work, and CommitBundle again.
func CheckBundleOut(out string) error {
	st, err := os.Stat(out)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("bundle %s: %w", out, err)
	case !st.IsDir():
		return fmt.Errorf("%s is a file, not a bundle directory: choose a new directory for the bundle", out)
	}
	if m, err := os.Lstat(filepath.Join(out, ManifestFile)); err == nil && m.Mode().IsRegular() {
		return nil
	}
	es, err := os.ReadDir(out)
	if err != nil {
		return fmt.Errorf("bundle %s: %w", out, err)
	}
	if len(es) > 0 {
		return fmt.Errorf("%s holds %d entries and no %s: it is not a bundle, and replacing it would delete them; choose a new directory (such as %s)",
			out, len(es), ManifestFile, filepath.Join(out, "myshop"))
	}
	return nil
}

// CommitBundle replaces out with the finished bundle in tmp, in one step where the system can
// exchange two directories (Linux), so that out holds a complete bundle at every instant; the
// old bundle is removed afterwards. Elsewhere the old bundle is moved aside first and the next
// writer repairs an interrupted commit. An out that CheckBundleOut refuses is left alone.
func CommitBundle(tmp, out string) error {
	if _, err := ReadManifest(tmp); err != nil {
		return fmt.Errorf("commit bundle: %w", err)
	}
	if err := CheckBundleOut(out); err != nil {
		return fmt.Errorf("commit bundle: %w", err)
	}
	defer release(tmp)
	// What bleve and the other writers left in tmp reaches the disk before tmp becomes out, and
	// the renames below reach it before CommitBundle returns (syncDir of the parent): a crash
	// finds the old bundle or the whole new one.
	if err := atomicfile.SyncTree(tmp); err != nil {
		return fmt.Errorf("commit bundle: %w", err)
	}
	parent := filepath.Dir(filepath.Clean(out))
	if _, err := os.Lstat(out); errors.Is(err, fs.ErrNotExist) {
		if err := os.Rename(tmp, out); err != nil {
			return fmt.Errorf("commit bundle: %w", err)
		}
		return syncParent(out)
	}
	switch err := exchange(tmp, out); {
	case err == nil:
		if err := syncParent(out); err != nil {
			return err
		}
		// tmp holds the old bundle now; unlocked, it is litter the next writer removes
		// should this process die before it does.
		os.RemoveAll(tmp)
		return nil
	case !errors.Is(err, errNoExchange):
		return fmt.Errorf("commit bundle: %w", err)
	}
	old := filepath.Join(parent, fmt.Sprintf("%s%d", oldPrefix(out), time.Now().UnixNano()))
	if err := os.Rename(out, old); err != nil {
		return fmt.Errorf("commit bundle: %w", err)
	}
	if err := os.Rename(tmp, out); err != nil {
		os.Rename(old, out)
		return fmt.Errorf("commit bundle: %w", err)
	}
	if err := syncParent(out); err != nil {
		return err
	}
	os.RemoveAll(old)
	return nil
}

// syncParent syncs the directory holding out after a commit renamed into it.
func syncParent(out string) error {
	if err := syncDir(filepath.Dir(filepath.Clean(out))); err != nil {
		return fmt.Errorf("commit bundle %s: the bundle is in place, but syncing its directory failed (a crash may undo it): %w", out, err)
	}
	return nil
}

// CleanBundleLitter removes what interrupted writers left beside out — temporary bundle
// directories (of any bundle there) no live process holds that are a minute old or more, and
// the bundles CommitBundle
// moved aside (out.old-<nanoseconds>, holding a manifest; a directory merely named like one, a
// hand-made backup, is left alone) — after putting the newest of those back as out when out is
// missing (a zhiyi killed between the two renames of its commit). It returns what it removed or
// restored, for the writer to say so.
func CleanBundleLitter(out string) ([]string, error) {
	parent := filepath.Dir(filepath.Clean(out))
	es, err := os.ReadDir(parent)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	var done []string
	var olds []string
	for _, e := range es {
		if e.IsDir() && isMovedAside(parent, e.Name(), out) {
			olds = append(olds, e.Name())
		}
	}
	sort.Strings(olds) // by the nanosecond time in the name: the newest last
	if _, err := os.Lstat(out); errors.Is(err, fs.ErrNotExist) && len(olds) > 0 {
		newest := filepath.Join(parent, olds[len(olds)-1])
		if err := atomicfile.Rename(newest, out); err != nil {
			return done, fmt.Errorf("bundle: restore %s: %w", out, err)
		}
		done = append(done, "restored "+out+" from "+newest)
		olds = olds[:len(olds)-1]
	}
	for _, name := range olds {
		p := filepath.Join(parent, name)
		if err := os.RemoveAll(p); err != nil {
			return done, fmt.Errorf("bundle: %w", err)
		}
		done = append(done, "removed "+p)
	}
	for _, e := range es {
		// Any bundle's temporary directory, not only out's: learnt bundles are each named
		// anew, so an interrupted one's is never out's again.
		if !e.IsDir() || !isBundleTmp(e.Name()) {
			continue
		}
		p := filepath.Join(parent, e.Name())
		held.mu.Lock()
		_, ours := held.m[p]
		held.mu.Unlock()
		if ours {
			continue
		}
		if removed, err := removeIfStale(p); err != nil {
			return done, err
		} else if removed {
			done = append(done, "removed "+p)
		}
	}
	return done, nil
}

// isMovedAside reports whether parent/name is a bundle CommitBundle moved aside from out: named
// out.old- and the nanosecond time, with a manifest inside.
func isMovedAside(parent, name, out string) bool {
	stamp, ok := strings.CutPrefix(name, oldPrefix(out))
	if !ok || len(stamp) < 18 || strings.Trim(stamp, "0123456789") != "" {
		return false
	}
	st, err := os.Lstat(filepath.Join(parent, name, ManifestFile))
	return err == nil && st.Mode().IsRegular()
}

// removeIfStale removes the temporary directory p when no process holds its lock and it is
// staleAfter old.
func removeIfStale(p string) (bool, error) {
	st, err := os.Stat(p)
	if err != nil || time.Since(st.ModTime()) < staleAfter {
		return false, nil
	}
	f, err := os.Open(p)
	if err != nil {
		return false, nil
	}
	defer f.Close()
	if locked, err := dirlock.TryLock(f); err != nil || !locked {
		return false, nil // a live writer holds it
	}
	if err := os.RemoveAll(p); err != nil {
		return false, fmt.Errorf("bundle: remove stale %s: %w", p, err)
	}
	return true, nil
}
