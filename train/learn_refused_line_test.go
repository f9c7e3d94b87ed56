package train

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// An agency keeps several shops' bundles in one models directory (models/shop-a, models/shop-c,
// a copy of shop-a with other answers). learn-refused.jsonl is the directory's, and a batch the
// gate refused for shop-c was left out of shop-a's learning too: the same words corrected to the
// same intent in shop-a, genuine there, were never learnt. A refusal belongs to the line of
// bundles it was judged against (the name its versions start with).
func TestLeaveOutRefusedKeepsToItsOwnShop(t *testing.T) {
	dir := t.TempDir()
	shopA, shopC := filepath.Join(dir, "shop-a"), filepath.Join(dir, "shop-c")
	// shop-a's serving bundle is one learnt from it: its directory's name is not its line's
	learntA := filepath.Join(dir, "shop-a-learnt-20261207T101500Z")
	if err := os.Mkdir(learntA, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := intent.WriteManifest(learntA, &intent.Manifest{Name: "shop-a", CreatedAt: time.Now().UTC()}); err != nil {
		t.Fatal(err)
	}
	batch := []Labelled{{Text: textKey("怎么退货"), Intent: "invoice"}}
	if err := recordRefused(shopC, "shop-c@20261207T100000Z", "refused: test", batch); err != nil {
		t.Fatal(err)
	}
	fix := []Correction{{Text: "怎么退货", Intent: "invoice"}}
	for _, model := range []string{shopA, learntA} {
		if keep, refused, err := LeaveOutRefused(model, fix); err != nil || len(keep) != 1 || len(refused) != 0 {
			t.Errorf("%s: kept %v, left out %v (%v); want shop-c's refusal not to reach it", filepath.Base(model), keep, refused, err)
		}
	}
	if keep, refused, err := LeaveOutRefused(shopC, fix); err != nil || len(keep) != 0 || len(refused) != 1 {
		t.Errorf("shop-c: kept %v, left out %v (%v); want its own refusal to hold", keep, refused, err)
	}
	// shop-b is a copy of shop-c's bundle directory (its manifest still names it shop-c): the
	// line is the directory's, as learnt bundles are named and pruned
	shopB := filepath.Join(dir, "shop-b")
	if err := os.Mkdir(shopB, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := intent.WriteManifest(shopB, &intent.Manifest{Name: "shop-c", CreatedAt: time.Now().UTC()}); err != nil {
		t.Fatal(err)
	}
	if keep, refused, err := LeaveOutRefused(shopB, fix); err != nil || len(keep) != 1 || len(refused) != 0 {
		t.Errorf("shop-b, a copy of shop-c's bundle: kept %v, left out %v (%v); want shop-c's refusal not to reach it", keep, refused, err)
	}
	// and shop-a's own refusals, recorded against a learnt bundle of its line, reach the line
	if err := recordRefused(learntA, "shop-a@20261207T101500Z-2", "refused: test", batch); err != nil {
		t.Fatal(err)
	}
	for _, model := range []string{shopA, learntA} {
		if keep, refused, err := LeaveOutRefused(model, fix); err != nil || len(keep) != 0 || len(refused) != 1 {
			t.Errorf("%s after its own refusal: kept %v, left out %v (%v); want it left out", filepath.Base(model), keep, refused, err)
		}
	}
}
