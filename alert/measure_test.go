package alert

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/nlp"
)

func TestCommentKeywords(t *testing.T) {
	rules := DefaultRules()
	for i := range rules {
		if rules[i].Measure == MeasureCommentKeywords {
			rules[i].Cooldown = -1 // the words matched, not the grouping (comment_test.go)
		}
	}
	ev := mustEvaluator(t, rules...)
	fb := func(rating int, comment string) []Alert { // the comment alerts only (bad_ratings may fire too)
		var out []Alert
		for _, a := range ev.Observe(nil, Event{Kind: KindFeedback, Time: t0, Rating: rating, Comment: comment}) {
			if a.Measure == MeasureCommentKeywords {
				out = append(out, a)
			}
		}
		return out
	}
	got := fb(1, "客服回复慢")
	if len(got) != 1 {
		t.Fatalf("回复慢: %d alerts, want 1: %+v", len(got), got)
	}
	a := got[0]
	if a.Rule != "comment_keywords" || a.Category != "staffing" || a.CategoryLabel != "人手不足" || a.Keyword != "回复慢" || a.Rating != 1 || a.State != StateFiring {
		t.Fatalf("alert = %+v", a)
	}
	if got := fb(2, "完全听不懂我在说什么"); len(got) != 1 || got[0].Category != "model" || got[0].CategoryLabel != "模型需要改进" {
		t.Fatalf("听不懂: %+v", got)
	}
	if got := fb(0, "等太久了，机器人也答非所问"); len(got) != 2 || got[0].Category != "staffing" || got[1].Category != "model" {
		t.Fatalf("both groups: %+v", got)
	}
	if got := fb(5, "很好，谢谢"); len(got) != 0 {
		t.Fatalf("a kind comment fired: %+v", got)
	}
	// five or four stars are praise, whatever the words: a comment is read up to max_rating 3
	for _, r := range []int{4, 5} {
		if got := fb(r, "机器人回答得很好，点赞"); len(got) != 0 {
			t.Fatalf("a %d-star comment fired: %+v", r, got)
		}
	}
	for _, c := range []string{"回复很慢", "回得太慢了", "等了半天没人"} {
		if got := fb(3, c); len(got) != 1 || got[0].Category != "staffing" {
			t.Errorf("%s: %+v, want one staffing alert", c, got)
		}
	}
	// A Hong Kong or Taiwan customer's comment in traditional script, and a shop's words so
	// written, match as the simplified do; the comment is sent as typed.
	for _, c := range []struct{ comment, category string }{
		{"完全聽不懂我在說什麼", "model"}, {"答非所問", "model"}, {"回覆太慢了", "staffing"}, {"等太久，沒人理", "staffing"},
	} {
		if got := fb(2, c.comment); len(got) != 1 || got[0].Category != c.category || got[0].Comment != nlp.Normalize(c.comment) {
			t.Errorf("%s: %+v, want one %s alert with the comment as typed", c.comment, got, c.category)
		}
	}
	own := mustEvaluator(t, Rule{ID: "words", Measure: MeasureCommentKeywords, Cooldown: -1, MaxRating: 3,
		Keywords: []KeywordGroup{{Category: "slow", Label: "慢", Words: []string{"回覆好慢", "冇人理"}}}})
	for _, c := range []string{"回覆好慢", "冇人理我"} {
		if got := own.Observe(nil, Event{Kind: KindFeedback, Time: t0, Rating: 1, Comment: c}); len(got) != 1 {
			t.Errorf("a shop's own word in traditional script, %s: %+v", c, got)
		}
	}
	// The comment is masked again: a phone number never reaches an operator.
	got = fb(1, "回复慢，打我电话13812345678")
	if len(got) != 1 || strings.Contains(got[0].Comment, "13812345678") || !strings.Contains(got[0].Comment, "<PHONE>") {
		t.Fatalf("comment not masked: %+v", got)
	}
	// Comment rules never resolve.
	for _, a := range ev.Tick(nil, t0.Add(24*time.Hour)) {
		if a.Measure == MeasureCommentKeywords {
			t.Fatalf("tick: %+v", a)
		}
	}
}

// omit_comment keeps what the customer wrote out of the alert; the keyword and category stay.
func TestCommentOmitted(t *testing.T) {
	ev := mustEvaluator(t, Rule{ID: "c", Measure: MeasureCommentKeywords, OmitComment: true})
	got := ev.Observe(nil, Event{Kind: KindFeedback, Time: t0, Rating: 1, Comment: "回复慢，寄到文一西路1888号张三收"})
	if len(got) != 1 || got[0].Keyword != "回复慢" || got[0].Comment != "" || strings.Contains(got[0].Summary, "文一西路") {
		t.Fatalf("alerts %+v: want one, keyword 回复慢, no comment", got)
	}
	if _, err := ParseFile("a.yaml", []byte("rules:\n  - {id: u, measure: unrecognised, omit_comment: true}\n")); err == nil ||
		!strings.Contains(err.Error(), "a.yaml:2: rule u: omit_comment: only comment_keywords") {
		t.Errorf("omit_comment on another measure: %v", err)
	}
}

func TestCommentCooldownPerGroup(t *testing.T) {
	ev := mustEvaluator(t, Rule{ID: "c", Measure: MeasureCommentKeywords, Cooldown: time.Hour})
	fb := func(at time.Duration, comment string) int {
		return len(ev.Observe(nil, Event{Kind: KindFeedback, Time: t0.Add(at), Comment: comment}))
	}
	if fb(0, "回复慢") != 1 || fb(time.Minute, "没人理") != 0 || fb(2*time.Minute, "听不懂") != 1 || fb(61*time.Minute, "等太久") != 1 {
		t.Fatal("cooldown should hold back repeats of the same group only, for an hour")
	}
}

func TestShareAndMinCount(t *testing.T) {
	ev := mustEvaluator(t, Rule{ID: "h", Measure: MeasureHandoffShare})
	var out []Alert
	for i := range 29 {
		out = ev.Observe(out, decisionAt(t0.Add(time.Duration(i)*time.Second), RouteHandoff, time.Millisecond))
	}
	if len(out) != 0 {
		t.Fatalf("29 messages (below min_count 30) fired: %+v", out)
	}
	out = ev.Observe(out, decisionAt(t0.Add(30*time.Second), "auto", time.Millisecond))
	if len(out) != 1 || out[0].Num != 29 || out[0].Count != 30 {
		t.Fatalf("30 messages, 29 handed off: %+v", out)
	}
	if want := "10分钟内转人工占 96.7%（29/30 条消息，阈值 50%）"; out[0].Summary != want {
		t.Fatalf("summary %q, want %q", out[0].Summary, want)
	}
	// Hysteresis: 29 of 59 (49 %) is under 50 % but not clearly (its upper bound is 64 %), so
	// the rule keeps firing; 29 of 73 (39.7 %) is under 0.8 × 50 % and resolves.
	for i := range 50 {
		out = ev.Observe(out[:0], decisionAt(t0.Add(time.Minute+time.Duration(i)*time.Second), "auto", time.Millisecond))
		if len(out) > 0 {
			break
		}
	}
	if len(out) != 1 || out[0].State != StateResolved || out[0].Count != 73 {
		t.Fatalf("want resolved at 29/73: %+v", out)
	}
}

func TestBadRatings(t *testing.T) {
	ev := mustEvaluator(t, Rule{ID: "b", Measure: MeasureBadRatings})
	rate := func(at time.Duration, r int) []Alert {
		return ev.Observe(nil, Event{Kind: KindFeedback, Time: t0.Add(at), Rating: r})
	}
	if len(rate(0, 1))+len(rate(time.Minute, 3))+len(rate(2*time.Minute, 0))+len(rate(3*time.Minute, 2)) != 0 {
		t.Fatal("fired before the third bad rating")
	}
	got := rate(29*time.Minute, 2)
	if len(got) != 1 || got[0].Num != 3 {
		t.Fatalf("third bad rating in 30 minutes: %+v", got)
	}
}

// Feedback posted again for one message counts once: three posts of the same bad rating are
// one bad rating, the same comment again fires nothing; a changed rating or a new comment counts.
func TestRepeatedFeedbackCountsOnce(t *testing.T) {
	ev := mustEvaluator(t, Rule{ID: "b", Measure: MeasureBadRatings, Threshold: 2},
		Rule{ID: "k", Measure: MeasureCommentKeywords})
	post := func(at time.Duration, msg string, r int, comment string) []Alert {
		return ev.Observe(nil, Event{Kind: KindFeedback, Time: t0.Add(at), MsgID: msg, Rating: r, Comment: comment})
	}
	if got := post(0, "m1", 1, "回复太慢了"); len(got) != 1 || got[0].Rule != "k" {
		t.Fatalf("first post: %+v, want the comment's alert", got)
	}
	for i := 1; i <= 2; i++ {
		if got := post(time.Duration(i)*time.Minute, "m1", 1, "回复太慢了"); len(got) != 0 {
			t.Fatalf("post %d of the same feedback: %+v", i+1, got)
		}
	}
	if got := post(4*time.Minute, "m2", 2, ""); len(got) != 1 || got[0].Rule != "b" || got[0].Num != 2 {
		t.Fatalf("a second message's bad rating: %+v, want 2 bad ratings", got)
	}
	if got := post(5*time.Minute, "m1", 0, "还是听不懂"); len(got) != 1 || got[0].Rule != "k" {
		t.Errorf("a new comment on m1: %+v, want its alert", got)
	}
	// A bad rating changed to another bad one is still one bad rating; changed to good and back
	// to bad, it counts again.
	evc := mustEvaluator(t, Rule{ID: "b", Measure: MeasureBadRatings, Threshold: 2})
	postc := func(at time.Duration, msg string, r int) []Alert {
		return evc.Observe(nil, Event{Kind: KindFeedback, Time: t0.Add(at), MsgID: msg, Rating: r})
	}
	postc(0, "c1", 1)
	if got := postc(time.Minute, "c1", 2); len(got) != 0 {
		t.Errorf("a bad rating changed 1 → 2: %+v, want still one bad rating", got)
	}
	postc(2*time.Minute, "c1", 5)
	if got := postc(3*time.Minute, "c1", 1); len(got) != 1 || got[0].Num != 2 {
		t.Errorf("bad, good, then bad again: %+v, want 2 bad ratings", got)
	}
	// Without a msg_id every post counts, as before.
	ev2 := mustEvaluator(t, Rule{ID: "b", Measure: MeasureBadRatings, Threshold: 2})
	ev2.Observe(nil, Event{Kind: KindFeedback, Time: t0, Rating: 1})
	if got := ev2.Observe(nil, Event{Kind: KindFeedback, Time: t0, Rating: 1}); len(got) != 1 {
		t.Errorf("two anonymous bad ratings: %+v", got)
	}
}

// What the evaluator remembers of feedback to tell a post again from a new one is small per
// message: POST /feedback needs no token, and with each message's comment kept whole, maxRated
// messages with 2 KB comments held 137 MB until the map was cleared.
func TestRepeatedFeedbackMemory(t *testing.T) {
	ev := mustEvaluator(t, Rule{ID: "b", Measure: MeasureBadRatings, Threshold: 1 << 30})
	comment := strings.Repeat("回复慢等太久了", 97) // 2037 bytes
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range maxRated - 1 {
		c := fmt.Sprintf("%05d", i) + comment[5:] // a comment of its own, as an attacker sends
		ev.Observe(nil, Event{Kind: KindFeedback, Time: t0, MsgID: fmt.Sprintf("m-%08d", i), Rating: 5, Comment: c})
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(ev)
	// 9 MB with the comments hashed (message ids, entries, the map); 137 MB with them kept
	if held := int64(after.HeapAlloc) - int64(before.HeapAlloc); held > 32<<20 {
		t.Errorf("%d messages' feedback remembered in %d MB, want a few: the comments are kept", maxRated-1, held>>20)
	}
}

// An error share fires when it is clearly over 1 %: over 100 requests, 3 errors (3 %) might
// still be a 1 % rate's bad luck (Wilson lower bound 0.86 %), 4 are not (1.33 %).
// The error rate fires on the share as it stands: every 5xx is a message that got no answer.
func TestErrorRate(t *testing.T) {
	ev := mustEvaluator(t, Rule{ID: "e", Measure: MeasureErrorRate})
	var out []Alert
	for i := range 99 {
		out = ev.Observe(out, decisionAt(t0.Add(time.Duration(i)*time.Second), "auto", time.Millisecond))
	}
	out = ev.Observe(out, Event{Kind: KindServerError, Time: t0.Add(100 * time.Second), Status: 500})
	if len(out) != 1 || out[0].Num != 1 || out[0].Count != 100 || out[0].Value != 0.01 {
		t.Fatalf("1 error in 100 requests (1 %%): %+v", out)
	}
	if out[0].Severity != SeverityWarning {
		t.Errorf("severity %s: a rule built in Go without one is a warning", out[0].Severity)
	}
}

func TestP99Latency(t *testing.T) {
	ev := mustEvaluator(t, Rule{ID: "p", Measure: MeasureP99Latency})
	var out []Alert
	for i := range 99 {
		out = ev.Observe(out, decisionAt(t0.Add(time.Duration(i)*time.Second), "auto", time.Millisecond))
	}
	out = ev.Observe(out, decisionAt(t0.Add(100*time.Second), "auto", 80*time.Millisecond))
	if len(out) != 0 {
		t.Fatalf("one slow message in 100 (p99 = 1ms) fired: %+v", out)
	}
	out = ev.Observe(out, decisionAt(t0.Add(101*time.Second), "auto", 80*time.Millisecond))
	if len(out) != 1 {
		t.Fatalf("two slow messages in 101 (p99 = 80ms): %+v", out)
	}
	if v := out[0].Value; v < 0.080 || v > 0.096 {
		t.Fatalf("p99 shown as %vs, want ≈ 0.08", v)
	}
	if !strings.Contains(out[0].Summary, "阈值 50ms") {
		t.Fatalf("summary %q", out[0].Summary)
	}
}

func TestSpool(t *testing.T) {
	ev := mustEvaluator(t, Rule{ID: "s", Measure: MeasureSpool})
	spool := func(n int64) []Alert { return ev.Observe(nil, Event{Kind: KindSpool, Time: t0, Spool: n}) }
	if len(spool(9999)) != 0 {
		t.Fatal("9999 records fired")
	}
	if got := spool(10000); len(got) != 1 || got[0].Summary != "决策日志积压 10000 条（阈值 10000 条）" {
		t.Fatalf("10000 records: %+v", got)
	}
	if got := spool(12); len(got) != 1 || got[0].State != StateResolved {
		t.Fatalf("drained: %+v", got)
	}
}

// A firing share is not resolved by traffic thinning out below min_count while the share stays
// over the threshold; it resolves when the share falls, or when the window empties.
func TestShareNotResolvedByThinTraffic(t *testing.T) {
	ev := mustEvaluator(t, Rule{ID: "h", Measure: MeasureHandoffShare})
	var out []Alert
	for i := range 30 { // 30 handoffs in the first 30 s
		out = ev.Observe(out, decisionAt(t0.Add(time.Duration(i)*time.Second), RouteHandoff, time.Millisecond))
	}
	if len(out) != 1 || out[0].State != StateFiring {
		t.Fatalf("30 of 30 handed off: %+v", out)
	}
	// 9 min 50 s later the first 10 have left the window: 20 messages, all handed off
	if got := ev.Tick(nil, t0.Add(10*time.Minute+9*time.Second)); len(got) != 0 {
		t.Fatalf("20 of 20 handed off, below min_count: %+v, want still firing", got)
	}
	got := ev.Tick(nil, t0.Add(20*time.Minute))
	if len(got) != 1 || got[0].State != StateResolved {
		t.Fatalf("window empty: %+v, want resolved", got)
	}
}

// A small shop's total outage: every request a 5xx, four a minute, never the 100 requests in
// five minutes error_rate's min_count asks. Ten failures in the window fire it all the same;
// fewer do not.
func TestErrorRateFiresOnFailuresAlone(t *testing.T) {
	for _, tc := range []struct {
		every time.Duration // one 5xx this often
		fire  bool
	}{
		{15 * time.Second, true},  // 20 in the 5-minute window
		{35 * time.Second, false}, // 8 or 9
	} {
		ev, err := NewEvaluator(DefaultRules())
		if err != nil {
			t.Fatal(err)
		}
		var got []Alert
		for i := range 40 {
			now := t0.Add(time.Duration(i) * tc.every)
			got = ev.Observe(got, Event{Kind: KindServerError, Status: 500, Time: now})
			got = ev.Tick(got, now)
		}
		fired := slices.ContainsFunc(got, func(a Alert) bool { return a.Measure == MeasureErrorRate })
		if fired != tc.fire {
			t.Errorf("a 5xx every %v: error_rate fired %v, want %v (%d alerts)", tc.every, fired, tc.fire, len(got))
		}
	}
}
