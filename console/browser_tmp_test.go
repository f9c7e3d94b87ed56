package console

import (
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// Chromium keeps its shared memory in $TMPDIR (it runs with --disable-dev-shm-usage), in
// directories org.chromium.Chromium.* that it does not remove: every browser test left some in
// /tmp. newBrowser gives it a TMPDIR of the test's own.
func TestBrowserLeavesNothingInTMPDIR(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	t.Run("browser", func(t *testing.T) {
		b := newBrowser(t, 390, 844)
		b.do(t, "open a page", chromedp.Navigate("data:text/html;charset=utf-8,<p>知意</p>"), chromedp.WaitVisible(chromedp.CSS("p")))
	})
	left, err := filepath.Glob(filepath.Join(tmp, "org.chromium.*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(left) > 0 {
		t.Errorf("Chromium left %q in $TMPDIR after its test", left)
	}
}
