package testsvc

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// redisStartTimeout bounds how long a starting redis-server may take to answer PING; it
// starts in milliseconds, so this only matters on a badly overloaded machine.
const redisStartTimeout = 20 * time.Second

// Redis is a private redis-server on 127.0.0.1, without persistence, in a temporary directory.
// Stop and Start let a test simulate an outage; the port stays the same.
type Redis struct {
	// Addr is host:port.
	Addr string

	t    testing.TB
	port int
	dir  string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done <-chan struct{} // closed when cmd has exited
}

// StartRedis starts a redis-server from PATH on a free port, waits until it answers PING and
// stops it when the test ends. It skips the test when redis-server is not installed (Debian
// package redis-server) and fails it when the server does not start.
func StartRedis(t testing.TB) *Redis {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		Missing(t, "testsvc: redis-server is not installed (Debian package redis-server); skipping a test that needs a real Redis")
	}
	r := &Redis{t: t, dir: t.TempDir()}
	t.Cleanup(r.Stop)
	// A free port can be taken between finding it and redis-server binding it: try again.
	var err error
	for range 5 {
		if r.port, err = freePort(); err != nil {
			t.Fatal(err)
		}
		r.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(r.port))
		if err = r.start(); err == nil {
			return r
		}
	}
	t.Fatalf("testsvc: %v", err)
	return nil
}

// URL is the redis:// URL of database 0.
func (r *Redis) URL() string { return "redis://" + r.Addr + "/0" }

// Start starts the server again on the same port after Stop; it fails the test when it
// cannot. Starting a running server does nothing.
func (r *Redis) Start() {
	r.t.Helper()
	if err := r.start(); err != nil {
		r.t.Fatalf("testsvc: %v", err)
	}
}

// Stop stops the server and waits until it has exited, so the port is closed when Stop
// returns. Stopping a stopped server does nothing.
func (r *Redis) Stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd == nil {
		return
	}
	if continueSignal != nil {
		_ = r.cmd.Process.Signal(continueSignal) // a paused server must run to exit
	}
	_ = r.cmd.Process.Signal(os.Interrupt) // redis-server exits at once without persistence
	select {
	case <-r.done:
	case <-time.After(5 * time.Second):
		_ = r.cmd.Process.Kill()
		<-r.done
	}
	r.cmd = nil
}

func (r *Redis) signal(sig os.Signal) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd != nil {
		if err := r.cmd.Process.Signal(sig); err != nil {
			r.t.Fatalf("testsvc: cannot signal redis-server: %v", err)
		}
	}
}

func (r *Redis) start() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd != nil {
		return nil
	}
	logPath := filepath.Join(r.dir, "redis.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("cannot create %s: %w", logPath, err)
	}
	defer logFile.Close() // the child has its own descriptor
	cmd := exec.Command("redis-server",
		"--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", r.dir,
		"--daemonize", "no", "--loglevel", "warning")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = redisProcAttr()
	done, err := startChild(cmd)
	if err != nil {
		return fmt.Errorf("cannot start redis-server: %w", err)
	}

	deadline := time.Now().Add(redisStartTimeout)
	for {
		if ping(r.Addr) == nil {
			r.cmd, r.done = cmd, done
			return nil
		}
		select {
		case <-done:
			return fmt.Errorf("redis-server on port %d exited at start: %s", r.port, tail(logPath))
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-done
			return fmt.Errorf("redis-server on port %d did not answer PING within %s: %s",
				r.port, redisStartTimeout, tail(logPath))
		}
	}
}

// ping sends PING over a fresh connection and expects +PONG.
func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}

// tail returns the last lines of a log file, for a failure message.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	b = bytes.TrimSpace(b)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	if len(b) == 0 {
		return "(no output)"
	}
	return string(b)
}
