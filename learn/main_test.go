package learn

import (
	"os"
	"testing"

	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
)

// TestMain stops the PostgreSQL server the tests share once they are done: without it each run
// left one behind.
func TestMain(m *testing.M) {
	code := m.Run()
	testsvc.StopSharedPostgres()
	os.Exit(code)
}
