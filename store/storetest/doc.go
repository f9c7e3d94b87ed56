// Package storetest is the conformance suite every store.Store backend passes, in the manner of
// bleve's KVStore tests and testing/slogtest: a backend's test calls Run with a function that
// opens a fresh, empty store, and each case opens its own.
//
//	func TestSQLite(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { … store.Open(ctx, store.Config{DataDir: t.TempDir()}) … })
//	}
package storetest
