package console

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// Chromium makes its process-singleton socket in a directory org.chromium.Chromium.* of
// $TMPDIR, linked from its profile, and leaves the directory when it exits: every browser test
// left one in /tmp. newBrowser removes it once the browser has gone.
func TestBrowserLeavesNothingInTMPDIR(t *testing.T) {
	var dir string
	t.Run("browser", func(t *testing.T) {
		b := newBrowser(t, 390, 844)
		b.do(t, "open a page", chromedp.Navigate("data:text/html;charset=utf-8,<p>知意</p>"), chromedp.WaitVisible(chromedp.CSS("p")))
		socket, err := os.Readlink(filepath.Join(b.profile, "SingletonSocket"))
		if err != nil {
			t.Fatalf("Chromium's profile has no singleton socket link: %v", err)
		}
		dir = filepath.Dir(socket)
		if _, err := os.Stat(dir); err != nil {
			t.Fatalf("the singleton socket's directory while the browser runs: %v", err)
		}
	})
	if dir == "" {
		return
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("Chromium left %s in $TMPDIR after its test (%v)", dir, err)
	}
}
