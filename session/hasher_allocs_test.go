//go:build !race

package session

import "testing"

// TestHasherAllocs pins the keyed hashes' cost: a conversation key's allocates nothing, a
// msg_id's its string alone, as unkeyed (the race detector drops pooled HMACs, hence !race).
func TestHasherAllocs(t *testing.T) {
	h := NewHasher([]byte("allocs"))
	long := string(make([]byte, 300)) // over the buffer: written in chunks
	h.conv(long)
	if n := testing.AllocsPerRun(200, func() { h.conv("wecom\x00c\x00chat-1"); h.conv(long) }); n != 0 {
		t.Errorf("keyed conv: %v allocs, want 0", n)
	}
	if n := testing.AllocsPerRun(200, func() { h.MsgID("7301234567890123456") }); n > 1 {
		t.Errorf("keyed MsgID: %v allocs, want ≤ 1 (the string)", n)
	}
}
