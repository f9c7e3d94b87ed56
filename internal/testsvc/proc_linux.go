package testsvc

import (
	"os"
	"syscall"
)

// redisProcAttr kills redis-server when the test binary dies, so that a test killed by its
// timeout leaves no server behind (started with startChild).
func redisProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// postgresProcAttr shuts the postmaster down at once (SIGQUIT: it stops its backends and
// exits) when the test binary dies, and runs it as the postgres OS user when asUser is set
// (the process is root; PostgreSQL refuses to run as root). Go sets the credentials before
// the parent-death signal, which a change of credentials would clear.
func postgresProcAttr(asUser bool, uid, gid uint32) *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Pdeathsig: syscall.SIGQUIT}
	if asUser {
		a.Credential = &syscall.Credential{Uid: uid, Gid: gid}
	}
	return a
}

// Pause freezes the server (SIGSTOP): connections stay open and new ones are accepted by the
// kernel, but nothing is answered, as with an overloaded or partitioned Redis. Resume (or
// Stop) continues it.
func (r *Redis) Pause() { r.signal(syscall.SIGSTOP) }

// Resume continues a paused server.
func (r *Redis) Resume() { r.signal(syscall.SIGCONT) }

// continueSignal wakes a paused server so that it can handle Stop's signal.
var continueSignal os.Signal = syscall.SIGCONT
