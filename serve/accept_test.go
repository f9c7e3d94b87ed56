//go:build unix

package serve

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// acceptHelperEnv makes TestAcceptHelperProcess the server of TestServeOutlivesDescriptorLimit.
const acceptHelperEnv = "ZHIYI_TEST_ACCEPT_HELPER"

// TestServeOutlivesDescriptorLimit opens more connections than the serving process may have
// descriptors (a hardened deployment's ulimit -n under a burst of load): Serve returned fasthttp's
// "accept4: too many open files" and zhiyi serve exited. It must wait instead, and answer once
// connections are closed. The server runs in a process of its own, so that its limit is its own.
func TestServeOutlivesDescriptorLimit(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestAcceptHelperProcess$")
	cmd.Env = append(os.Environ(), acceptHelperEnv+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	defer func() {
		stdin.Close() // the helper stops when its stdin closes
		cmd.Process.Kill()
	}()
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() {
		t.Fatalf("the helper printed no address; its stderr:\n%s", stderr.String())
	}
	addr, limit := "", 0
	if _, err := fmt.Sscanf(lines.Text(), "%s %d", &addr, &limit); err != nil {
		t.Fatalf("helper said %q: %v", lines.Text(), err)
	}
	go func() {
		io.Copy(io.Discard, stdout)
		exited <- cmd.Wait()
	}()

	// Twice the limit: the kernel completes the handshakes (the listen backlog), the server
	// accepts until it has no descriptor left.
	var held []net.Conn
	for range 2 * limit {
		c, err := net.DialTimeout("tcp", addr, 10*time.Second)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		held = append(held, c)
	}
	// A request on the last connection, which waits in the backlog, makes sure the server has
	// met the limit before the connections go.
	if _, err := held[len(held)-1].Write([]byte("GET /healthz HTTP/1.1\r\nHost: zhiyi\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		t.Fatalf("serve exited while out of descriptors (%v); its stderr:\n%s", err, stderr.String())
	case <-time.After(500 * time.Millisecond):
	}
	for _, c := range held {
		c.Close()
	}
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatalf("after the burst: %v; the server's stderr:\n%s", err, stderr.String())
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("after the burst: status %d", resp.StatusCode)
	}
	client.CloseIdleConnections()
	stdin.Close()
	if err := <-exited; err != nil {
		t.Fatalf("helper: %v; its stderr:\n%s", err, stderr.String())
	}
	logs := stderr.String()
	for _, want := range []string{`"serve: cannot accept connections`, "too many open files"} {
		if !strings.Contains(logs, want) {
			t.Errorf("the server's log lacks %s:\n%s", want, logs)
		}
	}
	if n := strings.Count(logs, `"serve: cannot accept connections`); n != 1 {
		t.Errorf("%d warnings of the shortage, want 1 (one a minute at most):\n%s", n, logs)
	}
}

// TestAcceptHelperProcess is the server of TestServeOutlivesDescriptorLimit, run in a process
// of its own; it does nothing in an ordinary test run.
func TestAcceptHelperProcess(t *testing.T) {
	if os.Getenv(acceptHelperEnv) != "1" {
		t.Skip("the server process of TestServeOutlivesDescriptorLimit")
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	s, err := New(Config{ModelDir: "models/shop"}, fakeLoader, log)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// The descriptors open now and 24 more: a few connections, then the limit.
	open, err := os.ReadDir("/dev/fd")
	if err != nil {
		t.Skipf("cannot count open descriptors: %v", err)
	}
	limit := uint64(len(open) + 24)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: limit, Max: limit}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	fmt.Printf("%s %d\n", ln.Addr(), limit)
	if err := s.Serve(ctx, ln); err != nil {
		t.Fatal(err)
	}
}
