package main

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"

	"github.com/zhiyi-ai/zhiyi/session"
)

// writeFiles lays out a fake root: path → content.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, c := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

const meminfo1G = "MemTotal:        1004000 kB\nMemFree:          500000 kB\n"

// What the process may use is the smaller of the machine's memory and its cgroup's limit, in
// either cgroup version; an unlimited cgroup leaves the machine's.
func TestAvailableMemory(t *testing.T) {
	for _, c := range []struct {
		name  string
		files map[string]string
		want  int64
	}{
		{"a VPS without a cgroup limit", map[string]string{"proc/meminfo": meminfo1G,
			"proc/self/cgroup": "0::/system.slice/zhiyi.service\n",
			"sys/fs/cgroup/system.slice/zhiyi.service/memory.max": "max\n"}, 1004000 << 10},
		{"cgroup v2 MemoryMax=512M", map[string]string{"proc/meminfo": meminfo1G,
			"proc/self/cgroup": "0::/system.slice/zhiyi.service\n",
			"sys/fs/cgroup/system.slice/zhiyi.service/memory.max": "536870912\n"}, 512 << 20},
		{"cgroup v1", map[string]string{"proc/meminfo": meminfo1G,
			"proc/self/cgroup": "5:devices:/\n4:memory:/zhiyi\n0::/\n",
			"sys/fs/cgroup/memory/zhiyi/memory.limit_in_bytes": "268435456\n"}, 256 << 20},
		{"cgroup v1 unlimited", map[string]string{"proc/meminfo": meminfo1G,
			"proc/self/cgroup":                           "4:memory:/\n",
			"sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n"}, 1004000 << 10},
		{"a limit above the machine's memory", map[string]string{"proc/meminfo": meminfo1G,
			"proc/self/cgroup": "0::/\n", "sys/fs/cgroup/memory.max": "8589934592\n"}, 1004000 << 10},
		{"nothing readable", map[string]string{}, 0},
	} {
		if got := availableMemory(writeFiles(t, c.files)); got != c.want {
			t.Errorf("%s: %d bytes, want %d", c.name, got, c.want)
		}
	}
}

// The default conversation bound is an eighth of what the process may use: 512 MiB on a 1 GB
// VPS was half the machine, and the heap grows to twice what is live, so serve was killed (in
// 512 MB, measured, within a minute of traffic from 200,000 senders).
func TestDefaultSessionBytesFitsTheMachine(t *testing.T) {
	for _, c := range []struct {
		mem, want int64
	}{
		{1 << 30, 128 << 20},
		{512 << 20, 64 << 20},
		{64 << 20, minSessionBytes},
		{24 << 30, session.DefaultMaxBytes},
		{0, session.DefaultMaxBytes},
	} {
		if got := defaultSessionBytes(c.mem); got != c.want {
			t.Errorf("on %d MiB: default --session-max-memory %d MiB, want %d MiB", c.mem>>20, got>>20, c.want>>20)
		}
	}
}

// GOMEMLIMIT, when set, is the operator's: zhiyi sets none of its own.
func TestSetMemoryLimitLeavesGOMEMLIMIT(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "300MiB")
	if got := setMemoryLimit(1 << 30); got != 0 {
		t.Fatalf("set a limit of %d with GOMEMLIMIT set", got)
	}
}

// Without GOMEMLIMIT the soft limit is 60% of what the process may use.
func TestSetMemoryLimitFromTheMachine(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "")
	prev := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(prev)
	mem := int64(1 << 30)
	want := int64(float64(mem) * memoryShare)
	if got := setMemoryLimit(mem); got != want || debug.SetMemoryLimit(-1) != want {
		t.Fatalf("soft limit %d (runtime: %d), want %d", got, debug.SetMemoryLimit(-1), want)
	}
}
