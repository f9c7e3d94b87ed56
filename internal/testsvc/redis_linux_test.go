package testsvc

import (
	"os"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// A goroutine that locks its OS thread and never unlocks it ends the thread when it returns,
// as the decision log's writer does at --writer-nice. redis-server's parent-death signal
// follows the thread that started it (go.dev/issue/27505), so a server started from a thread
// that later ended this way was killed in the middle of the test that used it.
func TestRedisOutlivesTheThreadThatStartedIt(t *testing.T) {
	started := make(chan *Redis)
	tid := make(chan int, 1)
	var onThreadOfItsOwn func()
	onThreadOfItsOwn = func() {
		runtime.LockOSThread() // never unlocked: the thread ends with this goroutine
		if syscall.Gettid() == os.Getpid() {
			// The main thread never ends (Go parks it instead). Held here, it cannot run the
			// goroutine below, which gets a thread that does end.
			done := make(chan struct{})
			go func() { defer close(done); onThreadOfItsOwn() }()
			<-done
			runtime.UnlockOSThread()
			return
		}
		tid <- syscall.Gettid()
		started <- StartRedis(t)
	}
	go onThreadOfItsOwn()
	task := "/proc/self/task/" + strconv.Itoa(<-tid)
	r := <-started
	// a hang guard, not a measurement: the thread ends as soon as its goroutine has returned
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(task); os.IsNotExist(err) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still exists a minute after its goroutine returned", task)
		}
	}
	if err := ping(r.Addr); err != nil {
		t.Fatalf("redis-server died with the thread that started it: %v", err)
	}
}
