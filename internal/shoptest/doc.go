// Package shoptest gives tests and benchmarks the sample shop: a bundle trained once per test
// binary from corpora/shop, and the holdout messages. It is imported by _test files only.
package shoptest
