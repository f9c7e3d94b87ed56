package serve

import (
	"log/slog"
	"strings"
	"testing"
)

func TestAdminReload(t *testing.T) {
	const token = "s3cret-token"
	// the token's forms, not the limit on wrong ones (adminlimit_test.go): more than 5 here
	ts := startServer(t, Config{AdminToken: token, AdminAttempts: 100}, nil, slog.LevelInfo)
	auth := map[string]string{"Authorization": "Bearer " + token}
	for name, hdr := range map[string]map[string]string{
		"none":      nil,
		"wrong":     {"Authorization": "Bearer nope"},
		"prefix":    {"Authorization": "Bearer " + token[:5]},
		"longer":    {"Authorization": "Bearer " + token + "x"},
		"no scheme": {"Authorization": token},
		"basic":     {"Authorization": "Basic " + token},
	} {
		r := ts.do("POST", "/admin/reload", "", hdr)
		if r.status != 401 || !strings.Contains(string(r.body), `"code":"unauthorized"`) {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
	}
	if r := ts.do("GET", "/admin/reload", "", auth); r.status != 405 {
		t.Errorf("GET reload: %d", r.status)
	}
	// reload the current bundle (no body)
	r := ts.do("POST", "/admin/reload", "", auth)
	if r.status != 200 || !strings.Contains(string(r.body), `"model":"fake-shop"`) {
		t.Fatalf("reload: %d %s", r.status, r.body)
	}
	// documented leniency: the scheme in any case, white space around the token
	for _, h := range []string{"bearer " + token, "BEARER " + token, "Bearer    " + token + "   ", "  Bearer " + token} {
		if r := ts.do("POST", "/admin/reload", "", map[string]string{"Authorization": h}); r.status != 200 {
			t.Errorf("Authorization %q: %d %s", h, r.status, r.body)
		}
	}
	for _, h := range []string{"Bearer\t" + token, "Bearer" + token, "Bearer " + token + " x"} {
		if r := ts.do("POST", "/admin/reload", "", map[string]string{"Authorization": h}); r.status != 401 {
			t.Errorf("Authorization %q: %d %s", h, r.status, r.body)
		}
	}
	// a named bundle
	r = ts.do("POST", "/admin/reload", `{"model":"models/v2"}`, map[string]string{"Authorization": "bearer " + token})
	if r.status != 200 || !strings.Contains(string(r.body), `"model":"fake-v2"`) {
		t.Fatalf("reload v2: %d %s", r.status, r.body)
	}
	if res := decodeResult(t, ts.do("POST", "/intent", `{"text":"退货"}`, nil)); res.Model != "fake-v2" {
		t.Fatalf("model after reload %q", res.Model)
	}
	// a bad bundle is refused and v2 keeps serving
	r = ts.do("POST", "/admin/reload", `{"model":"models/bad"}`, auth)
	if r.status != 422 || !strings.Contains(string(r.body), `"code":"reload_failed"`) || !strings.Contains(string(r.body), "checksum mismatch") {
		t.Fatalf("bad reload: %d %s", r.status, r.body)
	}
	if res := decodeResult(t, ts.do("POST", "/intent", `{"text":"退货"}`, nil)); res.Model != "fake-v2" {
		t.Fatalf("model after bad reload %q", res.Model)
	}
	// an empty body reloads the current (v2) bundle, not the start one
	if r := ts.do("POST", "/admin/reload", "", auth); !strings.Contains(string(r.body), `"dir":"models/v2"`) {
		t.Fatalf("reload current: %s", r.body)
	}
	// body errors
	if r := ts.do("POST", "/admin/reload", `{"bundle":"x"}`, auth); r.status != 400 || !strings.Contains(string(r.body), CodeUnknownField) {
		t.Errorf("unknown field: %d %s", r.status, r.body)
	}
	if r := ts.do("POST", "/admin/reload", `{"model":"x"}`, map[string]string{"Authorization": "Bearer " + token, "Content-Type": "text/plain"}); r.status != 415 {
		t.Errorf("content type: %d %s", r.status, r.body)
	}
	body := string(ts.do("GET", "/metrics", "", nil).body)
	for _, want := range []string{`zhiyi_model_info{version="fake-v2"} 1`, `zhiyi_model_reloads_total{result="error"} 1`} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if strings.Contains(body, `zhiyi_model_info{version="fake-shop"}`) {
		t.Errorf("old model version still exported")
	}
	if strings.Contains(ts.logs.String(), token) {
		t.Errorf("token logged")
	}
}
