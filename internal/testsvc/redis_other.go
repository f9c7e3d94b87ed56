//go:build !linux

package testsvc

import "syscall"

// redisProcAttr has nothing to add outside Linux, which alone has a parent-death signal.
func redisProcAttr() *syscall.SysProcAttr { return nil }
