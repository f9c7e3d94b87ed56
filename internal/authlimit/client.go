package authlimit

import (
	"net/netip"
	"strings"
)

// Client is the key of a request's client: the connection's address remote or, when remote is
// one of the trusted proxies, the rightmost X-Forwarded-For address (forwarded: the header's
// values as received) that is not itself a trusted proxy. The entries further left are whatever
// the client chose to send, so they are never read. Without trusted proxies the header is not
// read at all: behind a proxy every client then shares the proxy's limit, which errs on the
// safe side. The result is ClientKey of the address.
func Client(remote netip.Addr, forwarded []string, trusted []netip.Prefix) string {
	a := remote
	if isTrusted(a, trusted) {
		hops := strings.Split(strings.Join(forwarded, ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			hop, ok := forwardedAddr(hops[i])
			if !ok {
				break // not an address: nothing left of it can be trusted either
			}
			if a = hop; !isTrusted(hop, trusted) {
				break
			}
		}
	}
	return ClientKey(a)
}

// forwardedAddr reads an X-Forwarded-For entry: an address, with a port or in brackets as some
// proxies write them (203.0.113.9:5678, [2001:db8::1]:443).
func forwardedAddr(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr(), true
	}
	a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]"))
	return a, err == nil
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	a = a.Unmap()
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
