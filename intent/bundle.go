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
	"time"
	"unicode"
)

// FormatVersion is the bundle format this build writes and reads.
const FormatVersion = 1

// The files of a bundle. Every file in the directory is listed in the manifest with its sha256.
const (
	ManifestFile   = "manifest.json"
	ClassifierFile = "classifier.bin"
	PolicyFile     = "policy.json"
	KBFile         = "kb.yaml"
	ExamplesFile   = "examples.jsonl" // labelled history (masked) for the retrieval index
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

// Version is the model's name and creation time, as the service reports it.
func (m *Manifest) Version() string {
	return m.Name + "@" + m.CreatedAt.UTC().Format("20060102T150405Z")
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
	path := filepath.Join(dir, ManifestFile)
	if st, err := os.Lstat(path); err == nil && !st.Mode().IsRegular() {
		return nil, fmt.Errorf("bundle %s: %s is not a regular file (%s)", dir, ManifestFile, kindOf(st.Mode().Type()))
	}
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("bundle %s: no %s (not a model bundle, or training did not finish)", dir, ManifestFile)
		}
		return nil, fmt.Errorf("bundle %s: %w", dir, err)
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("bundle %s: %s: %w", dir, ManifestFile, err)
	}
	if m.FormatVersion != FormatVersion {
		return nil, fmt.Errorf("bundle %s: format version %d, this build reads %d (retrain with this zhiyi)", dir, m.FormatVersion, FormatVersion)
	}
	if err := CheckName(m.Name); err != nil {
		return nil, fmt.Errorf("bundle %s: %s: %w", dir, ManifestFile, err)
	}
	got, err := checksumTree(dir)
	if err != nil {
		return nil, err
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
		return nil, fmt.Errorf("bundle %s is damaged or was changed: %s", dir, strings.Join(problems, "; "))
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

// WriteFileAtomic writes data to a temporary file beside path and renames it into place, so a
// reader never sees half a file.
func WriteFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(0o644) // CreateTemp makes 0600; a bundle is read by the service's user
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// NewBundleDir makes an empty temporary directory beside out, where a bundle is assembled
// before CommitBundle moves it into place.
func NewBundleDir(out string) (string, error) {
	parent := filepath.Dir(filepath.Clean(out))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", fmt.Errorf("bundle: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(out)+".tmp-*")
	if err != nil {
		return "", fmt.Errorf("bundle: %w", err)
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		os.RemoveAll(tmp)
		return "", fmt.Errorf("bundle: %w", err)
	}
	return tmp, nil
}

// CommitBundle replaces out with the finished bundle in tmp. The old bundle, if any, is moved
// aside first and removed only after the new one is in place, so out always holds a complete
// bundle or nothing.
func CommitBundle(tmp, out string) error {
	if _, err := ReadManifest(tmp); err != nil {
		return fmt.Errorf("commit bundle: %w", err)
	}
	old := ""
	if _, err := os.Stat(out); err == nil {
		old = fmt.Sprintf("%s.old-%d", out, time.Now().UnixNano())
		if err := os.Rename(out, old); err != nil {
			return fmt.Errorf("commit bundle: %w", err)
		}
	}
	if err := os.Rename(tmp, out); err != nil {
		if old != "" {
			os.Rename(old, out)
		}
		return fmt.Errorf("commit bundle: %w", err)
	}
	if old != "" {
		os.RemoveAll(old)
	}
	return nil
}
