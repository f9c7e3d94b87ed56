package learn

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/internal/shoptest"
	"github.com/zhiyi-ai/zhiyi/train"
)

// TestPromotedVersionsNeverRepeat: a version is the bundle's name and a second
// (tiny@20261206T055435Z), and a learnt bundle names its parent by it. Two promotions beside
// each other in one second (serve --learn's tick and a zhiyi learn, two replicas) had one
// version, so a rollback from a child of either could land on the other. Here a bundle of the
// same name stands at every second the promotion may finish in: the promoted bundle's version
// is still its own (…-2), after the one of its second, and its parent is still found.
func TestPromotedVersionsNeverRepeat(t *testing.T) {
	ctx := context.Background()
	models := filepath.Join(t.TempDir(), "models")
	model := filepath.Join(models, "tiny")
	if err := shoptest.TrainTiny(model); err != nil {
		t.Fatal(err)
	}
	pm, err := intent.ReadManifest(model)
	if err != nil {
		t.Fatal(err)
	}
	from := pm.CreatedAt.Truncate(time.Second).Add(time.Second)
	for i := range 180 {
		dir := filepath.Join(models, fmt.Sprintf("tiny-copy-%03d", i))
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := intent.WriteManifest(dir, &intent.Manifest{Name: pm.Name, CreatedAt: from.Add(time.Duration(i) * time.Second)}); err != nil {
			t.Fatal(err)
		}
	}
	var fixes []train.Correction
	for _, s := range []string{"报销用的凭证怎么给", "报销凭证在哪弄", "我要报销凭证", "报销凭证怎么申请", "公司要报销凭证", "报销凭证开一下",
		"能给个报销凭证不", "报销凭证发我邮箱", "报销凭证可以吗", "需要报销凭证", "报销凭证哪里申请", "报销凭证电子的行吗"} {
		fixes = append(fixes, train.Correction{Text: s, Intent: "invoice", Source: "feedback"})
	}
	res, err := Promote(ctx, model, fixes, train.LearnConfig{MaxDrop: 0.05})
	if err != nil || !res.Promoted {
		t.Fatalf("promote: %+v, %v", res, err)
	}
	cm, err := intent.ReadManifest(res.Bundle)
	if err != nil {
		t.Fatal(err)
	}
	if cm.CreatedAt.Before(from) || !cm.CreatedAt.Before(from.Add(180*time.Second)) {
		t.Skipf("the promotion took too long: it finished at %v, after the bundles made for it", cm.CreatedAt)
	}
	es, err := os.ReadDir(models)
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]string{}
	for _, e := range es {
		m, err := intent.PeekManifest(filepath.Join(models, e.Name()))
		if err != nil {
			continue
		}
		if other, ok := by[m.Version()]; ok {
			t.Errorf("%s and %s share the version %s", other, e.Name(), m.Version())
		}
		by[m.Version()] = e.Name()
	}
	same := pm.Name + "@" + cm.CreatedAt.UTC().Format("20060102T150405Z")
	if v := cm.Version(); v != same+"-2" || !(v > same) {
		t.Errorf("the promoted bundle's version %s, want %s-2 (after %s, made in its second)", v, same, same)
	}
	if p, err := Parent(res.Bundle); err != nil || p != model {
		t.Errorf("Parent(%s) = %s, %v; want %s", res.Bundle, p, err, model)
	}
	if !strings.HasPrefix(filepath.Base(res.Bundle), "tiny-learnt-") {
		t.Errorf("promoted to %s, want tiny-learnt-<time>", res.Bundle)
	}
}
