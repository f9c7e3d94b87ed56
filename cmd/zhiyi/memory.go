package main

import (
	"bufio"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/zhiyi-ai/zhiyi/session"
)

// On a small machine (a 1 GB or 512 MB VPS, no swap) Go's default garbage collector lets the
// heap grow to twice what is live before collecting: zhiyi train on the sample shop peaked at
// 544 MB resident for 178 MB live and was killed in 512 MB, and serve's default conversation
// bound alone (512 MiB) was the whole of such a machine. What the process may use is known —
// the machine's memory and its cgroup's limit — so zhiyi sizes both from it unless told.

// memoryShare of what the process may use is its default soft limit (GOMEMLIMIT): the garbage
// collector works harder near it instead of growing past it. The rest is for what is not Go
// heap: SQLite's page caches (up to about 100 MB in serve), the binary, and the system's own
// share of a VPS. With three quarters, serve in a 1 GB cgroup under traffic from 200,000
// senders while learning peaked at 917 MB resident.
const memoryShare = 0.6

// sessionShare of it is serve's default --session-max-memory, at most session.DefaultMaxBytes:
// conversations are live heap, and learning inside serve adds about 170 MB of its own beside
// them (measured on the sample shop).
const sessionShare = 0.125

// minSessionBytes is the smallest default --session-max-memory: a few thousand conversations.
const minSessionBytes = 16 << 20

// availableMemory is what this process may use, in bytes: the smaller of the machine's memory
// (MemTotal in root/proc/meminfo) and its memory cgroup's limit (v2 memory.max, v1
// memory.limit_in_bytes, found through root/proc/self/cgroup); 0 when neither is known. root is
// "/" but in tests.
func availableMemory(root string) int64 {
	var total int64
	if f, err := os.Open(filepath.Join(root, "proc/meminfo")); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
				if kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64); err == nil {
					total = kb << 10
				}
			}
		}
		f.Close()
	}
	if lim := cgroupLimit(root); lim > 0 && (total == 0 || lim < total) {
		return lim
	}
	return total
}

// cgroupLimit is the memory limit of this process's cgroup, 0 when it has none ("max", or v1's
// page-rounded 2^63) or it cannot be read.
func cgroupLimit(root string) int64 {
	b, err := os.ReadFile(filepath.Join(root, "proc/self/cgroup"))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		var file string
		switch {
		case parts[0] == "0" && parts[1] == "":
			file = filepath.Join(root, "sys/fs/cgroup", parts[2], "memory.max")
		case strings.Contains(","+parts[1]+",", ",memory,"):
			file = filepath.Join(root, "sys/fs/cgroup/memory", parts[2], "memory.limit_in_bytes")
		default:
			continue
		}
		v, err := os.ReadFile(file)
		if err != nil {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(string(v)), 10, 64)
		if err != nil || n <= 0 || n >= 1<<62 { // "max", or v1's unlimited
			continue
		}
		return n
	}
	return 0
}

// defaultSessionBytes is --session-max-memory's default on a process that may use mem bytes
// (0: unknown, the package default).
func defaultSessionBytes(mem int64) int64 {
	if mem <= 0 {
		return session.DefaultMaxBytes
	}
	return min(session.DefaultMaxBytes, max(minSessionBytes, int64(float64(mem)*sessionShare)))
}

// setMemoryLimit sets the soft memory limit to memoryShare of mem unless GOMEMLIMIT is set (the
// runtime read it then) or mem is unknown, and returns the limit set (0: none).
func setMemoryLimit(mem int64) int64 {
	if mem <= 0 || os.Getenv("GOMEMLIMIT") != "" {
		return 0
	}
	lim := int64(float64(mem) * memoryShare)
	debug.SetMemoryLimit(lim)
	return lim
}

// machineMemory is availableMemory of this machine, read once at start.
var machineMemory = availableMemory("/")
