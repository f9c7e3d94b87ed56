package serve

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttputil"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/internal/shoptest"
	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
)

// benchBody is the request BenchmarkIntentHandler sends.
var benchBody = []byte(`{"text":"东西不要了怎么寄回去","msg_id":"bench-1","sender_id":"wmBench","channel":"wecom"}`)

func shopLoader(ctx context.Context, dir string) (Engine, error) {
	e, err := intent.Load(ctx, dir)
	if err != nil {
		return nil, err
	}
	return e, nil
}

// shopBodies are /intent requests made of the sample shop's holdout messages.
func shopBodies(b *testing.B) [][]byte {
	texts, err := shoptest.Holdout()
	if err != nil {
		b.Fatal(err)
	}
	out := make([][]byte, len(texts))
	for i, t := range texts {
		out[i], _ = json.Marshal(map[string]string{"text": t, "msg_id": fmt.Sprintf("bench-%d", i), "channel": "wecom"})
	}
	return out
}

// BenchmarkServe serves a trivial JSON handler and POST /intent in the same run, each over an
// in-memory listener with parallel keep-alive clients, and reports both throughputs and
// /intent's share of the trivial handler's (the target is ≥ 35 % on the sample shop):
// with a fake engine (serve's own overhead) and with the sample shop's real engine.
func TestMain(m *testing.M) {
	code := m.Run()
	shoptest.Cleanup()           // the benchmarks' sample-shop bundle
	testsvc.StopSharedPostgres() // the feedback tests' database
	os.Exit(code)
}

func BenchmarkServe(b *testing.B) {
	b.Run("engine=fake", func(b *testing.B) { benchServe(b, fakeLoader, "fake", [][]byte{benchBody}) })
	b.Run("engine=shop", func(b *testing.B) {
		dir, err := shoptest.Bundle()
		if err != nil {
			b.Fatal(err)
		}
		benchServe(b, shopLoader, dir, shopBodies(b))
	})
}

// benchServe measures one engine against the trivial handler. Each op is one trivial request
// plus one /intent request; ns/op is their sum. Clients cycle through bodies.
func benchServe(b *testing.B, load Loader, modelDir string, bodies [][]byte) {
	// The trivial server runs with the same settings as ours (timeouts cost a deadline per
	// request), so the share measures the handler and its payloads, not configuration.
	d := DefaultConfig()
	trivial := &fasthttp.Server{
		Handler: func(ctx *fasthttp.RequestCtx) {
			ctx.SetContentType(contentTypeJSON)
			_, _ = ctx.WriteString(`{"status":"ok"}` + "\n")
		},
		Name:               "zhiyi",
		ReadTimeout:        d.ReadTimeout,
		WriteTimeout:       d.WriteTimeout,
		IdleTimeout:        d.IdleTimeout,
		MaxRequestBodySize: d.MaxBodyBytes,
	}
	trivialLn := fasthttputil.NewInmemoryListener()
	go func() { _ = trivial.Serve(trivialLn) }()
	defer trivial.Shutdown() //nolint:errcheck

	// ShutdownIdle: the clients' idle connections would keep each run's shutdown 5 s
	s, err := New(Config{ModelDir: modelDir, ShutdownIdle: time.Millisecond}, load, servingLogger(b))
	if err != nil {
		b.Fatal(err)
	}
	intentLn := fasthttputil.NewInmemoryListener()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, intentLn) }()
	defer func() { cancel(); <-done }()

	client := func(ln *fasthttputil.InmemoryListener) *fasthttp.HostClient {
		return &fasthttp.HostClient{Addr: "bench", MaxConns: 1024, Dial: func(string) (net.Conn, error) { return ln.Dial() }}
	}
	// run sends n requests from 8 × GOMAXPROCS parallel clients (like wrk -c16 on two cores)
	// and returns the wall time. The clients are plain goroutines that stop when n requests are
	// taken: b.RunParallel would go on iterating to b.N, costing both sides the same idle spin.
	var next atomic.Uint64
	clients := 8 * runtime.GOMAXPROCS(0)
	run := func(c *fasthttp.HostClient, method, uri string, bodies [][]byte, n int) time.Duration {
		var failed, left atomic.Int64
		left.Store(int64(n))
		var wg sync.WaitGroup
		start := time.Now()
		for range clients {
			wg.Go(func() {
				req := fasthttp.AcquireRequest()
				resp := fasthttp.AcquireResponse()
				defer fasthttp.ReleaseRequest(req)
				defer fasthttp.ReleaseResponse(resp)
				req.Header.SetMethod(method)
				req.SetRequestURI("http://bench" + uri)
				if bodies != nil {
					req.Header.SetContentType("application/json")
				}
				for left.Add(-1) >= 0 {
					if bodies != nil {
						req.SetBody(bodies[next.Add(1)%uint64(len(bodies))])
					}
					if err := c.Do(req, resp); err != nil || resp.StatusCode() != 200 {
						failed.Add(1)
					}
				}
			})
		}
		wg.Wait()
		if n := failed.Load(); n > 0 {
			b.Fatalf("%s: %d failed requests", uri, n)
		}
		return time.Since(start)
	}
	tc, ic := client(trivialLn), client(intentLn)
	// Alternate the two in rounds so that both see the same machine (other load, GC, turbo).
	const rounds = 5
	var tTrivial, tIntent time.Duration
	b.ResetTimer()
	for r := range rounds {
		n := b.N / rounds
		if r == rounds-1 {
			n = b.N - n*(rounds-1)
		}
		tTrivial += run(tc, "POST", "/", bodies, n)
		tIntent += run(ic, "POST", "/intent", bodies, n)
	}
	b.StopTimer()
	trivialRPS := float64(b.N) / tTrivial.Seconds()
	intentRPS := float64(b.N) / tIntent.Seconds()
	b.ReportMetric(trivialRPS, "trivial-req/s")
	b.ReportMetric(intentRPS, "intent-req/s")
	b.ReportMetric(100*intentRPS/trivialRPS, "intent-%-of-trivial")
}

// servingLogger logs at info level as zhiyi serve does (through a LogWriter), to nowhere.
func servingLogger(b *testing.B) *slog.Logger {
	lw := NewLogWriter(io.Discard, 200*time.Millisecond)
	b.Cleanup(func() { lw.Close() })
	log, err := NewLogger(lw, "info")
	if err != nil {
		b.Fatal(err)
	}
	return log
}

// BenchmarkIntentHandler measures the /intent handler alone (decode, engine, encode, metrics,
// log line), without connections: serve's own cost per request on top of the engine's.
func BenchmarkIntentHandler(b *testing.B) {
	s, err := New(Config{ModelDir: "fake"}, fakeLoader, servingLogger(b))
	if err != nil {
		b.Fatal(err)
	}
	h := s.Handler()
	var req fasthttp.Request
	req.Header.SetMethod(fasthttp.MethodPost)
	req.SetRequestURI("/intent")
	req.Header.SetContentType("application/json")
	req.SetBody(benchBody)
	var ctx fasthttp.RequestCtx
	b.ReportAllocs()
	for b.Loop() {
		ctx.Init(&req, nil, nil)
		h(&ctx)
		if ctx.Response.StatusCode() != 200 {
			b.Fatalf("status %d: %s", ctx.Response.StatusCode(), ctx.Response.Body())
		}
	}
}
