package alert

import (
	"math"
	"time"
)

// slots is how many buckets a window is cut into. A window of W counts the events of the last
// W to within W/slots: the oldest bucket leaves whole, so a 10-minute window covers between
// 9m50s and 10m. Adding an event and reading the sum cost O(1), amortised over the buckets that
// expire.
const slots = 60

// ring counts events in a sliding window of slots buckets, keeping their running total.
// The zero value is unusable: build it with newRing. Not safe for concurrent use.
type ring struct {
	width   int64 // nanoseconds per bucket
	head    int64 // absolute index (time / width) of the newest bucket
	started bool
	total   int64
	counts  [slots]int64
}

func newRing(window time.Duration) ring {
	w := int64(window) / slots
	if w < 1 {
		w = 1
	}
	return ring{width: w}
}

// index is the absolute bucket index of t (floor division, also before 1970).
func (r *ring) index(t time.Time) int64 {
	n := t.UnixNano()
	q := n / r.width
	if n%r.width < 0 {
		q--
	}
	return q
}

// advance makes idx the newest bucket, emptying the buckets that leave the window.
func (r *ring) advance(idx int64) {
	switch {
	case !r.started:
		r.head, r.started = idx, true
	case idx <= r.head:
	case idx-r.head >= slots:
		r.counts = [slots]int64{}
		r.total = 0
		r.head = idx
	default:
		for r.head < idx {
			r.head++
			b := &r.counts[mod(r.head, slots)]
			r.total -= *b
			*b = 0
		}
	}
}

// add counts n events at t. An event older than the window (a late arrival) is ignored.
func (r *ring) add(t time.Time, n int64) {
	idx := r.index(t)
	r.advance(idx)
	if idx <= r.head-slots {
		return
	}
	r.counts[mod(idx, slots)] += n
	r.total += n
}

// sum is the number of events in the window that ends at t.
func (r *ring) sum(t time.Time) int64 {
	r.advance(r.index(t))
	return r.total
}

func mod(a, n int64) int64 {
	m := a % n
	if m < 0 {
		m += n
	}
	return m
}

// Latency histogram buckets: bucket i holds latencies in (2^((i-1)/4), 2^(i/4)] µs, so a
// reported quantile is at most 19 % above the true one. 108 buckets reach 2^26.75 µs ≈ 2 min;
// the last one also holds everything slower.
const latBuckets = 108

func latBucket(d time.Duration) int {
	us := float64(d) / float64(time.Microsecond)
	if us <= 1 {
		return 0
	}
	i := int(math.Ceil(4 * math.Log2(us)))
	if i >= latBuckets {
		return latBuckets - 1
	}
	return i
}

// latUpper is the upper bound of bucket i.
func latUpper(i int) time.Duration {
	return time.Duration(math.Exp2(float64(i)/4) * float64(time.Microsecond))
}

// histRing is a latency histogram over a sliding window: one small histogram per bucket of
// time and their running total, so a quantile reads latBuckets counters, not slots of them.
type histRing struct {
	ring // which time bucket is newest; ring.counts counts events per time bucket
	hist [slots][latBuckets]uint32
	hsum [latBuckets]int64
}

func newHistRing(window time.Duration) histRing { return histRing{ring: newRing(window)} }

func (h *histRing) advance(idx int64) {
	if h.started && idx > h.head {
		n := idx - h.head
		if n > slots {
			n = slots
		}
		for k := int64(1); k <= n; k++ {
			b := &h.hist[mod(h.head+k, slots)]
			for i, c := range b {
				h.hsum[i] -= int64(c)
			}
			*b = [latBuckets]uint32{}
		}
	}
	h.ring.advance(idx)
}

func (h *histRing) add(t time.Time, d time.Duration) {
	idx := h.index(t)
	h.advance(idx)
	if idx <= h.head-slots {
		return
	}
	i := latBucket(d)
	h.hist[mod(idx, slots)][i]++
	h.hsum[i]++
	h.counts[mod(idx, slots)]++
	h.total++
}

// quantile is the q-quantile (nearest rank) of the window ending at t, as the upper bound of
// its histogram bucket; 0 when the window is empty.
func (h *histRing) quantile(t time.Time, q float64) time.Duration {
	h.advance(h.index(t))
	if h.total == 0 {
		return 0
	}
	rank := int64(math.Ceil(q * float64(h.total)))
	if rank < 1 {
		rank = 1
	}
	var cum int64
	for i, c := range h.hsum {
		cum += c
		if cum >= rank {
			return latUpper(i)
		}
	}
	return latUpper(latBuckets - 1)
}
