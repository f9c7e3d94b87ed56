package session

import (
	"sync/atomic"
	"time"
)

// Circuit states.
const (
	circuitClosed  int32 = iota // calls go to Redis
	circuitOpen                 // calls fail at once until openUntil
	circuitProbing              // one call is testing Redis; the others fail at once
)

// breaker is the Redis store's circuit breaker. After a failed call — or, for timeouts,
// openAfter of them in a row — the circuit opens: calls fail at once for backoff, then one call (the probe) goes to Redis while
// the others still fail at once; the probe's success closes the circuit, its failure opens it
// for another backoff. So an outage costs a request no waiting and Redis at most one call per
// backoff, while one slow answer on a busy host (a read past the timeout) costs that call
// alone, not every conversation's context for a backoff.
//
// It is lock-free: allow is two atomic loads on the closed path.
type breaker struct {
	backoff   time.Duration
	now       func() time.Time
	state     atomic.Int32
	openUntil atomic.Int64 // unix nanoseconds
	fails     atomic.Int32 // failed calls in a row while closed
}

// openAfter is how many failed calls in a row open the circuit. A soak test on two busy cores
// saw eleven lone read timeouts in 22 minutes, each of which had opened it.
const openAfter = 3

// allow reports whether a call may go to Redis, and whether it is the probe (which must be
// followed by success, failure or release).
func (b *breaker) allow() (ok, probe bool) {
	switch b.state.Load() {
	case circuitClosed:
		return true, false
	case circuitOpen:
		if b.now().UnixNano() < b.openUntil.Load() {
			return false, false
		}
		if b.state.CompareAndSwap(circuitOpen, circuitProbing) {
			return true, true
		}
	}
	return false, false
}

// success records a call Redis answered; it reports whether it ended an outage. Only the
// probe closes the circuit: a call that was already in flight when it opened proves little.
func (b *breaker) success(probe bool) (recovered bool) {
	if b.fails.Load() != 0 {
		b.fails.Store(0)
	}
	if probe {
		b.state.Store(circuitClosed)
	}
	return probe
}

// failure records a call Redis failed; it reports whether it began an outage (the circuit
// was closed), so that the outage is logged once. A slow failure (a timeout) opens the circuit
// only as the openAfter-th in a row; any other (a refused connection, an error reply) at once.
func (b *breaker) failure(probe, slow bool) (down bool) {
	if probe {
		b.openUntil.Store(b.now().Add(b.backoff).UnixNano())
		b.state.Store(circuitOpen)
		return false
	}
	if n := b.fails.Add(1); slow && n < openAfter && b.state.Load() == circuitClosed {
		return false // not yet an outage: the next call may well be answered
	}
	b.openUntil.Store(b.now().Add(b.backoff).UnixNano())
	if b.state.CompareAndSwap(circuitClosed, circuitOpen) {
		b.fails.Store(0)
		return true
	}
	return false
}

// release gives back a probe that proved nothing (its caller's context ended first), so the
// next call probes instead.
func (b *breaker) release(probe bool) {
	if probe {
		b.state.Store(circuitOpen)
	}
}

// up reports whether the circuit is closed.
func (b *breaker) up() bool { return b.state.Load() == circuitClosed }
