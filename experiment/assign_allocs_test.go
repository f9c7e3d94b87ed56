//go:build !race

package experiment

import "testing"

// TestAssignAllocs pins the hot path: Assign allocates nothing.
func TestAssignAllocs(t *testing.T) {
	s := testSet(t, "version: 1\nexclude_senders: [wmBoss]\nstop: [size_advice.c]\n", nil)
	ids := []string{sender(1), sender(2), "wmBoss", ""}
	i := 0
	n := testing.AllocsPerRun(1000, func() {
		i++
		_ = s.Assign("size_advice", ids[i%len(ids)])
		_ = s.AssignSticky("track_parcel", ids[i%len(ids)], "track_parcel.b")
	})
	if n != 0 {
		t.Fatalf("Assign: %v allocs/op, want 0", n)
	}
}
