package serve

import (
	"bufio"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

// A connection past --concurrency is answered 503 by fasthttp before any request is read, so no
// handler counts it: /metrics reads fasthttp's own count into
// zhiyi_http_rejected_connections_total, the signal that the limit (set below the descriptor
// limit, docs/operations.md) is turning customers' messages away.
func TestMetricsCountConnectionsRefusedPastConcurrency(t *testing.T) {
	ts := startServer(t, Config{Concurrency: 1}, nil, slog.LevelWarn)

	held, err := ts.ln.Dial()
	if err != nil {
		t.Fatal(err)
	}
	// one request answered, the connection kept open: it holds the only worker
	if _, err := io.WriteString(held, "GET /healthz HTTP/1.1\r\nHost: zhiyi.test\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	r, err := http.ReadResponse(bufio.NewReader(held), nil)
	if err != nil || r.StatusCode != 200 {
		t.Fatalf("the first connection's request: %v, %v", r, err)
	}
	r.Body.Close()

	refused, err := ts.ln.Dial()
	if err != nil {
		t.Fatal(err)
	}
	// answered and closed at once, before a request is read
	r, err = http.ReadResponse(bufio.NewReader(refused), nil)
	if err != nil || r.StatusCode != 503 {
		t.Fatalf("a second connection past Concurrency 1: %v, %v; want 503", r, err)
	}
	r.Body.Close()
	refused.Close()
	held.Close()

	// the worker is free once the server has seen the close: ask until it answers
	var body string
	for range 200 {
		m, err := ts.try("GET", "/metrics", "", nil) // refused again until then
		if err == nil && m.status == 200 {
			body = string(m.body)
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(body, "zhiyi_http_rejected_connections_total ") {
		t.Fatalf("/metrics never answered, or lacks zhiyi_http_rejected_connections_total:\n%s", body)
	}
	checkExposition(t, body)
	if strings.Contains(body, "zhiyi_http_rejected_connections_total 0\n") {
		t.Errorf("the refused connection was not counted:\n%s", grepLines(body, "rejected"))
	}
	// fasthttp's warning with its limit filled in (it printed "because %d concurrent …")
	if logs := ts.logs.String(); !strings.Contains(logs, "because 1 concurrent connections are served") {
		t.Errorf("the concurrency warning does not say the limit:\n%s", logs)
	}
}

// grepLines returns body's lines holding sub.
func grepLines(body, sub string) string {
	var b strings.Builder
	for _, l := range strings.Split(body, "\n") {
		if strings.Contains(l, sub) {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}
