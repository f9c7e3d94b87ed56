package train

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// TestRunKnowledgeBaseAlone: a shop opening its customer service has kb.yaml and no chats.
// zhiyi train refused it ("no data"), and an empty export stopped at the import, so the shop
// could not serve at all. It trains on the knowledge base's examples, and says that nothing
// will be answered automatically when the estimate reaches no bar.
func TestRunKnowledgeBaseAlone(t *testing.T) {
	shop := filepath.Join("..", "intent", "testdata", "shop")
	var prog strings.Builder
	cfg := DefaultConfig()
	cfg.KB, cfg.DictDir = filepath.Join(shop, "kb.yaml"), filepath.Join(shop, "dict")
	cfg.Out, cfg.Progress = filepath.Join(t.TempDir(), "m"), &prog
	sum, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Run with kb.yaml alone: %v", err)
	}
	if sum.Seeds == 0 || sum.Import.Kept != 0 {
		t.Errorf("seeds %d, kept %d: want the knowledge base's examples and no import", sum.Seeds, sum.Import.Kept)
	}
	e, err := intent.Load(context.Background(), cfg.Out)
	if err != nil {
		t.Fatalf("the bundle does not load: %v", err)
	}
	e.Close()
	out := prog.String()
	if !strings.Contains(out, "no exports (--data)") {
		t.Errorf("progress does not say it trains without exports:\n%s", out)
	}
	raw, err := os.ReadFile(filepath.Join(cfg.Out, "policy.json"))
	if err != nil {
		t.Fatal(err)
	}
	var policy struct{ Auto float64 }
	if err := json.Unmarshal(raw, &policy); err != nil {
		t.Fatal(err)
	}
	never := policy.Auto > 1
	if said := strings.Contains(out, "nothing is answered automatically"); said != never {
		t.Errorf("auto never reached: %v, progress says so: %v\n%s", never, said, out)
	}

	// With no knowledge base either there is nothing to learn from: refused, saying what to give.
	cfg.KB, cfg.Out = "", filepath.Join(t.TempDir(), "n")
	if _, err := Run(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "--kb") {
		t.Errorf("no data and no kb: error %v, want one naming --data and --kb", err)
	}
}
