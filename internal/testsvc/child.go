package testsvc

import (
	"os/exec"
	"runtime"
)

// startChild starts cmd from an OS thread of its own, kept until cmd exits, and returns a
// channel closed when it has exited. On Linux the servers get a parent-death signal
// (childProcAttr) so that a test binary that dies (a panic, go test's timeout) leaves no server
// running; the kernel sends that signal when the thread that started the child ends, not the
// process (go.dev/issue/27505), and a goroutine that locks its thread and never unlocks it ends
// the thread with it: the decision log's writer does (store.RecorderConfig.WriterNice, serve's
// default), and a server started earlier from that thread was killed under the test using it.
func startChild(cmd *exec.Cmd) (<-chan struct{}, error) {
	started := make(chan error, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		_ = cmd.Wait()
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return done, nil
}
