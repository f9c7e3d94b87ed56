// Package shoptest gives tests and benchmarks the sample shop: a bundle trained once per test
// binary from corpora/shop, and the holdout messages; and TrainTiny, a bundle of the tiny
// synthetic shop for tests that need a real bundle quickly. It is imported by _test files only.
package shoptest
