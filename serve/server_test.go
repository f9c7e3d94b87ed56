package serve

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"
)

// rawExchange writes a raw HTTP request on a fresh connection and reads one response.
func rawExchange(t *testing.T, ts *testServer, req string) (int, string) {
	t.Helper()
	c, err := ts.ln.Dial()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	line, err := br.ReadString('\n')
	if err != nil {
		t.Fatalf("read status line: %v", err)
	}
	var status int
	if _, err := fmt.Sscanf(line, "HTTP/1.1 %d", &status); err != nil {
		t.Fatalf("status line %q: %v", line, err)
	}
	n := -1
	for {
		h, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		h = strings.TrimSpace(h)
		if h == "" {
			break
		}
		if k, v, ok := strings.Cut(h, ":"); ok && strings.EqualFold(k, "Content-Length") {
			fmt.Sscan(strings.TrimSpace(v), &n)
		}
	}
	body := make([]byte, max(n, 0))
	if _, err := io.ReadFull(br, body); err != nil {
		t.Fatal(err)
	}
	return status, string(body)
}

// TestBodyTooLargeErrorHandler checks that fasthttp's own body limit (Content-Length or chunked
// over MaxBodyBytes, rejected before the handler runs) is answered 413 JSON, not plain 400.
func TestBodyTooLargeErrorHandler(t *testing.T) {
	ts := startServer(t, Config{MaxBodyBytes: 1024}, nil, slog.LevelInfo)
	for name, req := range map[string]string{
		"content-length": "POST /intent HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000000\r\n\r\n",
		"chunked": "POST /intent HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"800\r\n" + strings.Repeat("a", 0x800) + "\r\n0\r\n\r\n",
	} {
		status, body := rawExchange(t, ts, req)
		if status != 413 || !strings.Contains(body, `"code":"body_too_large"`) {
			t.Errorf("%s: %d %s", name, status, body)
		}
	}
	status, body := rawExchange(t, ts, "GARBAGE\r\n\r\n")
	if status != 400 || !strings.Contains(body, `"code":"bad_request"`) {
		t.Errorf("garbage: %d %s", status, body)
	}
	if !strings.Contains(ts.logs.String(), `"status":413`) {
		t.Errorf("413 not logged: %s", ts.logs.String())
	}
}

func TestReadTimeout(t *testing.T) {
	ts := startServer(t, Config{ReadTimeout: 200 * time.Millisecond}, nil, slog.LevelInfo)
	status, body := rawExchange(t, ts, "POST /intent HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n{\"te")
	if status != 408 || !strings.Contains(body, `"code":"request_timeout"`) {
		t.Fatalf("%d %s\n%s", status, body, ts.logs.String())
	}
}

func TestNew(t *testing.T) {
	if _, err := New(Config{ModelDir: "models/bad"}, fakeLoader, nil); err == nil || !strings.Contains(err.Error(), "checksum mismatch") {
		t.Fatalf("bad bundle at start: %v", err)
	}
	if _, err := New(Config{}, func(context.Context, string) (Engine, error) { return nil, nil }, nil); err == nil {
		t.Fatalf("nil engine accepted")
	}
	if _, err := New(Config{}, func(context.Context, string) (Engine, error) { panic("oops") }, nil); err == nil {
		t.Fatalf("panicking loader accepted")
	}
	if _, err := New(Config{}, nil, nil); err == nil {
		t.Fatalf("nil loader accepted")
	}
	if _, err := New(Config{MaxBatch: -1}, fakeLoader, nil); err == nil {
		t.Fatalf("negative limit accepted")
	}
	s, err := New(Config{}, fakeLoader, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := s.Config()
	if c.MaxTextBytes != 2048 || c.MaxBatch != 64 || c.ModelDir != DefaultModelDir || s.ModelVersion() != "fake-shop" {
		t.Fatalf("defaults: %+v %s", c, s.ModelVersion())
	}
	wantErr := errors.New("disk on fire")
	err = s.Reload(context.Background(), "models/x")
	if err != nil {
		t.Fatal(err)
	}
	s.load = func(context.Context, string) (Engine, error) { return nil, wantErr }
	if err := s.Reload(context.Background(), ""); !errors.Is(err, wantErr) {
		t.Fatalf("reload error not wrapped: %v", err)
	}
	if s.ModelVersion() != "fake-x" || s.ModelDir() != "models/x" {
		t.Fatalf("failed reload replaced the model: %s", s.ModelVersion())
	}
}

func TestGracefulShutdown(t *testing.T) {
	g := &gate{entered: make(chan struct{}), release: make(chan struct{})}
	load := func(context.Context, string) (Engine, error) {
		return &fakeEngine{version: "slow", gate: g, panics: true}, nil
	}
	// an idle keep-alive connection gets ShutdownIdle for one more request, then is closed
	ts := startServer(t, Config{ShutdownTimeout: 10 * time.Second, ShutdownIdle: 300 * time.Millisecond}, load, slog.LevelInfo)
	inflight := make(chan response, 1)
	go func() {
		r, err := ts.try("POST", "/intent", `{"text":"慢慢退货"}`, nil)
		if err != nil {
			r.body = []byte(err.Error())
		}
		inflight <- r
	}()
	<-g.entered // the request is inside the engine
	// an idle keep-alive connection must not hold the shutdown up beyond ShutdownIdle
	idle := ts.do("GET", "/healthz", "", nil)
	if idle.status != 200 {
		t.Fatal(idle.status)
	}
	ts.cancel()
	stopped := make(chan error, 1)
	go func() { stopped <- <-ts.done }()
	select {
	case err := <-stopped:
		t.Fatalf("Serve returned with a request in flight: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	// new connections are refused while draining
	if c, err := ts.ln.Dial(); err == nil {
		c.Close()
		t.Errorf("listener still accepting during shutdown")
	}
	close(g.release)
	r := <-inflight
	if res := decodeResult(t, r); res.Intent != "return_goods" {
		t.Fatalf("in-flight result %+v", res)
	}
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after the in-flight request finished")
	}
	ts.done = make(chan error, 1)
	ts.done <- nil // for Cleanup
	if !strings.Contains(ts.logs.String(), `"msg":"stopped"`) {
		t.Errorf("no stopped log")
	}
}

func TestServeReturnsListenerError(t *testing.T) {
	s, err := New(Config{}, fakeLoader, nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Skip("no loopback:", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	time.Sleep(20 * time.Millisecond)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve after cancel: %v", err)
	}
}

// Channels are the gateway's strings: past maxChannelSeries they count as "other", so /metrics
// stays bounded.
func TestChannelSeriesBounded(t *testing.T) {
	m := newServerMetrics()
	for i := range 3 * maxChannelSeries {
		m.channelRoute(fmt.Sprint("ch", i), "auto")
	}
	m.channelRoute("ch0", "handoff")
	var b strings.Builder
	m.set.WritePrometheus(&b)
	if n := strings.Count(b.String(), "zhiyi_channel_routes_total{"); n != 4*(maxChannelSeries+1) {
		t.Errorf("%d channel series, want %d (four routes of the first channels and of other):\n%s", n, 4*(maxChannelSeries+1), b.String())
	}
	if want := fmt.Sprintf(`zhiyi_channel_routes_total{channel="other",route="auto"} %d`, 2*maxChannelSeries); !strings.Contains(b.String(), want) {
		t.Errorf("/metrics lacks %s", want)
	}
}
