package main

import (
	"context"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/internal/shoptest"
	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
	"github.com/zhiyi-ai/zhiyi/serve"
)

// TestProbeFindsNoLeaks probes a server serving a real bundle, as zhiyi serve wires it, at log
// level debug: the logs and answers hold none of what was planted.
func TestProbeFindsNoLeaks(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "models", "tiny")
	if err := shoptest.TrainTiny(dir); err != nil {
		t.Fatal(err)
	}
	logs := &testsvc.Buffer{}
	log, err := serve.NewLogger(logs, "debug")
	if err != nil {
		t.Fatal(err)
	}
	load := func(ctx context.Context, dir string) (serve.Engine, error) {
		e, err := intent.Load(ctx, dir)
		if err != nil {
			return nil, err
		}
		return e, nil
	}
	srv, err := serve.New(serve.Config{ModelDir: dir, AdminToken: tokenSeed, ShutdownIdle: 100 * time.Millisecond, ReadTimeout: time.Second}, load, log)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Skip("no loopback TCP:", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	answers, err := newProbe(ln.Addr().String(), tokenSeed).run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if n := report(&out, logs.String(), answers, tokenSeed); n != 0 {
		t.Errorf("%d leaks:\n%s", n, out.String())
	}
	// the probe did reach the server: answers to every kind of request, and their log lines
	var ok, bad int
	for _, a := range answers {
		switch {
		case a.status == 200:
			ok++
		case a.status >= 400:
			bad++
		}
	}
	if ok < 40 || bad < 15 || strings.Count(logs.String(), `"msg":"request"`) < 60 {
		t.Errorf("%d answers 200, %d 4xx, log:\n%s", ok, bad, logs.String())
	}
}

// TestFindLeaks: the detector sees a planted value however it is written.
func TestFindLeaks(t *testing.T) {
	log := strings.Join([]string{
		`{"msg":"request","msg_id":"m-138-1234-5678"}`,
		`{"msg":"request","masked_text":"我要退货 <PHONE>"}`,
		`{"msg":"fasthttp","error":"contents: \"POST /intent HTTP/1.1\r\nAuthorization: Bearer x\""}`,
		`{"msg":"request","request_id":"一三八 一二三四 五六七八"}`,
		`{"msg":"request","error":"卡 6222.0212.3456.7890.128"}`,
		`{"msg":"request","error":"zhang.san@PROBE-MAIL.com"}`,
		`{"msg":"request","latency_us":1381234}`,
	}, "\n")
	answers := []exchange{
		{what: "a", debug: true, body: []byte(`{"msg_id":"13812345678","debug":{"text":"我要退货 <PHONE>"}}`)},
		{what: "b", debug: true, body: []byte(`{"msg_id":"x","debug":{"tokens":["欧阳锋"]}}`)},
	}
	leaks := findLeaks(log, answers, "tok")
	var got []string
	for _, l := range leaks {
		got = append(got, l.where+" "+l.what)
	}
	want := []string{"answer to b 欧阳锋", "log line 1 13812345678", "log line 3 Bearer", "log line 4 13812345678", "log line 5 6222021234567890128", "log line 6 probe-mail"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("leaks %q, want %q", got, want)
	}
}
