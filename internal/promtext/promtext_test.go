package promtext

import (
	"slices"
	"strings"
	"testing"
)

func TestParseAndCheck(t *testing.T) {
	const body = `# HELP zhiyi_a_total
# TYPE zhiyi_a_total counter
zhiyi_a_total{x="1"} 1
zhiyi_a_total{x="2"} 2
# TYPE zhiyi_lat_seconds histogram
zhiyi_lat_seconds_bucket{le="+Inf"} 3
zhiyi_lat_seconds_sum 0.1
zhiyi_lat_seconds_count 3
# TYPE zhiyi_up gauge
zhiyi_up 1
zhiyi_untyped 4
# TYPE zhiyi_bad counter
zhiyi_bad 1
# TYPE zhiyi_gauge_total gauge
zhiyi_gauge_total 1
go_goroutines 9
`
	fams, err := Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fams {
		got = append(got, f.Name+":"+f.Type)
	}
	want := []string{"zhiyi_a_total:counter", "zhiyi_lat_seconds:histogram", "zhiyi_up:gauge", "zhiyi_untyped:",
		"zhiyi_bad:counter", "zhiyi_gauge_total:gauge", "go_goroutines:"}
	if !slices.Equal(got, want) {
		t.Errorf("families %v, want %v", got, want)
	}
	if fams[1].Series != 3 {
		t.Errorf("the histogram has %d lines, want 3", fams[1].Series)
	}
	problems := Check(fams, "zhiyi_")
	wantProblems := []string{"zhiyi_untyped: no # TYPE line", "zhiyi_bad: a counter whose name does not end in _total",
		"zhiyi_gauge_total: a gauge named like a counter (_total)"}
	if !slices.Equal(problems, wantProblems) {
		t.Errorf("problems %q, want %q", problems, wantProblems)
	}

	f := func(body, wantErr string) {
		t.Helper()
		if _, err := Parse(strings.NewReader(body)); err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Errorf("Parse(%q): %v, want an error with %q", body, err, wantErr)
		}
	}
	f("a 1\nb 1\na 2\n", "split")
	f("# TYPE a gauge\n# TYPE a gauge\na 1\n", "two # TYPE")
}

func TestDocDiff(t *testing.T) {
	const doc = "`zhiyi_up` is 1 while …; `zhiyi_a_total{x}` counts; `zhiyi_alert_*` the alerter's; " +
		"`zhiyi_gone_total` was removed; `zhiyi_mix_*` with --adapt-mix; the cookie not_zhiyi_x; zhiyi_up again; " +
		"rate(zhiyi_lat_seconds_bucket[5m])."
	names := DocNames(doc, "zhiyi_")
	if want := []string{"zhiyi_up", "zhiyi_a_total", "zhiyi_alert_*", "zhiyi_gone_total", "zhiyi_mix_*", "zhiyi_lat_seconds_bucket"}; !slices.Equal(names, want) {
		t.Fatalf("DocNames = %q, want %q", names, want)
	}
	fams, err := Parse(strings.NewReader("zhiyi_a_total 1\nzhiyi_up 1\nzhiyi_alert_fired_total{rule=\"x\"} 0\nzhiyi_new 3\ngo_goroutines 4\n" +
		"# TYPE zhiyi_lat_seconds histogram\nzhiyi_lat_seconds_bucket{le=\"+Inf\"} 1\nzhiyi_lat_seconds_sum 1\nzhiyi_lat_seconds_count 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	undocumented, unseen := Diff(fams, names, "zhiyi_")
	if !slices.Equal(undocumented, []string{"zhiyi_new"}) || !slices.Equal(unseen, []string{"zhiyi_gone_total", "zhiyi_mix_*"}) {
		t.Errorf("Diff = %q, %q; want [zhiyi_new], [zhiyi_gone_total zhiyi_mix_*]", undocumented, unseen)
	}
}
