package store

import "syscall"

// setThreadNice sets the calling OS thread's nice value (on Linux, setpriority with a thread id
// applies to that thread alone).
func setThreadNice(n int) error {
	return syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), n)
}
