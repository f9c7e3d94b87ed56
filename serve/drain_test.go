package serve

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// rawClient is a keep-alive HTTP/1.1 client on a TCP connection that pipelines: it writes a
// batch of requests in one write, then reads their answers.
type rawClient struct {
	id      int
	c       net.Conn
	br      *bufio.Reader
	seq     int
	pending []string // msg_ids written and not yet answered, in order
	closed  bool     // an answer said Connection: close
}

func (rc *rawClient) write(n int) error {
	var b strings.Builder
	for range n {
		rc.seq++
		id := fmt.Sprintf("c%d-r%d", rc.id, rc.seq)
		body := `{"text":"我要退货","msg_id":"` + id + `"}`
		fmt.Fprintf(&b, "POST /intent HTTP/1.1\r\nHost: zhiyi\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
		rc.pending = append(rc.pending, id)
	}
	_, err := io.WriteString(rc.c, b.String())
	return err
}

// readAll reads the answers to every pending request.
func (rc *rawClient) readAll() error {
	for len(rc.pending) > 0 {
		_ = rc.c.SetReadDeadline(time.Now().Add(30 * time.Second))
		resp, err := http.ReadResponse(rc.br, nil)
		if err != nil {
			return fmt.Errorf("%d requests written and not answered (%s…): %w", len(rc.pending), rc.pending[0], err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		var res struct {
			MsgID string `json:"msg_id"`
		}
		if resp.StatusCode != 200 || json.Unmarshal(body, &res) != nil || res.MsgID != rc.pending[0] {
			return fmt.Errorf("answer to %s: %d %s", rc.pending[0], resp.StatusCode, body)
		}
		rc.pending = rc.pending[1:]
		if resp.Close {
			rc.closed = true
			if len(rc.pending) > 0 {
				return fmt.Errorf("Connection: close with %d pipelined requests unanswered", len(rc.pending))
			}
		}
	}
	return nil
}

// TestShutdownAnswersEveryWrittenRequest: at shutdown, every request a client has written gets
// its answer — pipelined ones included, and those that idle keep-alive connections send after
// shutdown began — and a connection is closed only after an answer that said Connection: close
// (fasthttp's own shutdown dropped 8–48 written requests under 16–64 connections).
func TestShutdownAnswersEveryWrittenRequest(t *testing.T) {
	g := &gate{entered: make(chan struct{}), release: make(chan struct{})}
	load := func(_ context.Context, dir string) (Engine, error) {
		return &fakeEngine{version: "fake", gate: g}, nil
	}
	s, err := New(Config{ShutdownTimeout: 30 * time.Second, ShutdownIdle: 2 * time.Second}, load, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Skip("no loopback TCP:", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()

	// A slow request keeps the shutdown going while the clients work.
	slow, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	body := `{"text":"慢慢来","msg_id":"slow"}`
	fmt.Fprintf(slow, "POST /intent HTTP/1.1\r\nHost: zhiyi\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	<-g.entered

	const conns = 32
	clients := make([]*rawClient, conns)
	for i := range clients {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		clients[i] = &rawClient{id: i, c: c, br: bufio.NewReader(c)}
		// keep-alive established: one exchange
		if err := clients[i].write(1); err != nil {
			t.Fatal(err)
		}
		if err := clients[i].readAll(); err != nil {
			t.Fatal(err)
		}
	}
	// Most connections have requests written, pipelined, when shutdown begins; every third is
	// idle.
	for i, rc := range clients {
		if i%3 != 0 {
			if err := rc.write(1 + i%8); err != nil {
				t.Fatal(err)
			}
		}
	}
	// A few connections stay silent: they are closed once ShutdownIdle has passed, without
	// an answer.
	silent := make([]net.Conn, 4)
	for i := range silent {
		if silent[i], err = net.Dial("tcp", ln.Addr().String()); err != nil {
			t.Fatal(err)
		}
		defer silent[i].Close()
	}
	// Shutdown closes the listener; a connection the server has not accepted by then is the
	// kernel's to reset. Begin once all of them are the server's.
	for wait := time.Now().Add(30 * time.Second); s.accepted.Load() < 1+conns+int64(len(silent)); {
		if time.Now().After(wait) {
			t.Fatalf("the server accepted %d of %d connections", s.accepted.Load(), 1+conns+len(silent))
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	// Each client reads its answers and goes on sending batches (the idle ones start now),
	// as a gateway that has not heard of the shutdown does, until an answer says close.
	var wg sync.WaitGroup
	errs := make([]error, conns)
	for i, rc := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := 0; ; round++ {
				if err := rc.readAll(); err != nil {
					errs[i] = err
					return
				}
				if rc.closed {
					// the server closes its side now
					_ = rc.c.SetReadDeadline(time.Now().Add(30 * time.Second))
					if n, err := rc.br.Read(make([]byte, 1)); n > 0 || err == nil {
						errs[i] = fmt.Errorf("data after Connection: close")
					}
					return
				}
				if round == 50 {
					errs[i] = fmt.Errorf("no Connection: close after %d batches", round)
					return
				}
				if err := rc.write(1 + (i+round)%5); err != nil {
					errs[i] = fmt.Errorf("write on a connection whose last answer did not say close: %w", err)
					return
				}
			}
		}()
	}
	for i, c := range silent {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
			if n, err := c.Read(make([]byte, 1)); n > 0 || err != io.EOF {
				t.Errorf("silent connection %d: %d bytes, %v; want the server to close it", i, n, err)
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("connection %d: %v", i, err)
		}
	}
	close(g.release)
	slowAnswer, err := http.ReadResponse(bufio.NewReader(slow), nil)
	if err != nil || slowAnswer.StatusCode != 200 || !slowAnswer.Close {
		t.Errorf("the slow request: %v %v", slowAnswer, err)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(40 * time.Second):
		t.Fatal("Serve did not return")
	}
	if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		c.Close()
		t.Error("still accepting after shutdown")
	}
}

// TestShutdownDelay: with Config.ShutdownDelay, shutdown first only makes /readyz fail — new
// connections are still accepted and answered — and stops accepting once the delay is over.
func TestShutdownDelay(t *testing.T) {
	ts := startServer(t, Config{ShutdownDelay: 400 * time.Millisecond}, nil, slog.LevelInfo)
	if r := ts.do("GET", "/readyz", "", nil); r.status != 200 {
		t.Fatalf("readyz before shutdown: %d", r.status)
	}
	ts.client.CloseIdleConnections()
	ts.cancel()
	deadline := time.Now().Add(5 * time.Second)
	for ts.do("GET", "/readyz", "", nil).status != 503 {
		if time.Now().After(deadline) {
			t.Fatal("/readyz never failed during the shutdown delay")
		}
		time.Sleep(10 * time.Millisecond)
	}
	ts.client.CloseIdleConnections() // a new connection, accepted during the delay
	if r := ts.do("POST", "/intent", `{"text":"我要退货"}`, nil); r.status != 200 {
		t.Errorf("/intent during the shutdown delay: %d %s", r.status, r.body)
	}
	ts.client.CloseIdleConnections()
	select {
	case err := <-ts.done:
		if err != nil {
			t.Errorf("Serve after the delay: %v", err)
		}
		close(ts.done)
	case <-time.After(20 * time.Second):
		t.Fatal("Serve did not return after the delay")
	}
}
