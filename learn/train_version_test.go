package learn

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/internal/shoptest"
)

// TestTrainedVersionsNeverRepeat: zhiyi train committed with CommitBundle and a plain
// name@second, outside CommitVersion and its lock, so a retrain of a shop (a nightly cron)
// finishing in the second a promotion of that shop committed (serve --learn's tick) made a
// second bundle of the promotion's version; the next learnt bundle's parent, and a rollback
// to it, could then land on the retrained one (learn.Parent takes the first match, and
// "shop" sorts before "shop-learnt-…"). Here a bundle of the same name stands at every second
// the training may finish in: the trained bundle's version is its own, and its report names it.
func TestTrainedVersionsNeverRepeat(t *testing.T) {
	models := filepath.Join(t.TempDir(), "models")
	from := time.Now().UTC().Truncate(time.Second)
	for i := range 180 {
		dir := filepath.Join(models, fmt.Sprintf("tiny-learnt-%03d", i))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := intent.WriteManifest(dir, &intent.Manifest{Name: "tiny", CreatedAt: from.Add(time.Duration(i) * time.Second)}); err != nil {
			t.Fatal(err)
		}
	}
	model := filepath.Join(models, "tiny")
	if err := shoptest.TrainTiny(model); err != nil {
		t.Fatal(err)
	}
	m, err := intent.ReadManifest(model)
	if err != nil {
		t.Fatal(err)
	}
	if !m.CreatedAt.Before(from.Add(180 * time.Second)) {
		t.Skipf("training took too long: it finished at %v, after the bundles made for it", m.CreatedAt)
	}
	es, err := os.ReadDir(models)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if e.Name() == "tiny" {
			continue
		}
		if o, err := intent.PeekManifest(filepath.Join(models, e.Name())); err == nil && o.Version() == m.Version() {
			t.Errorf("the trained bundle and %s share the version %s", e.Name(), m.Version())
		}
	}
	if b, err := os.ReadFile(filepath.Join(model, intent.ReportJSONFile)); err != nil {
		t.Error(err)
	} else {
		if want := fmt.Sprintf("%q", m.Version()); !strings.Contains(string(b), want) {
			t.Errorf("report.json does not name the bundle's version %s", m.Version())
		}
	}
}
