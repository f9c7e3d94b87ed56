package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"sync"
	"syscall"
	"time"
)

func main() {
	zhiyi := flag.String("zhiyi", "", "zhiyi binary to start (with -model); the probe stops it when done")
	model := flag.String("model", "models/shop", "model bundle the started server loads")
	addr := flag.String("addr", "", "address of a running server to probe instead (with -logs)")
	logs := flag.String("logs", "", "log file of the running server (its stderr)")
	token := flag.String("admin-token", tokenSeed, "admin token (a started server gets this one)")
	keep := flag.String("log-out", "", "also write the started server's log here")
	flag.Parse()
	n, err := run(*zhiyi, *model, *addr, *logs, *token, *keep, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "probe-pii:", err)
		os.Exit(2)
	}
	if n > 0 {
		os.Exit(1)
	}
}

// run probes a server (started from the binary zhiyi, or running at addr with its log in
// logFile), prints the leaks to out and returns their number.
func run(zhiyi, model, addr, logFile, token, keep string, out io.Writer) (int, error) {
	ctx := context.Background()
	var answers []exchange
	var log string
	switch {
	case zhiyi != "":
		srv, err := start(zhiyi, model, token)
		if err != nil {
			return 0, err
		}
		answers, _ = newProbe(srv.addr, token).run(ctx)
		if log, err = srv.stop(); err != nil {
			return 0, err
		}
		if keep != "" {
			if err := os.WriteFile(keep, []byte(log), 0o644); err != nil {
				return 0, err
			}
		}
	case addr != "" && logFile != "":
		before, err := fileSize(logFile)
		if err != nil {
			return 0, err
		}
		answers, _ = newProbe(addr, token).run(ctx)
		time.Sleep(500 * time.Millisecond) // zhiyi serve flushes its log every 200 ms
		data, err := os.ReadFile(logFile)
		if err != nil {
			return 0, err
		}
		log = string(data[min(before, int64(len(data))):])
	default:
		return 0, errors.New("give -zhiyi BINARY (and -model DIR), or -addr HOST:PORT and -logs FILE")
	}
	return report(out, log, answers, token), nil
}

func report(out io.Writer, log string, answers []exchange, token string) int {
	leaks := findLeaks(log, answers, token)
	lines := bytes.Count([]byte(log), []byte("\n"))
	fmt.Fprintf(out, "probe-pii: %d requests sent, %d log lines read\n", len(answers), lines)
	for _, l := range leaks {
		fmt.Fprintf(out, "LEAK %s: %s\n    %s\n", l.where, l.what, l.near)
	}
	fmt.Fprintf(out, "leaks: %d\n", len(leaks))
	return len(leaks)
}

func fileSize(path string) (int64, error) {
	st, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

// server is a zhiyi serve the probe started.
type server struct {
	cmd  *exec.Cmd
	addr string
	mu   sync.Mutex
	log  bytes.Buffer
	done chan error
}

var readyLine = regexp.MustCompile(`ready on (\S+)`)

// start runs zhiyi serve on a free loopback port at log level debug and waits for its ready line.
func start(bin, model, token string) (*server, error) {
	s := &server{done: make(chan error, 1)}
	s.cmd = exec.Command(bin, "serve", "--model", model, "--addr", "127.0.0.1:0", "--log-level", "debug")
	s.cmd.Env = append(os.Environ(), "ZHIYI_ADMIN_TOKEN="+token)
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	var copied sync.WaitGroup
	copied.Add(1)
	go func() {
		defer copied.Done()
		buf := make([]byte, 32<<10)
		for {
			n, err := stderr.Read(buf)
			s.mu.Lock()
			s.log.Write(buf[:n])
			s.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := readyLine.FindStringSubmatch(sc.Text()); m != nil {
				ready <- m[1]
			}
		}
		close(ready)
	}()
	go func() { copied.Wait(); s.done <- s.cmd.Wait() }()
	select {
	case a, ok := <-ready:
		if !ok {
			<-s.done
			return nil, fmt.Errorf("zhiyi serve exited before it was ready:\n%s", s.log.String())
		}
		s.addr = a
		return s, nil
	case <-time.After(2 * time.Minute):
		s.cmd.Process.Kill()
		return nil, errors.New("zhiyi serve was not ready in 2 minutes")
	}
}

// stop sends SIGTERM, waits for the server to exit and returns its log.
func (s *server) stop() (string, error) {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(time.Minute):
		s.cmd.Process.Kill()
		<-s.done
		return "", errors.New("zhiyi serve did not stop in a minute after SIGTERM")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String(), nil
}
