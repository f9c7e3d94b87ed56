package fnv64

import (
	"hash/fnv"
	"testing"
)

// String is hash/fnv's FNV-1a 64.
func TestString(t *testing.T) {
	for _, s := range []string{"", "a", "wm-customer", "wecom\x00s\x00wm-1", "小王", "15900001111"} {
		h := fnv.New64a()
		h.Write([]byte(s))
		if got, want := String(s), h.Sum64(); got != want {
			t.Errorf("String(%q) = %#x, want %#x", s, got, want)
		}
	}
}
