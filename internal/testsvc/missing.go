package testsvc

import (
	"os"
	"testing"
)

// RequireEnv names the environment variable that turns a missing service into a failure.
// .ci/run sets it: CI installs every service, so a test that would skip there means the
// machine is broken and must not pass silently.
const RequireEnv = "ZHIYI_REQUIRE_SERVICES"

// Missing ends a test that needs a service which is not installed: it skips with why, or
// fails when RequireEnv is set.
func Missing(t testing.TB, why string) {
	t.Helper()
	if os.Getenv(RequireEnv) != "" {
		t.Fatalf("%s (%s is set: CI must run this test)", why, RequireEnv)
	}
	t.Skip(why)
}
