package console

import (
	"testing"

	"github.com/zhiyi-ai/zhiyi/internal/authlimit"
)

// The console's sign-in limit and the admin API's (serve) share their defaults: an operator
// reads one number in the docs.
func TestLoginDefaultsAreAuthlimits(t *testing.T) {
	if DefaultLoginAttempts != authlimit.DefaultAttempts || DefaultLoginWindow != authlimit.DefaultWindow {
		t.Fatalf("console %d in %v, authlimit %d in %v", DefaultLoginAttempts, DefaultLoginWindow, authlimit.DefaultAttempts, authlimit.DefaultWindow)
	}
}
