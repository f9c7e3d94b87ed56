// Package drift holds the drift suite (suite.py: zhiyi, the TF-IDF linear peer of peer.py and
// fastText on the same data, by time, across sources, under prior shift, on the stress set and by
// k-fold CV; docs/drift.md, numbers in docs/benchmarks.md) and its test: drift_test.go runs test_suite.py, the
// splitters and metrics on tiny data and the peer on a tiny synthetic shop, with Debian's
// python3 and python3-sklearn.
package drift
