// Package sessiontest is the conformance suite every session.Store passes: each store's tests
// call Run (and Expiry, with a way to let time pass), so the in-process and Redis stores are
// held to one behaviour.
//
//	func TestMemory(t *testing.T) {
//		sessiontest.Run(t, func(t *testing.T) session.Store { return session.NewMemory(session.MemoryConfig{}) })
//	}
//
// Typical returns the six-turn state the suite round-trips and the session benchmarks encode.
package sessiontest
