// Package storetest is the conformance suite every store.Store backend passes, in the manner of
// bleve's KVStore tests and testing/slogtest: a backend's test calls Run with a function that
// opens a fresh, empty store, and each case opens its own. RunReplicas runs the cases that need
// two processes' worth of stores on one database (two handles to one SQLite file, two pools on
// one PostgreSQL database) racing each other.
//
//	func TestSQLite(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { … store.Open(ctx, store.Config{DataDir: t.TempDir()}) … })
//	}
package storetest
