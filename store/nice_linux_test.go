package store_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/store"
)

// threadsAtNice counts this process's threads whose nice value is n (/proc/self/task/*/stat,
// field 19), the main thread only when withMain: a locked goroutine that ends on the main thread
// leaves it parked for good (the runtime cannot end the process's first thread), never to run
// another goroutine.
func threadsAtNice(t *testing.T, n int, withMain bool) int {
	t.Helper()
	stats, err := filepath.Glob("/proc/self/task/*/stat")
	if err != nil {
		t.Fatal(err)
	}
	main := "/proc/self/task/" + strconv.Itoa(os.Getpid()) + "/stat"
	count := 0
	for _, p := range stats {
		if p == main && !withMain {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			continue // the thread ended
		}
		s := string(b)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:]) // the name may hold spaces
		if len(fields) > 16 {
			if v, err := strconv.Atoi(fields[16]); err == nil && v == n {
				count++
			}
		}
	}
	return count
}

// WriterNice runs the writer on a thread of its own at that nice value, and the thread ends with
// the writer (or, the main thread, parks for good) instead of carrying its priority to other
// goroutines.
func TestRecorderWriterNice(t *testing.T) {
	const nice = 7
	if threadsAtNice(t, nice, true) != 0 {
		t.Skip("a thread of this process runs at nice 7 already")
	}
	r := newRecorder(t, openSQLite(t), store.RecorderConfig{WriterNice: nice})
	for i := range 100 {
		r.Record(decision(i))
	}
	deadline := time.Now().Add(5 * time.Second)
	for threadsAtNice(t, nice, true) != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("%d threads at nice %d, want the writer's", threadsAtNice(t, nice, true), nice)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(5 * time.Second)
	for threadsAtNice(t, nice, false) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the writer's thread outlived it at nice %d", nice)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// threadNice is the calling thread's nice value (/proc/thread-self/stat, field 19).
func threadNice(t *testing.T) int {
	b, err := os.ReadFile("/proc/thread-self/stat")
	if err != nil {
		t.Error(err)
		return -100
	}
	s := string(b)
	n, err := strconv.Atoi(strings.Fields(s[strings.LastIndexByte(s, ')')+1:])[16])
	if err != nil {
		t.Error(err)
	}
	return n
}

// niceSink notes the nice value of the thread each batch is written on; the first batch waits
// for release.
type niceSink struct {
	store.Sink
	t       *testing.T
	release chan struct{} // the first batch waits for it
	second  chan struct{} // the second batch, when not nil
	mu      sync.Mutex
	nices   []int
}

func (s *niceSink) AppendDecisions(ctx context.Context, ds []store.Decision) (int, error) {
	s.mu.Lock()
	s.nices = append(s.nices, threadNice(s.t))
	call := len(s.nices)
	s.mu.Unlock()
	switch {
	case call == 1:
		<-s.release
	case call == 2 && s.second != nil:
		<-s.second
	}
	return s.Sink.AppendDecisions(ctx, ds)
}

// A low-priority writer half a queue behind writes at the process's priority until it has
// caught up, instead of leaving Record to spool on the requests' goroutines.
func TestRecorderCatchesUp(t *testing.T) {
	const nice = 7
	own := threadNice(t) // the process's priority, which catching up runs at
	sink := &niceSink{Sink: openSQLite(t), t: t, release: make(chan struct{})}
	r := newRecorder(t, sink, store.RecorderConfig{WriterNice: nice, QueueSize: 64, BatchSize: 8, FlushInterval: time.Hour})
	for i := range 8 {
		r.Record(decision(i)) // a batch: the writer takes it and waits in the sink
	}
	sink.waitFor(1)
	for i := 8; i < 48; i++ {
		r.Record(decision(i)) // 40 queued: past half of 64
	}
	close(sink.release)
	// 40 queued: two batches at 40 and 32 queued catch up, the rest at the writer's priority
	want := []int{nice, own, own, nice, nice, nice}
	if got := sink.closeAndRead(r, nice); !slices.Equal(got, want) {
		t.Errorf("batches written at nice %v, want %v", got, want)
	}
	if st := r.Stats(); st.CatchUps != 2 || st.Spooled != 0 || st.Written != 48 {
		t.Errorf("stats %+v: want 2 catch-ups, nothing spooled, 48 written", st)
	}
}

// waitFor waits until the writer has begun batch calls.
func (s *niceSink) waitFor(calls int) {
	s.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s.mu.Lock()
		n := len(s.nices)
		s.mu.Unlock()
		if n >= calls {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the writer never reached batch %d", calls)
		}
		time.Sleep(time.Millisecond)
	}
}

// closeAndRead closes r and returns the nice value each batch was written at; it skips the test
// when the writer's thread could not be set to nice.
func (s *niceSink) closeAndRead(r *store.Recorder, nice int) []int {
	s.t.Helper()
	if err := r.Close(); err != nil {
		s.t.Fatal(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.nices[0] != nice {
		s.t.Skipf("the writer's thread runs at nice %d, not %d: cannot set it here", s.nices[0], nice)
	}
	return s.nices
}

// Decisions that arrive while the writer catches up count: it goes on at the process's priority
// until the queue is back under half, not only through what was queued when it began.
func TestRecorderCatchesUpWithArrivals(t *testing.T) {
	const nice = 7
	own := threadNice(t)
	sink := &niceSink{Sink: openSQLite(t), t: t, release: make(chan struct{}), second: make(chan struct{})}
	r := newRecorder(t, sink, store.RecorderConfig{WriterNice: nice, QueueSize: 64, BatchSize: 8, FlushInterval: time.Hour})
	for i := range 8 {
		r.Record(decision(i))
	}
	sink.waitFor(1)
	for i := 8; i < 40; i++ {
		r.Record(decision(i)) // 32 queued: half
	}
	close(sink.release)
	sink.waitFor(2) // the first catch-up batch, holding
	for i := 40; i < 70; i++ {
		r.Record(decision(i)) // 54 queued
	}
	close(sink.second)
	// batches taken at 32 (held), 54, 46 and 38 queued catch up; from 30 on the writer is back
	// under half
	want := []int{nice, own, own, own, own, nice, nice, nice, nice}
	if got := sink.closeAndRead(r, nice); !slices.Equal(got, want) {
		t.Errorf("batches written at nice %v, want %v", got, want)
	}
	if st := r.Stats(); st.Spooled != 0 || st.Written != 70 {
		t.Errorf("stats %+v: want nothing spooled, 70 written", st)
	}
}
