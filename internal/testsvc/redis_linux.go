package testsvc

import "syscall"

// redisProcAttr kills redis-server when the test binary dies, so that a test killed by its
// timeout leaves no server behind.
func redisProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
