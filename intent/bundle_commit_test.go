package intent

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The helper processes of these tests: a writer killed with SIGKILL while it works, as
// `zhiyi train` was in the probe.
func init() {
	switch os.Getenv("ZHIYI_BUNDLE_HELPER") {
	case "hold": // make a bundle directory, say where, and wait to be killed
		out := os.Getenv("ZHIYI_BUNDLE_OUT")
		tmp, err := NewBundleDir(out)
		if err != nil {
			os.Exit(3)
		}
		os.WriteFile(filepath.Join(tmp, ClassifierFile), make([]byte, 1<<20), 0o644)
		os.Stdout.WriteString(tmp + "\n")
		time.Sleep(time.Hour)
	case "commit": // commit bundles to out until killed
		out := os.Getenv("ZHIYI_BUNDLE_OUT")
		for i := 0; ; i++ {
			tmp, err := NewBundleDir(out)
			if err != nil {
				os.Exit(3)
			}
			if err := writeTestBundle(tmp, i); err != nil {
				os.Exit(4)
			}
			if err := CommitBundle(tmp, out); err != nil {
				os.Exit(5)
			}
			if i == 0 {
				os.Stdout.WriteString("committed\n")
			}
		}
	}
}

// writeTestBundle is fakeBundle without a testing.T, for the helper processes.
func writeTestBundle(dir string, i int) error {
	for name, content := range map[string]string{ClassifierFile: "weights", PolicyFile: "{}", "dict/userdict.txt": strings.Repeat("词 1\n", i%50+1)} {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			return err
		}
	}
	return WriteManifest(dir, &Manifest{Name: "shop", CreatedAt: time.Now()})
}

func helper(t *testing.T, mode, out string) (*exec.Cmd, *bufio.Reader) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "ZHIYI_BUNDLE_HELPER="+mode, "ZHIYI_BUNDLE_OUT="+out)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, bufio.NewReader(stdout)
}

func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

// age makes path look written long ago.
func age(t *testing.T, path string) {
	t.Helper()
	old := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
}

// TestStaleBundleDirsCleaned: the temporary directory of a writer killed with SIGKILL is
// removed by the next writer; a live writer's is left alone however old it looks.
func TestStaleBundleDirsCleaned(t *testing.T) {
	parent := t.TempDir()
	out := filepath.Join(parent, "shop")
	live, lr := helper(t, "hold", out)
	liveTmp, err := lr.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	liveTmp = strings.TrimSpace(liveTmp)
	dead, dr := helper(t, "hold", out)
	deadTmp, err := dr.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	deadTmp = strings.TrimSpace(deadTmp)
	if err := dead.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	dead.Wait()
	age(t, liveTmp)
	age(t, deadTmp)
	// a directory left by an interrupted commit of an older zhiyi, and one just made (its
	// writer may not have locked it yet)
	oldCommit := filepath.Join(parent, ".shop.tmp-123")
	fresh := filepath.Join(parent, ".shop.tmp-456")
	for _, d := range []string{oldCommit, fresh} {
		if err := os.MkdirAll(filepath.Join(d, "dict"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	age(t, oldCommit)

	tmp, err := NewBundleDir(out)
	if err != nil {
		t.Fatal(err)
	}
	defer RemoveBundleDir(tmp)
	got := entries(t, parent)
	for _, gone := range []string{deadTmp, oldCommit} {
		if slices.Contains(got, filepath.Base(gone)) {
			t.Errorf("stale %s was not removed: %v", filepath.Base(gone), got)
		}
	}
	for _, kept := range []string{liveTmp, fresh, tmp} {
		if !slices.Contains(got, filepath.Base(kept)) {
			t.Errorf("%s was removed: %v", filepath.Base(kept), got)
		}
	}
	live.Process.Kill()
	live.Wait()
	removed, err := CleanBundleLitter(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 1 || !strings.Contains(removed[0], filepath.Base(liveTmp)) {
		t.Errorf("after its writer died: removed %q, want %s", removed, filepath.Base(liveTmp))
	}
}

// TestCommitRecoversInterruptedSwap: an older zhiyi killed between its two renames left the old
// bundle at out.old-*, the new one in .out.tmp-* and no out at all, so `zhiyi serve` failed.
// The next writer puts the old bundle back first, and removes old-* litter.
func TestCommitRecoversInterruptedSwap(t *testing.T) {
	parent := t.TempDir()
	out := filepath.Join(parent, "shop")
	oldDir := out + ".old-1730000000000000000"
	if err := os.MkdirAll(oldDir, 0o755); err != nil {
		t.Fatal(err)
	}
	first := fakeBundle(t, oldDir)
	half := filepath.Join(parent, ".shop.tmp-99")
	if err := os.MkdirAll(half, 0o755); err != nil {
		t.Fatal(err)
	}
	fakeBundle(t, half)
	age(t, half)
	older := out + ".old-1720000000000000000"
	if err := os.MkdirAll(older, 0o755); err != nil {
		t.Fatal(err)
	}
	fakeBundle(t, older)

	tmp, err := NewBundleDir(out)
	if err != nil {
		t.Fatal(err)
	}
	if m, err := ReadManifest(out); err != nil || m.DataFingerprint != first.DataFingerprint {
		t.Fatalf("out not recovered: %v", err)
	}
	if got := entries(t, parent); !slices.Equal(got, []string{filepath.Base(tmp), "shop"}) {
		t.Errorf("litter left: %v", got)
	}
	fakeBundle(t, tmp)
	if err := CommitBundle(tmp, out); err != nil {
		t.Fatal(err)
	}
	if got := entries(t, parent); !slices.Equal(got, []string{"shop"}) {
		t.Errorf("after the commit: %v", got)
	}
}

// TestCommitKilledNeverLosesOut kills a writer that commits bundle after bundle, at moments
// spread over its work: every time, out is a complete bundle.
func TestCommitKilledNeverLosesOut(t *testing.T) {
	parent := t.TempDir()
	out := filepath.Join(parent, "shop")
	for i := range 8 {
		cmd, r := helper(t, "commit", out)
		if line, err := r.ReadString('\n'); err != nil || line != "committed\n" {
			t.Fatalf("helper: %q %v", line, err)
		}
		time.Sleep(time.Duration(5+i*7) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		if _, err := ReadManifest(out); err != nil {
			t.Fatalf("kill %d: out is not a bundle: %v (%v)", i, err, entries(t, parent))
		}
	}
	if _, err := CleanBundleLitter(out); err != nil {
		t.Fatal(err)
	}
	// nothing the kills left is younger than a minute except what CleanBundleLitter keeps
	for _, e := range entries(t, parent) {
		if e != "shop" && !strings.HasPrefix(e, ".shop.tmp-") {
			t.Errorf("unexpected entry %s", e)
		}
	}
}

// TestCommitRefusesWhatIsNoBundle: an --out that holds other files (models/ for models/myshop)
// or is a file is refused and left as it was; a missing one, an empty directory and a bundle
// are taken.
func TestCommitRefusesWhatIsNoBundle(t *testing.T) {
	parent := t.TempDir()
	notes := filepath.Join(parent, "models")
	if err := os.MkdirAll(filepath.Join(notes, "myshop"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(notes, "notes.txt"), []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(parent, "file.txt")
	if err := os.WriteFile(file, []byte("keep me too"), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(parent, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	bundle := filepath.Join(parent, "shop")
	if err := os.Mkdir(bundle, 0o755); err != nil {
		t.Fatal(err)
	}
	fakeBundle(t, bundle)
	for _, c := range []struct {
		out string
		ok  bool
	}{{notes, false}, {file, false}, {empty, true}, {bundle, true}, {filepath.Join(parent, "new"), true}} {
		if err := CheckBundleOut(c.out); (err == nil) != c.ok {
			t.Errorf("CheckBundleOut(%s) = %v, want ok %v", filepath.Base(c.out), err, c.ok)
		}
		tmp, err := NewBundleDir(c.out)
		if err != nil {
			t.Fatal(err)
		}
		fakeBundle(t, tmp)
		err = CommitBundle(tmp, c.out)
		if (err == nil) != c.ok {
			t.Errorf("CommitBundle to %s: %v, want ok %v", filepath.Base(c.out), err, c.ok)
		}
		if err != nil {
			RemoveBundleDir(tmp)
		}
	}
	if b, err := os.ReadFile(filepath.Join(notes, "notes.txt")); err != nil || string(b) != "keep me" {
		t.Errorf("the refused directory changed: %q, %v", b, err)
	}
	if b, err := os.ReadFile(file); err != nil || string(b) != "keep me too" {
		t.Errorf("the refused file changed: %q, %v", b, err)
	}
}

// An interrupted writer of another bundle in the same directory (an earlier learnt bundle,
// each named anew) leaves a temporary directory that the next writer removes once stale.
func TestLitterOfAnotherBundle(t *testing.T) {
	parent := t.TempDir()
	stale := filepath.Join(parent, ".shop-learnt-20261204T090000Z.tmp-123")
	if err := os.MkdirAll(stale, 0o755); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * staleAfter)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	hidden := filepath.Join(parent, ".git") // not a bundle's
	if err := os.MkdirAll(hidden, 0o755); err != nil {
		t.Fatal(err)
	}
	done, err := CleanBundleLitter(filepath.Join(parent, "shop-learnt-20261204T100000Z"))
	if err != nil || len(done) != 1 {
		t.Errorf("CleanBundleLitter: %q, %v; want the stale directory removed", done, err)
	}
	if got := entries(t, parent); !slices.Equal(got, []string{".git"}) {
		t.Errorf("after cleaning: %v", got)
	}
}

// TestLitterLeavesLookAlikes: a hand-made backup named like a moved-aside bundle (no nanosecond
// time, or no manifest) is neither removed nor restored.
func TestLitterLeavesLookAlikes(t *testing.T) {
	parent := t.TempDir()
	out := filepath.Join(parent, "shop")
	dated := out + ".old-20261201" // a date, not nanoseconds
	if err := os.MkdirAll(dated, 0o755); err != nil {
		t.Fatal(err)
	}
	fakeBundle(t, dated)
	notes := out + ".old-1730000000000000000" // the right name, but no bundle
	if err := os.MkdirAll(notes, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(notes, "NOTES"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	done, err := CleanBundleLitter(out)
	if err != nil || len(done) != 0 {
		t.Errorf("CleanBundleLitter: %q, %v; want nothing done", done, err)
	}
	if got := entries(t, parent); !slices.Equal(got, []string{"shop.old-1730000000000000000", "shop.old-20261201"}) {
		t.Errorf("after cleaning: %v", got)
	}
}

// TestCommitBundleSyncsItsDirectory: a commit syncs the directory holding out once out is the
// new bundle, whether out was missing or exchanged; without it a crash right after the commit
// returned could bring back the old bundle (or no bundle) under out.
func TestCommitBundleSyncsItsDirectory(t *testing.T) {
	parent := filepath.Join(t.TempDir(), "models")
	out := filepath.Join(parent, "shop")
	var want string
	var synced []string
	t.Cleanup(func() { syncDir = syncDirDefault })
	syncDir = func(dir string) error {
		if m, err := PeekManifest(out); err != nil || m.DataFingerprint != want {
			t.Errorf("%s synced while out is not the new bundle yet: %+v, %v", dir, m, err)
		}
		synced = append(synced, dir)
		return syncDirDefault(dir)
	}
	for _, fp := range []string{"sha256:first", "sha256:second"} {
		tmp, err := NewBundleDir(out)
		if err != nil {
			t.Fatal(err)
		}
		m := fakeBundle(t, tmp)
		m.DataFingerprint = fp
		if err := WriteManifest(tmp, m); err != nil {
			t.Fatal(err)
		}
		want = fp
		if err := CommitBundle(tmp, out); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(synced, []string{parent, parent}) {
		t.Errorf("synced %q, want %s after each of the two commits", synced, parent)
	}
	if _, err := os.Stat(out); err != nil {
		t.Fatal(err)
	}
}
