package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/internal/shoptest"
)

// TestLearnKeepSparesServingRecord: zhiyi learn --keep never removes the bundle serving.json
// names (what serve --learn serves again when it restarts, unlocked while it is stopped), as
// docs/operations.md says; it removed it when it was not among the newest.
func TestLearnKeepSparesServingRecord(t *testing.T) {
	models := t.TempDir()
	bundle := filepath.Join(models, "tiny")
	if err := shoptest.TrainTiny(bundle); err != nil {
		t.Fatal(err)
	}
	pm, err := intent.ReadManifest(bundle)
	if err != nil {
		t.Fatal(err)
	}
	var olders []string
	for i, stamp := range []string{"20261101T000000Z", "20261102T000000Z"} {
		older := filepath.Join(models, "tiny-learnt-"+stamp)
		if err := os.Mkdir(older, 0o755); err != nil {
			t.Fatal(err)
		}
		om := *pm
		om.CreatedAt, om.Parent, om.LearntFrom = pm.CreatedAt.Add(time.Duration(i+1)*time.Second), pm.Version(), &intent.Learnt{Corrections: 20}
		if err := intent.WriteManifest(older, &om); err != nil {
			t.Fatal(err)
		}
		olders = append(olders, older)
	}
	om, err := intent.PeekManifest(olders[0])
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := writeServing(dir, servingRecord{Model: olders[0], Version: om.Version(), Base: pm.Version()}); err != nil {
		t.Fatal(err)
	}
	twoCorrections(t, dir)
	t.Setenv("ZHIYI_DATA_DIR", dir)
	t.Setenv("ZHIYI_DB", "")
	code, _, stderr := runCLI(t, "", "learn", "--model", bundle, "--min", "2", "--keep", "2", "--since", "1h")
	if code != 0 {
		t.Fatalf("learn: exit %d, stderr %q", code, stderr)
	}
	if _, err := intent.PeekManifest(olders[0]); err != nil {
		t.Errorf("the bundle serving.json names was removed: %v (stderr %q)", err, stderr)
	}
}
