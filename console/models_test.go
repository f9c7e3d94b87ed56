package console

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// A bundle in the models root whose manifest or report is a link, a device or too big is
// listed as a problem, its report never read: the page must not read /dev/zero or serve
// /etc/passwd because a bundle unpacked from elsewhere pointed there.
func TestModelsReadsOnlyRegularFiles(t *testing.T) {
	e := newEnv(t, envOpt{})
	parentDir := *e.curDir.Load()
	secret := filepath.Join(t.TempDir(), "secret.html")
	if err := os.WriteFile(secret, []byte("<p>not the console's to show</p>"), 0o644); err != nil {
		t.Fatal(err)
	}
	leak := filepath.Join(e.root, "leak")
	copyDir(t, parentDir, leak)
	os.Remove(filepath.Join(leak, intent.ReportHTMLFile))
	if err := os.Symlink(secret, filepath.Join(leak, intent.ReportHTMLFile)); err != nil {
		t.Fatal(err)
	}
	zero := filepath.Join(e.root, "zero")
	copyDir(t, parentDir, zero)
	os.Remove(filepath.Join(zero, intent.ManifestFile))
	if err := os.Symlink("/dev/zero", filepath.Join(zero, intent.ManifestFile)); err != nil {
		t.Fatal(err)
	}
	cl := e.client()
	cl.login("ops")
	r := cl.get("/console/models")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("models page: %d", r.StatusCode)
	}
	mustContain(t, r.Body, "zero", "manifest.json 无法读取")
	if r := cl.get("/console/models/report?bundle=leak"); r.StatusCode != http.StatusNotFound || strings.Contains(r.Body, "not the console") {
		t.Errorf("a report.html linking out of the bundle: %d %q", r.StatusCode, r.Body)
	}
}
