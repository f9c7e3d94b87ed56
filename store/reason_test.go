package store_test

import (
	"testing"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/store"
)

// The log reads the engine's reason as text: the two constants must not drift apart.
func TestReasonPersonHandlesIsTheEngines(t *testing.T) {
	if store.ReasonPersonHandles != intent.ReasonPersonHandles {
		t.Errorf("store %q, intent %q", store.ReasonPersonHandles, intent.ReasonPersonHandles)
	}
}
