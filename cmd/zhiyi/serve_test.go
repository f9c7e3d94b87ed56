package main

import (
	"fmt"
	"strings"
	"testing"
)

// --trusted-proxies takes addresses and ranges, and names itself and its variable on a bad one.
func TestParseProxies(t *testing.T) {
	for _, c := range []struct {
		in, want string // want: the prefixes, or the error's start
	}{
		{"", "[]"},
		{"127.0.0.1", "[127.0.0.1/32]"},
		{" 127.0.0.1 , 10.0.0.0/8,::1", "[127.0.0.1/32 10.0.0.0/8 ::1/128]"},
		{"::ffff:10.0.0.1", "[10.0.0.1/32]"},
		{"::ffff:10.0.0.0/104", "[10.0.0.0/8]"},
		{"localhost", `--trusted-proxies (env ZHIYI_TRUSTED_PROXIES) "localhost": want`},
		{"10.0.0.0/33", `--trusted-proxies (env ZHIYI_TRUSTED_PROXIES) "10.0.0.0/33"`},
		{"10.1.2.3/8", `--trusted-proxies (env ZHIYI_TRUSTED_PROXIES) "10.1.2.3/8": bits set past the /8: 10.0.0.0/8`},
		{"0.0.0.0/0", `--trusted-proxies (env ZHIYI_TRUSTED_PROXIES) "0.0.0.0/0": every address`},
		{"::/0", `--trusted-proxies (env ZHIYI_TRUSTED_PROXIES) "::/0": every address`},
	} {
		got, err := parseProxies(c.in)
		s := fmt.Sprint(got)
		if err != nil {
			s = err.Error()
		}
		if !strings.HasPrefix(s, c.want) {
			t.Errorf("parseProxies(%q) = %s, want %s", c.in, s, c.want)
		}
	}
	if err := (&serveFlags{adaptMixWindow: minMixWindow, trustedProxies: "nginx"}).validate(); err == nil {
		t.Error("a bad --trusted-proxies passed validation")
	}
}
