package store

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// Record's queue-full line is said once a minute however many requests find the queue full at
// once, also when they read the clock on either side of a second. (Two callers that both read
// the minute as past, at 1000 and 1001, each said it when the second's Swap found the first's
// second, not its own; the race is run many times to be caught.)
func TestOnceAMinute(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("one processor: the callers do not run at once")
	}
	for round := 0; round < 5000; round++ {
		var last, ready atomic.Int64
		var said atomic.Int32
		var wg sync.WaitGroup
		for g := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ready.Add(1)
				for ready.Load() < 2 {
				}
				if onceAMinute(&last, 1000+int64(g)) {
					said.Add(1)
				}
			}()
		}
		wg.Wait()
		if n := said.Load(); n != 1 {
			t.Fatalf("round %d: said %d times at once, want once", round, n)
		}
	}
	var last atomic.Int64
	if !onceAMinute(&last, 1000) || onceAMinute(&last, 1059) || !onceAMinute(&last, 1060) {
		t.Error("not once a minute")
	}
}
