//go:build unix

package main

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runMainEnv makes the test binary run main instead of the tests (see TestMain).
const runMainEnv = "ZHIYI_TEST_RUN_MAIN"

// startServe runs the test binary as zhiyi serve on the fixture bundle with args, waits for
// its ready line and returns the process and its stderr so far (read after it exits).
func startServe(t *testing.T, env []string, args ...string) (*exec.Cmd, *strings.Builder) {
	t.Helper()
	model, err := fixtureBundle()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], append([]string{"serve", "--model", model, "--addr", "127.0.0.1:0", "--data-dir", t.TempDir()}, args...)...)
	cmd.Env = append(append(os.Environ(), runMainEnv+"=1"), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := new(strings.Builder)
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "zhiyi ready on") {
				ready <- true
			}
		}
		close(ready)
	}()
	if !<-ready {
		cmd.Wait()
		t.Fatalf("serve never became ready: %s", stderr.String())
	}
	return cmd, stderr
}

// TestSecondSignalEndsAtOnce: the first SIGTERM starts serve's graceful shutdown (here an hour of
// --shutdown-delay); a second ends the process instead of being swallowed.
func TestSecondSignalEndsAtOnce(t *testing.T) {
	cmd, stderr := startServe(t, nil, "--shutdown-delay", "1h")
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	// The first signal must not end it: the shutdown delay holds it. Give it a moment to be
	// delivered, then send the second, again until it takes (delivery is asynchronous).
	select {
	case err := <-exited:
		t.Fatalf("serve ended on the first SIGTERM despite --shutdown-delay 1h: %v\n%s", err, stderr.String())
	case <-time.After(200 * time.Millisecond):
	}
	deadline := time.After(30 * time.Second) // a hang guard, not a timing assertion
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				t.Fatalf("serve ended with %v, want killed by SIGTERM", err)
			}
			if ws, ok := ee.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
				t.Fatalf("serve ended with %v, want killed by the second SIGTERM", err)
			}
			return
		case <-tick.C:
		case <-deadline:
			t.Fatalf("serve ignored a second SIGTERM for 30 s:\n%s", stderr.String())
		}
	}
}

// A short admin token is served, with a warning: the lockout slows guessing, the token is the guard.
func TestServeWarnsOfShortAdminToken(t *testing.T) {
	cmd, stderr := startServe(t, []string{"ZHIYI_ADMIN_TOKEN=secret123"})
	cmd.Process.Signal(syscall.SIGTERM) // a graceful end flushes the log
	cmd.Wait()
	if !strings.Contains(stderr.String(), "the admin token is short") || strings.Contains(stderr.String(), "secret123") {
		t.Errorf("stderr:\n%s\nwant the short-token warning, without the token", stderr.String())
	}
}
