package intent

import (
	"bytes"
	"encoding/json"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fakeBundle writes a small bundle (not a trainable one: only the files matter here) into dir
// and seals it with a manifest.
func fakeBundle(t *testing.T, dir string) *Manifest {
	t.Helper()
	for name, content := range map[string]string{
		ClassifierFile:      "weights",
		PolicyFile:          `{"temperature":1}`,
		KBFile:              "shop: 测试\n",
		"dict/userdict.txt": "运费险 2000 n\n",
		"dict/synonyms.txt": "退货: 不想要了\n",
		"subword/vocab.json": `{"a":0}
`,
	} {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := WriteFileAtomic(path, []byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	m := &Manifest{
		Name:            "shop",
		CreatedAt:       time.Date(2026, 11, 1, 8, 30, 0, 0, time.FixedZone("CST", 8*3600)),
		DataFingerprint: "sha256:abc",
		Config:          json.RawMessage(`{"epochs":30}`),
		Metrics:         map[string]float64{"accuracy": 0.95},
	}
	if err := WriteManifest(dir, m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestManifestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	written := fakeBundle(t, dir)
	m, err := ReadManifest(dir)
	if err != nil {
		t.Fatalf("ReadManifest of a fresh bundle: %v", err)
	}
	var config bytes.Buffer
	if err := json.Compact(&config, m.Config); err != nil {
		t.Fatal(err)
	}
	if m.FormatVersion != FormatVersion || m.Name != "shop" || !m.CreatedAt.Equal(written.CreatedAt) ||
		m.DataFingerprint != "sha256:abc" || config.String() != `{"epochs":30}` || m.Metrics["accuracy"] != 0.95 {
		t.Errorf("read back %+v", m)
	}
	want := []string{ClassifierFile, "dict/synonyms.txt", "dict/userdict.txt", KBFile, PolicyFile, "subword/vocab.json"}
	slices.Sort(want)
	if got := slices.Sorted(maps.Keys(m.Files)); !slices.Equal(got, want) {
		t.Errorf("manifest lists %q, want %q (every file but the manifest, with / separators)", got, want)
	}
	for name, sum := range m.Files {
		if len(sum) != 64 || strings.Trim(sum, "0123456789abcdef") != "" {
			t.Errorf("%s: checksum %q is not hex sha256", name, sum)
		}
	}
	if !maps.Equal(m.Files, written.Files) {
		t.Error("WriteManifest and ReadManifest disagree on the checksums")
	}
	if v := m.Version(); v != "shop@20261101T003000Z" {
		t.Errorf("Version() = %q, want shop@20261101T003000Z (UTC)", v)
	}
	// No temporary files were left by the atomic writes.
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if strings.Contains(d.Name(), ".tmp") {
			t.Errorf("temporary file %s left behind", path)
		}
		return nil
	})
}

// A bundle of format version 1 (before the ranker) is still read; one from a newer build is not.
func TestManifestReadsOlderFormat(t *testing.T) {
	dir := t.TempDir()
	fakeBundle(t, dir)
	editManifest(t, dir, func(m map[string]any) { m["format_version"] = MinFormatVersion })
	if m, err := ReadManifest(dir); err != nil || m.FormatVersion != MinFormatVersion {
		t.Errorf("format version %d: %v, %v; want it read", MinFormatVersion, m, err)
	}
}

func TestManifestTamperDetection(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tamper func(t *testing.T, dir string)
		want   []string // in the error
	}{
		{"changed byte", func(t *testing.T, dir string) {
			path := filepath.Join(dir, ClassifierFile)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			data[0] ^= 1
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}, []string{ClassifierFile, "checksum"}},
		{"changed file in a subdirectory", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, "dict", "synonyms.txt"), []byte("退货: 不要了\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, []string{"dict/synonyms.txt", "checksum", "zhiyi train --out"}}, // what to do instead
		{"deleted file", func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, PolicyFile)); err != nil {
				t.Fatal(err)
			}
		}, []string{PolicyFile, "missing"}},
		{"added file", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, "dict", "stopwords.txt"), []byte("的\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, []string{"dict/stopwords.txt", "not in the manifest", "zhiyi train --out"}},
		{"unknown format version", func(t *testing.T, dir string) {
			editManifest(t, dir, func(m map[string]any) { m["format_version"] = FormatVersion + 1 })
		}, []string{"format version"}},
		{"no format version", func(t *testing.T, dir string) {
			editManifest(t, dir, func(m map[string]any) { delete(m, "format_version") })
		}, []string{"format version"}},
		{"checksum edited in the manifest", func(t *testing.T, dir string) {
			editManifest(t, dir, func(m map[string]any) {
				m["files"].(map[string]any)[KBFile] = strings.Repeat("0", 64)
			})
		}, []string{KBFile, "checksum"}},
		{"corrupt manifest", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, ManifestFile), []byte(`{"format_version":1,`), 0o644); err != nil {
				t.Fatal(err)
			}
		}, []string{ManifestFile}},
		{"no manifest", func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, ManifestFile)); err != nil {
				t.Fatal(err)
			}
		}, []string{ManifestFile}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			fakeBundle(t, dir)
			tc.tamper(t, dir)
			_, err := ReadManifest(dir)
			if err == nil {
				t.Fatal("ReadManifest accepted a tampered bundle")
			}
			for _, w := range append(tc.want, dir) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func editManifest(t *testing.T, dir string, edit func(map[string]any)) {
	t.Helper()
	path := filepath.Join(dir, ManifestFile)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	if data, err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestNewBundleDirAndCommit(t *testing.T) {
	parent := filepath.Join(t.TempDir(), "models") // does not exist yet
	out := filepath.Join(parent, "shop")
	tmp, err := NewBundleDir(out)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(tmp) != parent || !strings.HasPrefix(filepath.Base(tmp), ".") {
		t.Errorf("NewBundleDir(%s) = %s, want a hidden directory beside it", out, tmp)
	}
	first := fakeBundle(t, tmp)
	if err := CommitBundle(tmp, out); err != nil {
		t.Fatal(err)
	}
	checkDir(t, parent, "shop")
	if m, err := ReadManifest(out); err != nil || m.DataFingerprint != first.DataFingerprint {
		t.Fatalf("after the first commit: %v", err)
	}

	// A second bundle replaces the first; the old one is gone, nothing else is left.
	tmp2, err := NewBundleDir(out)
	if err != nil {
		t.Fatal(err)
	}
	m2 := fakeBundle(t, tmp2)
	m2.DataFingerprint = "sha256:second"
	if err := WriteManifest(tmp2, m2); err != nil {
		t.Fatal(err)
	}
	if err := CommitBundle(tmp2, out); err != nil {
		t.Fatal(err)
	}
	checkDir(t, parent, "shop")
	m, err := ReadManifest(out)
	if err != nil || m.DataFingerprint != "sha256:second" {
		t.Fatalf("after the second commit: %+v, %v", m, err)
	}

	// An unsealed or damaged bundle is never committed, and the old one stays.
	tmp3, err := NewBundleDir(out)
	if err != nil {
		t.Fatal(err)
	}
	fakeBundle(t, tmp3)
	if err := os.WriteFile(filepath.Join(tmp3, KBFile), []byte("changed"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := CommitBundle(tmp3, out); err == nil {
		t.Fatal("CommitBundle committed a damaged bundle")
	}
	if m, err := ReadManifest(out); err != nil || m.DataFingerprint != "sha256:second" {
		t.Errorf("a refused commit touched the old bundle: %+v, %v", m, err)
	}
	os.RemoveAll(tmp3)
	checkDir(t, parent, "shop")
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.json")
	for _, content := range []string{"first", "second, longer"} {
		if err := WriteFileAtomic(path, []byte(content)); err != nil {
			t.Fatal(err)
		}
		if data, _ := os.ReadFile(path); string(data) != content {
			t.Errorf("read %q, want %q", data, content)
		}
	}
	checkDir(t, dir, "f.json")
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o644 {
		t.Errorf("a new file's mode %v, want 0644", st.Mode().Perm())
	}
	if err := WriteFileAtomic(filepath.Join(dir, "missing", "f"), []byte("x")); err == nil {
		t.Error("WriteFileAtomic into a missing directory: nil error")
	}
	// An existing file keeps its mode; a symlink stays one, its target rewritten.
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink("f.json", link); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(link, []byte("third")); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the symlink was replaced: %v, %v", st, err)
	}
	if data, _ := os.ReadFile(path); string(data) != "third" {
		t.Errorf("the target reads %q, want third", data)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("the rewritten file's mode %v, want its own 0600", st.Mode().Perm())
	}
}

func checkDir(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if !slices.Equal(got, names) {
		t.Errorf("%s holds %q, want %q", dir, got, names)
	}
}

func TestPolicyDecide(t *testing.T) {
	p := Policy{Temperature: 1, Auto: 0.9, Suggest: 0.5, AutoByIntent: map[string]float64{"easy": 0.6, "hard": 0.99}}
	for _, tc := range []struct {
		intent     string
		confidence float64
		handoff    bool
		want       Route
	}{
		{NoneIntent, 0.99, false, RouteHandoff},
		{NoneIntent, 0.1, false, RouteHandoff},
		{"human_agent", 0.99, true, RouteHandoff},
		{"x", 0.95, false, RouteAuto},
		{"x", 0.9, false, RouteAuto}, // at the threshold
		{"x", 0.89, false, RouteSuggest},
		{"x", 0.5, false, RouteSuggest},
		{"x", 0.49, false, RouteHandoff},
		{"x", 0, false, RouteHandoff},
		{"easy", 0.7, false, RouteAuto},     // its own, lower threshold
		{"hard", 0.95, false, RouteSuggest}, // its own, higher threshold
		{"hard", 0.99, false, RouteAuto},
	} {
		route, reason := p.Decide(tc.intent, tc.confidence, tc.handoff)
		if route != tc.want || reason == "" {
			t.Errorf("Decide(%q, %v, %v) = %s (%q), want %s", tc.intent, tc.confidence, tc.handoff, route, reason, tc.want)
		}
	}
	// A bar no confidence reaches (a model of kb.yaml's examples alone, or an intent whose dev
	// answers never reached the target) says so: "not confident enough" beside 0.99 misleads.
	// A bar no confidence reaches (a model of kb.yaml's examples alone, or an intent whose dev
	// answers never reached the target) says so: "not confident enough" beside 0.99 misleads.
	never := Policy{Temperature: 1, Auto: 1.01, Suggest: 0.5}
	hard := Policy{Auto: 0.9, Suggest: 0.5, AutoByIntent: map[string]float64{"hard": 1.01}}
	for _, tc := range []struct {
		p          Policy
		intent     string
		confidence float64
		route      Route
		reason     string
	}{
		{never, "x", 1, RouteSuggest, ReasonNeverAuto},
		{never, "x", 0.6, RouteSuggest, ReasonNeverAuto},
		{never, "x", 0.4, RouteHandoff, ReasonLowConfidence},
		{hard, "hard", 0.99, RouteSuggest, ReasonNeverAuto},
		{hard, "x", 0.8, RouteSuggest, ReasonNotConfident},
		{p, "hard", 0.95, RouteSuggest, ReasonNotConfident},
	} {
		route, reason := tc.p.Decide(tc.intent, tc.confidence, false)
		if route != tc.route || reason != tc.reason {
			t.Errorf("Decide(%q, %v) = %s (%q), want %s (%q)", tc.intent, tc.confidence, route, reason, tc.route, tc.reason)
		}
	}
	if p.AutoThreshold("easy") != 0.6 || p.AutoThreshold("other") != 0.9 {
		t.Errorf("AutoThreshold: easy %v, other %v", p.AutoThreshold("easy"), p.AutoThreshold("other"))
	}
}

func TestReadPolicy(t *testing.T) {
	dir := t.TempDir()
	write := func(s string) string {
		path := filepath.Join(dir, "policy.json")
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	def := DefaultPolicy()
	if err := def.Validate(); err != nil {
		t.Fatalf("DefaultPolicy does not validate: %v", err)
	}
	data, _ := json.Marshal(def)
	p, err := ReadPolicy(write(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	if p.Temperature != def.Temperature || p.Auto != def.Auto || p.Suggest != def.Suggest || p.Fusion != def.Fusion || p.RetrievalK != def.RetrievalK {
		t.Errorf("round trip: %+v, want %+v", p, def)
	}
	if _, err := ReadPolicy(write(`{"temperature":0.7,"auto":1.01,"suggest":0,"retrieval_k":0}`)); err != nil {
		t.Errorf("edge values rejected: %v", err)
	}
	for _, bad := range []string{
		`{"temperature":0,"auto":0.9,"suggest":0.4}`,
		`{"temperature":-1,"auto":0.9,"suggest":0.4}`,
		`{"auto":0.9,"suggest":0.4}`,
		`{"temperature":1,"auto":1.5,"suggest":0.4}`,
		`{"temperature":1,"auto":-0.1,"suggest":0.4}`,
		`{"temperature":1,"auto":0.9,"suggest":2}`,
		`{"temperature":1,"auto":0.9,"suggest":-1}`,
		`{"temperature":1,"auto":0.9,"suggest":0.4,"retrieval_k":-1}`,
		`{"temperature":1,"auto":0.9,"suggest":0.4,"retrieval_k":100000}`,
		`{"temperature":1e400}`,
		`{"temperature":1,`,
		`[]`,
	} {
		if p, err := ReadPolicy(write(bad)); err == nil {
			t.Errorf("ReadPolicy(%s) = %+v, nil error", bad, p)
		}
	}
	if _, err := ReadPolicy(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("ReadPolicy(missing file): nil error")
	}
	for _, p := range []Policy{
		{Temperature: math.NaN(), Auto: 0.9, Suggest: 0.4},
		{Temperature: math.Inf(1), Auto: 0.9, Suggest: 0.4},
		{Temperature: 1, Auto: math.NaN(), Suggest: 0.4},
		{Temperature: 1, Auto: 0.9, Suggest: math.NaN()},
	} {
		if err := p.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil", p)
		}
	}
}

// Per-intent thresholds and fusion weights come from the same file and are as dangerous when
// out of range: a negative classifier weight turns the ranking upside down, a per-intent auto
// threshold of -3 answers everything automatically.
func TestReadPolicyRejectsBadOverridesAndWeights(t *testing.T) {
	dir := t.TempDir()
	for _, bad := range []string{
		`{"temperature":1,"auto":0.9,"suggest":0.4,"auto_by_intent":{"x":-3}}`,
		`{"temperature":1,"auto":0.9,"suggest":0.4,"auto_by_intent":{"x":7}}`,
		`{"temperature":1,"auto":0.9,"suggest":0.4,"fusion":{"classifier":-1}}`,
		`{"temperature":1,"auto":0.9,"suggest":0.4,"ranker":{"temperature":0}}`,
		`{"temperature":1,"auto":0.9,"suggest":0.4,"ranker":{"temperature":1,"fusion":{"classifier":-1}}}`,
	} {
		path := filepath.Join(dir, "policy.json")
		if err := os.WriteFile(path, []byte(bad), 0o644); err != nil {
			t.Fatal(err)
		}
		if p, err := ReadPolicy(path); err == nil {
			t.Errorf("ReadPolicy(%s) = %+v, nil error", bad, p)
		}
	}
}

// The name reaches responses, /readyz and metric labels: only plain names are valid.
func TestManifestName(t *testing.T) {
	for _, name := range []string{"shop", "店铺-2026.11_v2", "Shop2", "a"} {
		if err := CheckName(name); err != nil {
			t.Errorf("CheckName(%q): %v", name, err)
		}
	}
	for _, name := range []string{"", "evil\"\n<script>", "a b", "a/b", "..", ".hidden", "-x", "shop@1", "a\\b", "x\u200b", strings.Repeat("a", 65), "<PHONE>"} {
		if err := CheckName(name); err == nil {
			t.Errorf("CheckName(%q) accepted", name)
		}
	}
	dir := t.TempDir()
	fakeBundle(t, dir)
	editManifest(t, dir, func(m map[string]any) { m["name"] = "evil\"\n<script>" })
	if _, err := ReadManifest(dir); err == nil || !strings.Contains(err.Error(), "name") {
		t.Errorf("ReadManifest of a bad name: %v", err)
	}
	if err := WriteManifest(t.TempDir(), &Manifest{Name: "a b"}); err == nil {
		t.Error("WriteManifest wrote a bad name")
	}
}

// A bundle holds regular files only: opening a FIFO blocks until a writer comes (a reload hung
// on one for 39 s), and a symlink may lead anywhere (a kb.yaml linked to a secret file).
func TestManifestRefusesSpecialFiles(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(outside, []byte("root:x:0:0:secret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, special := range map[string]func(dir string) error{
		"fifo": func(dir string) error {
			path := filepath.Join(dir, KBFile)
			os.Remove(path)
			return syscall.Mkfifo(path, 0o644)
		},
		"fifo manifest": func(dir string) error {
			path := filepath.Join(dir, ManifestFile)
			os.Remove(path)
			return syscall.Mkfifo(path, 0o644)
		},
		"symlinked file": func(dir string) error {
			path := filepath.Join(dir, KBFile)
			os.Remove(path)
			return os.Symlink(outside, path)
		},
		"symlinked directory": func(dir string) error {
			if err := os.RemoveAll(filepath.Join(dir, "dict")); err != nil {
				return err
			}
			return os.Symlink(filepath.Dir(outside), filepath.Join(dir, "dict"))
		},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			fakeBundle(t, dir)
			if err := special(dir); err != nil {
				t.Skip("cannot make it here:", err)
			}
			done := make(chan error, 1)
			go func() { _, err := ReadManifest(dir); done <- err }()
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), "not a regular file") {
					t.Fatalf("ReadManifest: %v", err)
				}
				if strings.Contains(err.Error(), "secret") {
					t.Errorf("the error quotes the file: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("ReadManifest hangs")
			}
			if err := WriteManifest(dir, &Manifest{Name: "shop"}); err == nil {
				t.Error("WriteManifest sealed it")
			}
		})
	}
}

// A file that cannot be written is named as the caller gave it, not by its temporary name.
func TestWriteFileAtomicErrorNamesPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "x.html")
	err := WriteFileAtomic(path, []byte("x"))
	if err == nil || !strings.Contains(err.Error(), path) || strings.Contains(err.Error(), ".tmp") {
		t.Fatalf("err %v, want one naming %s and no temporary file", err, path)
	}
}
