package train

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// zhiyi train took --target-precision 1.5 and trained a model that never answers alone, took
// --dev-share 1.5 and put every message in dev, --runs 0, and without a labelled dev split
// --epochs -1: each without a word. They
// are refused before the import, naming the value and what is wanted.
func TestRunRefusesOutOfRangeSettings(t *testing.T) {
	for _, tt := range []struct {
		set  func(*Config)
		want string
	}{
		{func(c *Config) { c.TargetPrecision = 1.5 }, "target precision 1.5: want a share above 0 and at most 1"},
		{func(c *Config) { c.TargetPrecision = 0 }, "target precision 0:"},
		{func(c *Config) { c.DevShare = 1.5 }, "dev share 1.5: want at least 0 and below 1"},
		{func(c *Config) { c.DevShare = -0.1 }, "dev share -0.1:"},
		{func(c *Config) { c.Fit.Runs = 0 }, "0 runs: want at least 1"},
		// checked by the fit, which without a labelled dev split runs 3 epochs whatever --epochs says
		{func(c *Config) { c.Fit.Epochs = -1 }, "-1 epochs: want at least 1"},
		{func(c *Config) { c.Fit.Patience = 0 }, "patience 0: want at least 1"},
	} {
		cfg := DefaultConfig()
		cfg.Data = []string{filepath.Join(t.TempDir(), "none.jsonl")}
		cfg.Out = filepath.Join(t.TempDir(), "m")
		tt.set(&cfg)
		_, err := Run(context.Background(), cfg)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("error %v, want one saying %q", err, tt.want)
		}
	}
}
