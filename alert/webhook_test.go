package alert

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/period"
)

func TestWebhookPayloadFields(t *testing.T) {
	var body []byte
	var header http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ = io.ReadAll(r.Body)
		header = r.Header
	}))
	defer srv.Close()
	w, err := NewWebhook(srv.URL+"/hook", nil)
	if err != nil {
		t.Fatal(err)
	}
	kw := Alert{Rule: "comment_keywords", Name: "评价关键词", Measure: MeasureCommentKeywords, Severity: SeverityInfo,
		State: StateFiring, Value: 1, Num: 1, Count: 1, Category: "model", CategoryLabel: "模型需要改进", Keyword: "听不懂",
		Comment: "听不懂", Rating: 2, Since: t0, At: t0.In(period.CST)}
	kw.Summary = kw.summary()
	if err := w.Notify(t.Context(), []Alert{firing("unrecognised", "s"), kw}); err != nil {
		t.Fatal(err)
	}
	if header.Get("Content-Type") != "application/json" || header.Get("User-Agent") != "zhiyi-alert/1" {
		t.Errorf("headers %v", header)
	}
	var p struct {
		Source string           `json:"source"`
		Alerts []map[string]any `json:"alerts"`
	}
	if err := json.Unmarshal(body, &p); err != nil || p.Source != "zhiyi" || len(p.Alerts) != 2 {
		t.Fatalf("payload %s: %v", body, err)
	}
	keys := func(m map[string]any) string {
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		return strings.Join(ks, ",")
	}
	base := "at,count,measure,name,num,rule,severity,since,state,summary,threshold,value,window_seconds"
	if got := keys(p.Alerts[0]); got != base {
		t.Errorf("threshold alert keys %s, want %s", got, base)
	}
	if got, want := keys(p.Alerts[1]), "at,category,category_label,comment,count,keyword,measure,name,num,rating,rule,severity,since,state,summary,threshold,value,window_seconds"; got != want {
		t.Errorf("keyword alert keys %s, want %s", got, want)
	}
	a := p.Alerts[0]
	if a["rule"] != "unrecognised" || a["state"] != "firing" || a["value"] != 20.0 || a["window_seconds"] != 600.0 || a["at"] != "2026-03-02T14:00:00Z" {
		t.Errorf("alert %v", a)
	}
	if k := p.Alerts[1]; k["category"] != "model" || k["rating"] != 2.0 || k["at"] != "2026-03-02T14:00:00Z" {
		t.Errorf("keyword alert %v (times are sent in UTC)", k)
	}
}

func TestWebhookErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusForbidden) }))
	defer srv.Close()
	w, _ := NewWebhook(strings.Replace(srv.URL, "http://", "http://user:SECRET@", 1)+"/hook?token=SECRET", nil)
	err := w.Notify(t.Context(), []Alert{firing("u", "s")})
	if err == nil || !strings.Contains(err.Error(), "403") || strings.Contains(err.Error(), "SECRET") {
		t.Fatalf("403: %v (and no secret)", err)
	}
	for _, bad := range []string{"", "127.0.0.1:9/hook", "ftp://h/x", "http://"} {
		if _, err := NewWebhook(bad, nil); err == nil {
			t.Errorf("NewWebhook(%q) accepted", bad)
		}
	}
	// A receiver that never answers is cut off by the context.
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // the server notices a closed connection only once the body is read
		<-r.Context().Done()
	}))
	defer hang.Close()
	w2, _ := NewWebhook(hang.URL, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if err := w2.Notify(ctx, []Alert{firing("u", "s")}); err == nil {
		t.Fatal("a hanging receiver counted as delivered")
	}
}
