// Package authlimit limits failed sign-ins per client: after Attempts failures within Window a
// client is refused — even with the right secret — until the oldest of those failures leaves
// the window. The console's sign-in and serve's admin API share it, so both lock out alike.
//
// A guess's secret is compared inside the limiter, which counts a wrong one at once:
//
//	v := lim.Guess(client, now, func() bool { return subtle.ConstantTimeCompare(got, want) == 1 })
//	switch {
//	case v.Blocked:
//		// 429, Retry-After: v.RetryAfter (the secret was not compared)
//	case v.Right:
//		// go on: the client's failures are forgotten
//	case v.LockedOut:
//		// this failure locked the client out: log it once
//	}
//
// Guesses sent at once are compared one at a time, so a client has at most Attempts compared
// per window however many it sends together, and right ones are never refused for one another.
// Blocked only looks, for requests that guess nothing.
//
// A client is whatever string the caller keys it by; ClientKey makes one of an address (an
// IPv6 client is its /64, the block one host can draw addresses from at will). Memory is
// bounded: at most MaxClients clients are remembered, each with at most Attempts times; when
// full, the client least recently active of those not blocked is forgotten, and only while all
// are blocked the oldest lockout (Limiter says why). Comparing secrets stays with the
// caller (in constant time): this package only counts.
//
// It imports nothing from zhiyi.
package authlimit
