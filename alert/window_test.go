package alert

import (
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC)

func TestRingSlides(t *testing.T) {
	r := newRing(10 * time.Minute) // buckets of 10s
	r.add(t0, 1)
	r.add(t0.Add(5*time.Minute), 1)
	f := func(at time.Duration, want int64) {
		t.Helper()
		if got := r.sum(t0.Add(at)); got != want {
			t.Errorf("sum at +%s = %d, want %d", at, got, want)
		}
	}
	f(5*time.Minute, 2)
	f(9*time.Minute+59*time.Second, 2)
	f(10*time.Minute, 1)
	f(14*time.Minute+59*time.Second, 1)
	f(15*time.Minute, 0)
}

func TestRingWindowEdges(t *testing.T) {
	// An event stays counted for between W-W/60 and W: it leaves with its bucket.
	r := newRing(10 * time.Minute)
	r.add(t0, 1) // t0 is on a bucket boundary
	for _, c := range []struct {
		at   time.Duration
		want int64
	}{
		{0, 1},
		{9*time.Minute + 59*time.Second, 1},
		{10 * time.Minute, 0},
	} {
		if got := r.sum(t0.Add(c.at)); got != c.want {
			t.Errorf("sum at +%s = %d, want %d", c.at, got, c.want)
		}
	}
	r2 := newRing(10 * time.Minute)
	r2.add(t0.Add(9*time.Second), 1) // late in its bucket: leaves at +10m, 9m51s after it came
	if got := r2.sum(t0.Add(9*time.Minute + 59*time.Second)); got != 1 {
		t.Errorf("late-in-bucket event gone too early: %d", got)
	}
	if got := r2.sum(t0.Add(10 * time.Minute)); got != 0 {
		t.Errorf("late-in-bucket event still counted after its bucket left: %d", got)
	}
}

func TestRingLateAndJumps(t *testing.T) {
	r := newRing(time.Minute) // buckets of 1s
	r.add(t0.Add(30*time.Second), 1)
	r.add(t0.Add(10*time.Second), 1)  // late but inside the window: counted
	r.add(t0.Add(-40*time.Second), 1) // older than the window at +30s: ignored
	if got := r.sum(t0.Add(30 * time.Second)); got != 2 {
		t.Fatalf("sum = %d, want 2", got)
	}
	if got := r.sum(t0.Add(69*time.Second + 500*time.Millisecond)); got != 2 {
		t.Fatalf("just before the late event's bucket leaves: %d, want 2", got)
	}
	if got := r.sum(t0.Add(70 * time.Second)); got != 1 {
		t.Fatalf("after the late event's bucket left: %d, want 1", got)
	}
	if got := r.sum(t0.Add(time.Hour)); got != 0 { // a jump past the whole window clears it
		t.Fatalf("after an hour: %d, want 0", got)
	}
	r.add(t0.Add(time.Hour), 3)
	if got := r.sum(t0.Add(time.Hour)); got != 3 {
		t.Fatalf("after the jump: %d, want 3", got)
	}
	// Before 1970: floor division keeps buckets whole.
	old := time.Unix(-5, 0)
	r3 := newRing(time.Minute)
	r3.add(old, 1)
	if got := r3.sum(old.Add(59 * time.Second)); got != 1 {
		t.Fatalf("pre-1970 window: %d, want 1", got)
	}
}

func TestLatencyBuckets(t *testing.T) {
	for _, d := range []time.Duration{0, time.Microsecond, 37 * time.Microsecond, time.Millisecond,
		49 * time.Millisecond, 50 * time.Millisecond, 1234 * time.Millisecond, 90 * time.Second} {
		up := latUpper(latBucket(d))
		if up < d || (d > time.Microsecond && float64(up) > 1.19*float64(d)+1) {
			t.Errorf("latency %s: bucket bound %s, want within [d, 1.19·d]", d, up)
		}
	}
	if latBucket(time.Hour) != latBuckets-1 {
		t.Errorf("an hour should land in the last bucket")
	}
}

func TestHistQuantile(t *testing.T) {
	h := newHistRing(5 * time.Minute)
	for i := range 99 {
		h.add(t0.Add(time.Duration(i)*time.Second), time.Millisecond)
	}
	h.add(t0.Add(100*time.Second), 100*time.Millisecond)
	if q := h.quantile(t0.Add(100*time.Second), 0.99); q > 1200*time.Microsecond {
		t.Errorf("p99 of 99×1ms + 1×100ms = %s, want ≈1ms (nearest rank 99 of 100)", q)
	}
	h.add(t0.Add(101*time.Second), 100*time.Millisecond)
	if q := h.quantile(t0.Add(101*time.Second), 0.99); q < 100*time.Millisecond || q > 119*time.Millisecond {
		t.Errorf("p99 of 99×1ms + 2×100ms = %s, want ≈100ms", q)
	}
	if q := h.quantile(t0.Add(time.Hour), 0.99); q != 0 {
		t.Errorf("p99 of an empty window = %s, want 0", q)
	}
	// Expiry subtracts the old buckets' histograms.
	h.add(t0.Add(time.Hour), 5*time.Millisecond)
	if q := h.quantile(t0.Add(time.Hour), 0.5); q < 5*time.Millisecond || q > 6*time.Millisecond {
		t.Errorf("median after expiry = %s, want ≈5ms", q)
	}
}
