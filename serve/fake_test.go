package serve

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttputil"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
)

// fakeEngine classifies by keyword, deterministically. A text containing "慢" blocks on gate
// (when set) until released; the text "panic!" panics when panics is set.
type fakeEngine struct {
	version string
	gate    *gate
	panics  bool // on the text "panic!"
}

type gate struct {
	entered chan struct{}
	release chan struct{}
}

var fakeRules = []struct {
	kw, intent, label string
	route             intent.Route
	conf              float64
}{
	{"退货", "return_goods", "退换货", intent.RouteAuto, 0.94},
	{"东西不要了", "return_goods", "退换货", intent.RouteAuto, 0.91},
	{"快递", "logistics", "物流查询", intent.RouteSuggest, 0.72},
	{"人工", "human", "转人工", intent.RouteHandoff, 0.99},
}

func (f *fakeEngine) Version() string { return f.version }

func (f *fakeEngine) Classify(_ context.Context, req intent.Request) intent.Result {
	if f.gate != nil && strings.Contains(req.Text, "慢") {
		f.gate.entered <- struct{}{}
		<-f.gate.release
	}
	if f.panics && req.Text == "panic!" {
		panic("boom: " + req.MsgID + " 13812345678")
	}
	res := intent.Result{Intent: intent.NoneIntent, Route: intent.RouteHandoff, Confidence: 0.2, Reason: "out of scope"}
	for _, r := range fakeRules {
		if strings.Contains(req.Text, r.kw) {
			res = intent.Result{Intent: r.intent, Label: r.label, Route: r.route, Confidence: r.conf,
				Answer:     &intent.Answer{ID: r.intent + "-1", Text: "答案：" + r.label},
				Candidates: []intent.Candidate{{Intent: r.intent, Label: r.label, Confidence: r.conf}}}
			break
		}
	}
	res.Model = f.version
	if req.Debug {
		res.Debug = &intent.Debug{Text: maskDigits(req.Text), Tokens: []string{"t"}, Terms: []string{"t"}, Features: []uint32{1, 2}}
	}
	return res
}

// maskDigits stands in for the engine's PII masking.
func maskDigits(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		if r >= '0' && r <= '9' {
			if !in {
				b.WriteString("<num>")
			}
			in = true
			continue
		}
		in = false
		b.WriteRune(r)
	}
	return b.String()
}

// fakeLoader loads a fakeEngine named after the directory; directories starting with "bad"
// fail to load.
func fakeLoader(_ context.Context, dir string) (Engine, error) {
	base := filepath.Base(dir)
	if strings.HasPrefix(base, "bad") {
		return nil, errors.New("manifest.json: checksum mismatch")
	}
	return &fakeEngine{version: "fake-" + base, panics: true}, nil
}

// testServer is a Server serving on an in-memory listener.
type testServer struct {
	*Server
	t      testing.TB
	ln     *fasthttputil.InmemoryListener
	client *fasthttp.HostClient
	logs   *testsvc.Buffer
	cancel context.CancelFunc
	done   chan error
}

func startServer(t testing.TB, cfg Config, load Loader, level slog.Level, opts ...Option) *testServer {
	t.Helper()
	if load == nil {
		load = fakeLoader
	}
	if cfg.ModelDir == "" {
		cfg.ModelDir = "models/shop"
	}
	logs := &testsvc.Buffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: level}))
	s, err := New(cfg, load, log, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ln := fasthttputil.NewInmemoryListener()
	ctx, cancel := context.WithCancel(context.Background())
	ts := &testServer{Server: s, t: t, ln: ln, logs: logs, cancel: cancel, done: make(chan error, 1)}
	ts.client = &fasthttp.HostClient{
		Addr:     "zhiyi.test",
		Dial:     func(string) (net.Conn, error) { return ln.Dial() },
		MaxConns: 256,
	}
	go func() { ts.done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() { _ = ts.stop() })
	return ts
}

// stop cancels Serve and waits for it. The client's idle connections go first: the server
// would keep them Config.ShutdownIdle for one more request.
func (ts *testServer) stop() error {
	ts.client.CloseIdleConnections()
	ts.cancel()
	select {
	case err, ok := <-ts.done:
		if ok {
			close(ts.done)
		}
		return err
	case <-time.After(20 * time.Second):
		return errors.New("Serve did not return")
	}
}

type response struct {
	status int
	header map[string]string
	body   []byte
}

// do sends one request; hdr holds extra headers (Content-Type defaults to application/json
// for requests with a body; an empty value suppresses it).
func (ts *testServer) do(method, uri, body string, hdr map[string]string) response {
	ts.t.Helper()
	r, err := ts.try(method, uri, body, hdr)
	if err != nil {
		ts.t.Fatalf("%s %s: %v", method, uri, err)
	}
	return r
}

// try is do without the Fatal.
func (ts *testServer) try(method, uri, body string, hdr map[string]string) (response, error) {
	req := fasthttp.AcquireRequest()
	resp := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.Header.SetMethod(method)
	req.SetRequestURI("http://zhiyi.test" + uri)
	if body != "" {
		req.SetBodyString(body)
		req.Header.SetContentType("application/json")
	}
	for k, v := range hdr {
		if strings.EqualFold(k, "Content-Type") {
			if v == "" {
				req.Header.Del("Content-Type")
				req.Header.SetNoDefaultContentType(true)
				continue
			}
			req.Header.SetContentType(v)
			continue
		}
		req.Header.Set(k, v)
	}
	if err := ts.client.DoTimeout(req, resp, 10*time.Second); err != nil {
		return response{}, err
	}
	r := response{status: resp.StatusCode(), header: map[string]string{}, body: append([]byte(nil), resp.Body()...)}
	for k, v := range resp.Header.All() {
		r.header[string(k)] = string(v)
	}
	return r, nil
}
