package authlimit

import (
	"net/netip"
	"testing"
)

// Who a request is, behind trusted proxies or not: entries with ports or brackets are read, an
// address is written one way, an IPv6 client is its /64, and what is left of an unreadable entry
// is not believed.
func TestClient(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128")}
	for _, tc := range []struct {
		remote string
		xff    []string
		want   string
	}{
		{"192.0.2.10", nil, "192.0.2.10"},
		{"192.0.2.10", []string{"198.51.100.7"}, "192.0.2.10"}, // not a proxy: the header is not read
		{"127.0.0.1", nil, "127.0.0.1"},
		{"127.0.0.1", []string{"198.51.100.7"}, "198.51.100.7"},
		{"::1", []string{"198.51.100.7"}, "198.51.100.7"},
		{"::ffff:127.0.0.1", []string{"198.51.100.7"}, "198.51.100.7"},
		{"127.0.0.1", []string{"198.51.100.7:5678"}, "198.51.100.7"},
		{"127.0.0.1", []string{"[2001:db8::1]:443"}, "2001:db8::/64"},
		{"127.0.0.1", []string{"[2001:db8::1]"}, "2001:db8::/64"},
		{"127.0.0.1", []string{"2001:DB8:0:0:ffff::2"}, "2001:db8::/64"}, // same /64, however written
		{"127.0.0.1", []string{"::ffff:203.0.113.9"}, "203.0.113.9"},
		{"127.0.0.1", []string{"198.51.100.7, 203.0.113.9"}, "203.0.113.9"},   // the left part is the client's own words
		{"127.0.0.1", []string{"198.51.100.7", "203.0.113.9"}, "203.0.113.9"}, // two headers read as one list
		{"127.0.0.1", []string{"198.51.100.7, unknown"}, "127.0.0.1"},         // nothing left of garbage is believed
		{"127.0.0.1", []string{"203.0.113.9, 127.0.0.1"}, "203.0.113.9"},      // through two of ours
		{"2001:db8:1:2:3:4:5:6", nil, "2001:db8:1:2::/64"},
	} {
		if got := Client(netip.MustParseAddr(tc.remote), tc.xff, trusted); got != tc.want {
			t.Errorf("from %s with X-Forwarded-For %q: %s, want %s", tc.remote, tc.xff, got, tc.want)
		}
	}
	if got := Client(netip.MustParseAddr("127.0.0.1"), []string{"198.51.100.7"}, nil); got != "127.0.0.1" {
		t.Errorf("without trusted proxies the header was read: %s", got)
	}
}
