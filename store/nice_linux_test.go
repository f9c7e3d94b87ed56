package store_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
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
