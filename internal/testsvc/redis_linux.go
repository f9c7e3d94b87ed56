package testsvc

import (
	"os"
	"syscall"
)

// redisProcAttr kills redis-server when the test binary dies, so that a test killed by its
// timeout leaves no server behind.
func redisProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// Pause freezes the server (SIGSTOP): connections stay open and new ones are accepted by the
// kernel, but nothing is answered, as with an overloaded or partitioned Redis. Resume (or
// Stop) continues it.
func (r *Redis) Pause() { r.signal(syscall.SIGSTOP) }

// Resume continues a paused server.
func (r *Redis) Resume() { r.signal(syscall.SIGCONT) }

// continueSignal wakes a paused server so that it can handle Stop's signal.
var continueSignal os.Signal = syscall.SIGCONT
