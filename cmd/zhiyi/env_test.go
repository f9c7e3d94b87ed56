package main

import "testing"

// TestByteSize: --spool-max takes a number of bytes or a size with its unit (binary or decimal),
// and refuses anything else with a message showing the form wanted.
func TestByteSize(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"268435456", 256 << 20, true},
		{"256MiB", 256 << 20, true},
		{"256MB", 256_000_000, true},
		{" 1 GiB ", 1 << 30, true},
		{"0", 0, true},
		{"-5MB", 0, false},
		{"lots", 0, false},
		{"", 0, false},
		{"99999999999EB", 0, false},
	} {
		var b byteSize
		err := b.Set(c.in)
		if (err == nil) != c.ok || (c.ok && int64(b) != c.want) {
			t.Errorf("Set(%q) = %d, %v; want %d, ok %v", c.in, b, err, c.want, c.ok)
		}
	}
	t.Setenv("ZHIYI_SPOOL_MAX", "64MiB")
	envErr = nil
	if got := envBytes("ZHIYI_SPOOL_MAX", 1); got != 64<<20 || envErr != nil {
		t.Errorf("envBytes(64MiB) = %d, %v", got, envErr)
	}
	t.Setenv("ZHIYI_SPOOL_MAX", "big")
	if got := envBytes("ZHIYI_SPOOL_MAX", 1); got != 1 || envErr == nil {
		t.Errorf("envBytes(big) = %d, %v; want the default and an error", got, envErr)
	}
	envErr = nil
}
