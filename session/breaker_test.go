package session

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestBreaker(t *testing.T) {
	now := time.Unix(1000, 0)
	b := &breaker{backoff: time.Second, now: func() time.Time { return now }}
	allow := func(wantOK, wantProbe bool) {
		t.Helper()
		if ok, probe := b.allow(); ok != wantOK || probe != wantProbe {
			t.Fatalf("allow() = %v, %v; want %v, %v", ok, probe, wantOK, wantProbe)
		}
	}
	allow(true, false)
	if b.success(false) {
		t.Error("a success while closed reported a recovery")
	}
	// a lone timeout (one slow answer) is no outage, and a success forgets it
	for range openAfter - 1 {
		if b.failure(false, true) {
			t.Fatal("timeouts short of openAfter in a row opened the circuit")
		}
	}
	allow(true, false)
	b.success(false)
	for range openAfter - 1 {
		b.failure(false, true)
	}
	allow(true, false)
	if !b.failure(false, true) {
		t.Errorf("the %d-th timeout in a row did not report the outage", openAfter)
	}
	if b.failure(false, false) {
		t.Error("a further failure (a call in flight) reported the outage again")
	}
	if b.up() {
		t.Error("up() after a failure")
	}
	allow(false, false) // open: refused at once
	now = now.Add(999 * time.Millisecond)
	allow(false, false)
	now = now.Add(time.Millisecond)
	allow(true, true)   // one probe …
	allow(false, false) // … and only one
	if b.failure(true, false) {
		t.Error("a failed probe reported a new outage")
	}
	allow(false, false)
	now = now.Add(time.Second)
	allow(true, true)
	b.release(true) // the probe's caller gave up: the next call probes
	allow(true, true)
	if b.success(false) {
		t.Error("a call in flight since before the outage closed the circuit")
	}
	allow(false, false)
	if !b.success(true) {
		t.Error("the probe's success did not report the recovery")
	}
	allow(true, false)
	if !b.up() {
		t.Error("not up after the recovery")
	}
}

// A refused connection or an error reply opens the circuit at once: no timeout to wait out.
func TestBreakerOpensAtOnceWhenRefused(t *testing.T) {
	b := &breaker{backoff: time.Second, now: time.Now}
	if !b.failure(false, false) || b.up() {
		t.Error("a refused call did not open the circuit")
	}
}

// A call that found every pooled connection busy is slow, not refused: a burst on a busy host.
func TestPoolTimeoutIsSlow(t *testing.T) {
	if !isTimeout(fmt.Errorf("session: redis load: %w", redis.ErrPoolTimeout)) {
		t.Error("redis.ErrPoolTimeout is not counted as a timeout")
	}
	if isTimeout(errors.New("connection refused")) {
		t.Error("a refused connection counted as a timeout")
	}
}
