package alert

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
)

func TestRedactURL(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		if got := redactURL(in); got != want {
			t.Errorf("redactURL(%q) = %q, want %q", in, got, want)
		}
	}
	f("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SECRET", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?…")
	f("http://user:pass@hooks.example.com/a/b", "http://hooks.example.com/…")
	f("https://open.feishu.cn/open-apis/bot/v2/hook/6f1c-SECRET-TOKEN", "https://open.feishu.cn/…")
	f("https://hooks.slack.com/services/T000/B000/SECRET", "https://hooks.slack.com/…")
	f("http://127.0.0.1:9000/", "http://127.0.0.1:9000/")
	f("smtp://alert:pw@smtp.example.com:587", "smtp://smtp.example.com:587")
	f("notaurl", "(not an http(s)://host/… URL)")
	f("http://[::1]:namedport", "(unparsable URL)")
}

func TestScrubHidesTheKey(t *testing.T) {
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, "http://127.0.0.1:1/send?key=SECRET", nil)
	_, err := http.DefaultClient.Do(req)
	if err == nil {
		t.Skip("something listens on 127.0.0.1:1")
	}
	if !strings.Contains(err.Error(), "SECRET") {
		t.Fatalf("net/http no longer puts the URL in its errors (%v): scrub may be unneeded", err)
	}
	s := scrub(err)
	if strings.Contains(s.Error(), "SECRET") || !strings.Contains(s.Error(), "127.0.0.1:1/…") {
		t.Fatalf("scrubbed: %v", s)
	}
	plain := errors.New("x")
	if scrub(plain) != plain {
		t.Fatal("scrub changed an error without a URL")
	}
}
