package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	doc := write("ops.md", "Watch `zhiyi_store_up` and `zhiyi_alert_*`; `zhiyi_old_total` went.\n")
	scrape := "# TYPE zhiyi_store_up gauge\nzhiyi_store_up 1\n# TYPE zhiyi_alert_fired_total counter\nzhiyi_alert_fired_total{rule=\"x\"} 0\n" +
		"# TYPE zhiyi_new_thing counter\nzhiyi_new_thing 2\n"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(scrape)) }))
	defer srv.Close()
	for _, src := range []string{srv.URL + "/metrics", write("scrape.txt", scrape)} {
		var out bytes.Buffer
		ok, err := run(&out, src, []string{doc})
		if err != nil {
			t.Fatal(err)
		}
		got := out.String()
		for _, want := range []string{"3 zhiyi_* families", "undocumented (1):\n  zhiyi_new_thing\n",
			"documented, not in this scrape (1):\n  zhiyi_old_total\n", "conventions (1):\n  zhiyi_new_thing: a counter whose name does not end in _total\n"} {
			if !strings.Contains(got, want) {
				t.Errorf("%s: output lacks %q:\n%s", src, want, got)
			}
		}
		if ok {
			t.Errorf("%s: ok with an undocumented family", src)
		}
	}
	var out bytes.Buffer
	if ok, err := run(&out, write("good.txt", "# TYPE zhiyi_store_up gauge\nzhiyi_store_up 0\n"), []string{doc}); err != nil || !ok {
		t.Errorf("a documented scrape: ok %v, %v:\n%s", ok, err, out.String())
	}
	if _, err := run(&out, write("split.txt", "a 1\nb 1\na 2\n"), []string{doc}); err == nil || !strings.Contains(err.Error(), "split") {
		t.Errorf("a malformed scrape: %v", err)
	}
}
