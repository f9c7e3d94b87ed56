//go:build !linux

package store

import "errors"

// setThreadNice is Linux's alone: elsewhere the writer keeps the process's priority.
func setThreadNice(int) error { return errors.New("a thread's priority is only set on Linux") }
