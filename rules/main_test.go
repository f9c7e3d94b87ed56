package rules

import (
	"os"
	"testing"

	"github.com/zhiyi-ai/zhiyi/internal/shoptest"
)

// TestMain removes the sample shop's bundle that BenchmarkMatchBesideClassify trains (9.6 MB in
// $TMPDIR, left behind by every `go test -bench` of this package before).
func TestMain(m *testing.M) {
	code := m.Run()
	shoptest.Cleanup()
	os.Exit(code)
}
