// Package period reads the periods operators type — a duration back from now (90m, 24h, 7d), a
// date in China Standard Time, or an RFC 3339 time — for every place that takes one: the CLI's
// --since and --until, the admin routes' since=, and the console's period fields. It also holds
// CST, the shops' time zone, so that every package reads dates in one zone.
package period
