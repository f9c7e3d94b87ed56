package alert

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/VictoriaMetrics/metrics"
	"github.com/jonboulle/clockwork"
)

// flood observes n comments that match both default groups, 2 ms apart from start (the
// security review's 300 in 0.6 s), and returns the alerts.
func flood(ev *Evaluator, start time.Time, n int, comment func(i int) string) []Alert {
	var out []Alert
	for i := range n {
		out = ev.Observe(out, Event{Kind: KindFeedback, Time: start.Add(time.Duration(i) * 2 * time.Millisecond),
			Rating: 1, Comment: comment(i), MsgID: fmt.Sprintf("flood-%d", i)})
	}
	return out
}

func byCategory(alerts []Alert) map[string][]Alert {
	m := map[string][]Alert{}
	for _, a := range alerts {
		m[a.Category] = append(m[a.Category], a)
	}
	return m
}

// A flood of comments is one alert per group at once and, when the cooldown ends, one more per
// group that counts the rest; cooldown 0 (written in the file) keeps one alert per comment.
func TestCommentFloodIsGrouped(t *testing.T) {
	zero, err := ParseFile("a.yaml", []byte("rules:\n  - {id: comment_keywords, measure: comment_keywords, cooldown: 0}\n"))
	if err != nil {
		t.Fatal(err)
	}
	short, err := ParseFile("a.yaml", []byte("rules:\n  - {id: comment_keywords, measure: comment_keywords, cooldown: 1m}\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		rules    []Rule
		cooldown time.Duration
		at       int   // alerts per group at once
		later    int64 // comments per group in the alert when the cooldown ends (0: no alert)
	}{
		{"default", DefaultRules(), DefaultCommentCooldown, 1, 299},
		{"cooldown 1m", short.Rules, time.Minute, 1, 299},
		{"cooldown 0", zero.Rules, 0, 300, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := mustEvaluator(t, tc.rules...)
			if got := ev.Rules()[len(ev.Rules())-1]; tc.name != "default" && got.Cooldown != tc.cooldown {
				t.Fatalf("cooldown %s, want %s", got.Cooldown, tc.cooldown)
			}
			at := byCategory(flood(ev, t0, 300, func(i int) string { return fmt.Sprintf("第%d位：回复慢 听不懂", i) }))
			for _, cat := range []string{"staffing", "model"} {
				if len(at[cat]) != tc.at || at[cat][0].Count != 1 || at[cat][0].Comment != "第0位:回复慢 听不懂" {
					t.Fatalf("%s at once: %d alerts (%+v), want %d, the first comment's", cat, len(at[cat]), at[cat][:min(1, len(at[cat]))], tc.at)
				}
			}
			if tc.later == 0 {
				if got := ev.Tick(nil, t0.Add(time.Hour)); len(got) != 0 {
					t.Fatalf("nothing held, yet the tick fired %+v", got)
				}
				return
			}
			if got := ev.Tick(nil, t0.Add(tc.cooldown-time.Second)); len(got) != 0 {
				t.Fatalf("within the cooldown: %+v", got)
			}
			end := t0.Add(tc.cooldown)
			later := byCategory(ev.Tick(nil, end))
			for _, cat := range []string{"staffing", "model"} {
				a := later[cat]
				if len(a) != 1 {
					t.Fatalf("%s when the cooldown ends: %d alerts, want 1", cat, len(a))
				}
				want := fmt.Sprintf("；自 %s 起另有 %d 条同类评价，如「第298位:回复慢 听不懂」「第297位:回复慢 听不懂」「第296位:回复慢 听不懂」",
					t0.Add(2*time.Millisecond).Add(8*time.Hour).Format("01-02 15:04"), tc.later-1)
				if a[0].Count != tc.later || a[0].Num != tc.later || a[0].Comment != "第299位:回复慢 听不懂" ||
					!a[0].Since.Equal(t0.Add(2*time.Millisecond)) || !a[0].At.Equal(end) || len(a[0].Earlier) != MaxQuotedComments ||
					!strings.HasSuffix(a[0].Summary, want) {
					t.Fatalf("%s grouped alert %+v\nwant count %d, the newest comment, summary ending %q", cat, a[0], tc.later, want)
				}
			}
			// The cooldown starts again from that alert: one more comment waits for its end.
			if got := flood(ev, end.Add(time.Second), 1, func(int) string { return "还是回复慢" }); len(got) != 0 {
				t.Fatalf("right after the grouped alert: %+v", got)
			}
			if got := ev.Tick(nil, end.Add(tc.cooldown)); len(got) != 1 || got[0].Count != 1 || got[0].Comment != "还是回复慢" ||
				strings.Contains(got[0].Summary, "另有") {
				t.Fatalf("the next cooldown's one comment: %+v", got)
			}
			// After the cooldown a comment fires at once again; Release says what is held at once
			// (the Alerter closing).
			flood(ev, end.Add(tc.cooldown+time.Second), 2, func(i int) string { return fmt.Sprintf("听不懂%d", i) })
			if got := ev.Release(nil, end.Add(tc.cooldown+2*time.Second)); len(got) != 1 || got[0].Count != 1 || got[0].Comment != "听不懂1" {
				t.Fatalf("release: %+v", got)
			}
		})
	}
}

// One alert stays within a WeCom message however long and many the comments it groups.
func TestCommentAlertIsBounded(t *testing.T) {
	for _, tc := range []struct {
		name    string
		comment string
	}{
		{"long ASCII", "slow reply " + strings.Repeat("x", 2000)},
		{"long Chinese", "回复慢" + strings.Repeat("等", 680)},
		{"four-byte runes", "回复慢" + strings.Repeat("😡", 500)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := mustEvaluator(t, Rule{ID: "c", Measure: MeasureCommentKeywords, Keywords: []KeywordGroup{
				{Category: "staffing", Label: strings.Repeat("人手不足", 20), Words: []string{"回复慢", "slow reply"}}}})
			flood(ev, t0, 1000, func(int) string { return tc.comment })
			got := ev.Tick(nil, t0.Add(time.Hour))
			if len(got) != 1 || got[0].Count != 999 {
				t.Fatalf("want one alert for 999 comments: %d", len(got))
			}
			a := got[0]
			if len(a.Summary) > MaxSummaryBytes || !utf8.ValidString(a.Summary) || len(a.Earlier) != MaxQuotedComments {
				t.Errorf("summary of %d bytes (max %d), valid UTF-8 %v, %d quoted", len(a.Summary), MaxSummaryBytes, utf8.ValidString(a.Summary), len(a.Earlier))
			}
			for _, q := range a.Earlier {
				if utf8.RuneCountInString(q) > MaxQuotedRunes {
					t.Errorf("a quote of %d runes", utf8.RuneCountInString(q))
				}
			}
			if md := weComMarkdown(got, false); len(md) > WeComMaxContentBytes {
				t.Errorf("one alert's markdown is %d bytes, over the robot's %d", len(md), WeComMaxContentBytes)
			}
		})
	}
}

// Through the Alerter: the review's flood (300 comments saying 回复慢 and 听不懂) is two
// alerts and two log lines, then one grouped alert per group when the cooldown ends; every
// comment is counted.
func TestAlerterCommentFlood(t *testing.T) {
	hook := newReceiver(t)
	var mu sync.Mutex
	var logged strings.Builder
	clock := clockwork.NewFakeClockAt(t0)
	a, err := New(Config{GroupWait: -1, Clock: clock, Metrics: metrics.NewSet(),
		Logger:  slog.New(slog.NewTextHandler(lockedWriter{&mu, &logged}, nil)),
		Targets: []Target{{Name: "hook", Type: TypeWebhook, URL: hook.URL}}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close(context.Background())
	received := func(n int) []WebhookAlert {
		var got []WebhookAlert
		for len(got) < n {
			got = append(got, hook.next(t).Alerts...)
		}
		return got
	}
	lines := func(msg string) int {
		mu.Lock()
		defer mu.Unlock()
		return strings.Count(logged.String(), "msg=\""+msg+"\"")
	}
	for i := range 300 {
		a.Observe(Event{Kind: KindFeedback, Comment: "回复慢 听不懂", MsgID: fmt.Sprintf("flood-%d", i)})
	}
	flush(t, a)
	if got := received(2); len(got) != 2 || got[0].Count != 1 || got[1].Count != 1 {
		t.Fatalf("at once: %+v, want one alert per group", got)
	}
	if n := lines("alert firing"); n != 2 {
		t.Errorf("%d firing lines for 300 comments, want 2", n)
	}
	if n := lines("alert held back by cooldown"); n != 0 {
		t.Errorf("%d lines for the comments held back, want none", n)
	}
	if n := counter(a, `zhiyi_alert_suppressed_total{rule="comment_keywords"}`); n != 598 {
		t.Errorf("suppressed_total = %d, want 598", n)
	}
	hook.none(t)

	clock.Advance(DefaultCommentCooldown)
	flush(t, a)
	got := received(2)
	if len(got) != 2 || got[0].Count != 299 || got[1].Count != 299 || !strings.Contains(got[0].Summary, "另有 298 条同类评价") ||
		len(got[0].Earlier) != MaxQuotedComments {
		t.Fatalf("when the cooldown ends: %+v, want one alert per group counting 299", got)
	}
	if n := lines("alert firing"); n != 4 {
		t.Errorf("%d firing lines, want 4", n)
	}
	for _, cat := range []string{"staffing", "model"} {
		if n := counter(a, `zhiyi_alert_comments_total{rule="comment_keywords",category="`+cat+`"}`); n != 300 {
			t.Errorf("comments_total{%s} = %d, want 300", cat, n)
		}
	}
	// What is held when the Alerter closes goes out then.
	a.Observe(Event{Kind: KindFeedback, Comment: "回复慢", MsgID: "last"})
	flush(t, a)
	hook.none(t)
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	if err := a.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if got := received(1); got[0].Count != 1 || got[0].Category != "staffing" || got[0].Comment != "回复慢" {
		t.Fatalf("at Close: %+v", got)
	}
}
