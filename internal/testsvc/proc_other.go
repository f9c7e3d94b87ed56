//go:build !linux

package testsvc

import (
	"os"
	"syscall"
)

// redisProcAttr has nothing to add outside Linux, which alone has a parent-death signal.
func redisProcAttr() *syscall.SysProcAttr { return nil }

// postgresProcAttr has no parent-death signal to give outside Linux; running as another user
// (asUser, for root) is left to Linux too.
func postgresProcAttr(asUser bool, uid, gid uint32) *syscall.SysProcAttr { return nil }

// Pause needs SIGSTOP, which this platform's syscall package lacks: the test is skipped.
func (r *Redis) Pause() { r.t.Skip("testsvc: Redis.Pause needs SIGSTOP (Linux)") }

// Resume does nothing where Pause skips.
func (r *Redis) Resume() {}

var continueSignal os.Signal
