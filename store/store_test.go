package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/store"
)

// NewID's ids are unique, 32 lower-case hex characters, and sort by the millisecond they were
// made in (what keeps the msg_id index's inserts together).
func TestNewID(t *testing.T) {
	seen := map[string]bool{}
	var prev string
	for range 10000 {
		id := store.NewID()
		if len(id) != 32 || strings.Trim(id, "0123456789abcdef") != "" {
			t.Fatalf("NewID() = %q, want 32 hex characters", id)
		}
		if seen[id] {
			t.Fatalf("NewID() repeated %q", id)
		}
		seen[id] = true
		prev = id
	}
	time.Sleep(2 * time.Millisecond)
	if later := store.NewID(); later <= prev {
		t.Errorf("an id made later (%s) sorts before an earlier one (%s)", later, prev)
	}
}
