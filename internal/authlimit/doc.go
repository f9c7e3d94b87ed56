// Package authlimit limits failed sign-ins per client: after Attempts failures within Window a
// client is refused — even with the right secret — until the oldest of those failures leaves
// the window. The console's sign-in and serve's admin API share it, so both lock out alike.
//
// A guess is reserved before its secret is compared and settled after:
//
//	attempt, wait, ok := lim.Begin(client, now)
//	if !ok {
//		// 429, Retry-After: wait
//	}
//	if secretOK {
//		attempt.Succeed() // clears the client's failures
//	} else if attempt.Fail() {
//		// this failure locked the client out: log it once
//	}
//
// Until settled a guess counts as a failure, so a client sending many at once has at most
// Attempts compared per window; more than Attempts at once from one client (an operator's
// script in parallel, say) get 429 for as long as the comparisons take. Blocked only looks, for
// requests that guess nothing.
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
