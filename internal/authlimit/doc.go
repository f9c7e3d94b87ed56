// Package authlimit limits failed sign-ins per client: after Attempts failures within Window a
// client is refused — even with the right secret — until the oldest of those failures leaves
// the window. The console's sign-in and serve's admin API share it, so both lock out alike.
//
// A client is whatever string the caller keys it by; ClientKey makes one of an address (an
// IPv6 client is its /64, the block one host can draw addresses from at will). Memory is
// bounded: at most MaxClients clients are remembered, each with at most Attempts times; when
// full, the client whose last failure is oldest is forgotten. Comparing secrets stays with the
// caller (in constant time): this package only counts.
//
// It imports nothing from zhiyi.
package authlimit
