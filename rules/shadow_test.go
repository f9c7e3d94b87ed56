package rules

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// The rules the cases below put under an any: true rule, as the shop writes them.
const (
	humanRequest = `  - id: human_request
    match:
      text: {exact: [人工, 转人工, 人工客服]}
    action: {intent: human_agent}
`
	kfInvoice = `  - id: kf_invoice
    match:
      text: {contains: [发票, 开票, 专票]}
    scope: {channels: [kf]}
    action: {answer: 确认收货后把公司名称和税号发给我们，5 个工作日内开具～}
`
	wecomInvoice = `  - id: wecom_invoice
    match:
      text: {contains: [发票, 开票]}
    scope: {channels: [wecom]}
    action: {answer: 订单详情里可以申请开票哦～}
`
	afterHoursHuman = `  - id: after_hours_human
    match:
      text: {contains: [人工, 客服, 真人]}
    hours:
      times: ["09:00-23:00"]
      outside: true
    action: {answer: 人工客服每天 9:00–23:00 在线，您先留言，上线后第一时间回复～}
`
)

// anyRule is an any: true rule with the given id and extra lines (priority, scope, hours …).
func anyRule(id, extra string) string {
	return "  - id: " + id + "\n    match: {any: true}\n" + extra + "    action: {handoff: normal, answer: 已为您转接人工客服}\n"
}

// kwRule and exactRule are rules with text contains (exact) keywords, written as a YAML list.
func kwRule(id, keys, extra string) string {
	return "  - id: " + id + "\n    match: {text: {contains: " + keys + "}}\n" + extra + "    action: {answer: 好的}\n"
}

func exactRule(id, keys, extra string) string {
	return "  - id: " + id + "\n    match: {text: {exact: " + keys + "}}\n" + extra + "    action: {answer: 好的}\n"
}

func TestShadowed(t *testing.T) {
	const afterHours = "    hours:\n      times: [\"09:00-23:00\"]\n      outside: true\n"
	tests := []struct {
		name  string
		rules []string
		want  []string // each a line of the error; none: the file loads
	}{
		// reported
		{"any above everything", []string{anyRule("closed", "    priority: 10\n"), humanRequest, kfInvoice},
			[]string{
				`rules.yaml:7: rule "human_request": never applies: rule "closed" (line 3, priority 10) comes first and matches every message this rule could: any: true, at all hours, with no scope; give this rule a priority above 10, or narrow or disable that rule`,
				`rules.yaml:11: rule "kf_invoice": never applies: rule "closed" (line 3`,
			}},
		{"same priority, any first in the file", []string{anyRule("closed", ""), humanRequest},
			[]string{`rules.yaml:6: rule "human_request": never applies: rule "closed" (line 3, priority 0)`}},
		{"below in the file, above by priority", []string{humanRequest, anyRule("closed", "    priority: 1\n")},
			[]string{`rules.yaml:3: rule "human_request": never applies: rule "closed" (line 7, priority 1)`}},
		{"channels that take in the rule's", []string{anyRule("kf_wecom", "    scope: {channels: [wecom, kf]}\n"), kfInvoice},
			[]string{`rules.yaml:7: rule "kf_invoice": never applies: rule "kf_wecom" (line 3, priority 0) comes first and matches every message this rule could: any: true, at all hours, in a scope that takes in this rule's`}},
		{"the very same hours", []string{anyRule("closed_at_night", afterHours), afterHoursHuman},
			[]string{`rules.yaml:9: rule "after_hours_human": never applies: rule "closed_at_night" (line 3, priority 0) comes first and matches every message this rule could: any: true, in the same hours, with no scope`}},
		{"an any: true rule below", []string{anyRule("closed", ""), anyRule("closed_kf", "    scope: {channels: [kf]}\n")},
			[]string{`rules.yaml:6: rule "closed_kf": never applies: rule "closed" (line 3`}},
		{"excluded senders the rule never takes", []string{anyRule("not_boss", "    scope: {exclude_senders: [wmBoss]}\n"),
			anyRule("team", "    scope: {senders: [wmAlice, wmBob]}\n"),
			anyRule("no_boss_no_bot", "    scope: {exclude_senders: [wmBot, wmBoss]}\n")},
			[]string{`rules.yaml:7: rule "team": never applies: rule "not_boss" (line 3`, `rules.yaml:11: rule "no_boss_no_bot": never applies: rule "not_boss" (line 3`}},
		{"senders less their exclusions", []string{anyRule("alice", "    scope: {senders: [wmAlice]}\n"),
			anyRule("alice_not_bob", "    scope: {senders: [wmAlice, wmBob], exclude_senders: [wmBob]}\n")},
			[]string{`rules.yaml:7: rule "alice_not_bob": never applies: rule "alice" (line 3`}},
		{"tags and departments", []string{anyRule("vip_or_old", "    scope: {tags: [VIP, 老客], departments: [\"2\", \"7\"]}\n"),
			anyRule("vip_dept2", "    scope: {tags: [VIP], departments: [\"2\"], agents: [zhangsan]}\n")},
			[]string{`rules.yaml:7: rule "vip_dept2": never applies: rule "vip_or_old" (line 3`}},
		{"the first of two that cover it is named", []string{anyRule("first", "    priority: 5\n"), anyRule("second", "    priority: 5\n"), humanRequest},
			[]string{`rules.yaml:7: rule "second": never applies: rule "first" (line 3`, `rules.yaml:11: rule "human_request": never applies: rule "first" (line 3`}},
		// keywords above: each of the rule's keywords holds one of the upper rule's (人工 is in 人工,
		// 转人工 and 人工客服), so every message it matches was taken already
		{"keywords above", []string{strings.Replace(strings.Replace(afterHoursHuman, "after_hours_human", "human_word", 1), afterHours, "", 1), humanRequest},
			[]string{`rules.yaml:7: rule "human_request": never applies: rule "human_word" (line 3, priority 0) comes first and matches every message this rule could: each of this rule's keywords holds one of its text keywords, 人工, at all hours, with no scope`}},
		{"a longer contains keyword below", []string{kwRule("refund", "[退款]", ""), kwRule("refund_progress", "[退款进度, 退款到哪了]", "")},
			[]string{`rules.yaml:6: rule "refund_progress": never applies: rule "refund" (line 3`}},
		{"the same exact keyword", []string{exactRule("hello", "[在吗, 你好]", ""), exactRule("hello_again", "[在吗]", "")},
			[]string{`rules.yaml:6: rule "hello_again": never applies: rule "hello" (line 3, priority 0) comes first and matches every message this rule could: each of this rule's keywords holds one of its text keywords, 在吗`}},
		// a holiday file: the closure's 人工 ranked above a complaint rule with the same dates
		{"keywords above in the same dates", []string{kwRule("closed", "[人工, 客服, 投诉]", "    hours: {dates: [2027-02-05..2027-02-08]}\n"),
			kwRule("closed_complaint", "[投诉, 12315]", "    hours: {dates: [2027-02-05..2027-02-08]}\n")}, nil},
		{"keywords above, one keyword of the rule not held", []string{kwRule("refund", "[退款]", ""), kwRule("refund_or_return", "[退款进度, 退货]", "")}, nil},
		{"keywords above with other hours", []string{kwRule("human", "[人工]", "    hours: {times: [\"09:00-23:00\"]}\n"), kwRule("human_kf", "[转人工]", "")}, nil},
		{"keywords above, the rule's terms keywords not compared", []string{kwRule("refund", "[退款]", ""),
			"  - id: refund_terms\n    match: {terms: {contains: [退款]}}\n    action: {answer: 好的}\n"}, nil},
		{"an exact keyword above, a contains keyword below", []string{exactRule("hello", "[在吗]", ""), kwRule("hello_any", "[在吗]", "")}, nil},

		// not reported
		{"any with hours, the rule without", []string{anyRule("closed_at_night", afterHours), humanRequest}, nil},
		{"any with other hours (a wider window is still not compared)", []string{
			anyRule("closed_at_ten", "    hours:\n      times: [\"09:00-22:00\"]\n      outside: true\n"), afterHoursHuman}, nil},
		{"any with hours in another time zone", []string{
			anyRule("closed_hk", "    hours:\n      tz: Asia/Hong_Kong\n      times: [\"09:00-23:00\"]\n      outside: true\n"), afterHoursHuman}, nil},
		{"any on kf, the rule on wecom", []string{anyRule("kf_only", "    scope: {channels: [kf]}\n"), wecomInvoice}, nil},
		{"any on kf, the rule anywhere", []string{anyRule("kf_only", "    scope: {channels: [kf]}\n"), humanRequest}, nil},
		// every channel listed is not no channel: a request without one reaches the rule below
		{"any on every channel, the rule on none", []string{anyRule("all_channels", "    scope: {channels: [wecom, kf, mp]}\n"), humanRequest}, nil},
		{"any disabled", []string{anyRule("closed", "    enabled: false\n    priority: 10\n"), humanRequest}, nil},
		{"the rule disabled", []string{anyRule("closed", "    priority: 10\n"), strings.Replace(humanRequest, "    match:", "    enabled: false\n    match:", 1)}, nil},
		{"the rule has the higher priority", []string{anyRule("closed", ""), strings.Replace(humanRequest, "    match:", "    priority: 1\n    match:", 1)}, nil},
		{"same priority, the rule first in the file", []string{humanRequest, anyRule("closed", "")}, nil},
		{"any excluding a sender the rule may take", []string{anyRule("not_boss", "    scope: {exclude_senders: [wmBoss]}\n"), humanRequest}, nil},
		{"any excluding one of the rule's senders", []string{anyRule("not_boss", "    scope: {exclude_senders: [wmBoss]}\n"),
			anyRule("boss_and_alice", "    scope: {senders: [wmAlice, wmBoss]}\n")}, nil},
		{"any for some senders, the rule for all", []string{anyRule("alice", "    scope: {senders: [wmAlice]}\n"), humanRequest}, nil},
		{"any for a department, the rule for an agent", []string{anyRule("dept2", "    scope: {departments: [\"2\"]}\n"),
			anyRule("zhangsan", "    scope: {agents: [zhangsan]}\n")}, nil},
		{"any for fewer tags", []string{anyRule("vip", "    scope: {tags: [VIP]}\n"), anyRule("vip_or_new", "    scope: {tags: [VIP, 新客]}\n")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "version: 1\nrules:\n" + strings.Join(tt.rules, "")
			s, err := Parse([]byte(src), "rules.yaml", Options{Intents: knownIntents})
			if err != nil {
				t.Fatalf("refused: %v", err) // a dead rule is a warning: the file loads
			}
			got := s.Warnings()
			if len(got) != len(tt.want) {
				t.Fatalf("%d warnings, want %d:\n%q\nin\n%s", len(got), len(tt.want), got, src)
			}
			for i, w := range tt.want {
				if !strings.HasPrefix(got[i], w) {
					t.Errorf("problem %d:\n%s\nwant it to start\n%s", i+1, got[i], w)
				}
			}
		})
	}
}

// TestShadowedInLineOrder: a dead rule is a warning, not a problem that refuses the file; the
// warnings come in line order, and a file with problems of its own is refused for them alone.
func TestShadowedInLineOrder(t *testing.T) {
	src := "version: 1\nrules:\n" +
		anyRule("bad_tz", "    priority: 20\n    hours: {tz: Asia/Beijing, times: [\"09:00-18:00\"]}\n") + // line 3
		anyRule("closed", "    priority: 10\n") + // line 8
		humanRequest + // line 12: dead
		strings.Replace(kfInvoice, "channels: [kf]", "channels: [qq]", 1) // line 16, its own problem
	_, err := Parse([]byte(src), "rules.yaml", Options{Intents: knownIntents})
	if err == nil {
		t.Fatal("loaded")
	}
	got := strings.Split(err.Error(), "\n")
	want := []string{
		`rules.yaml:6: rule "bad_tz": hours.tz: unknown time zone`,
		`rules.yaml:19: rule "kf_invoice": scope.channels: unknown channel "qq"`,
	}
	if len(got) != len(want) {
		t.Fatalf("%d problems, want %d:\n%v", len(got), len(want), err)
	}
	for i, w := range want {
		if !strings.HasPrefix(got[i], w) {
			t.Errorf("problem %d:\n%s\nwant it to start\n%s", i+1, got[i], w)
		}
	}
	// Fixed, the file loads and says which rules are dead, in line order.
	src = "version: 1\nrules:\n" + humanRequest + anyRule("closed", "    priority: 10\n") + strings.Replace(humanRequest, "human_request", "human_request2", 1)
	s, err := Parse([]byte(src), "rules.yaml", Options{Intents: knownIntents})
	if err != nil {
		t.Fatal(err)
	}
	want = []string{
		`rules.yaml:3: rule "human_request": never applies: rule "closed" (line 7, priority 10)`,
		`rules.yaml:11: rule "human_request2": never applies: rule "closed" (line 7, priority 10)`,
	}
	if got := s.Warnings(); len(got) != len(want) || !strings.HasPrefix(got[0], want[0]) || !strings.HasPrefix(got[1], want[1]) {
		t.Errorf("warnings %q, want them to start %q", got, want)
	}
}

// TestCoversIsSound holds covers to the rules themselves: for random pairs of an any: true rule
// and a rule below it, and random messages, whenever covers says the upper takes every message
// of the lower, no message reaches the lower without the upper applying too. Pairs it does not
// report must be allowed to differ somewhere, or the check would find nothing; the count of
// reported pairs shows it finds some.
func TestCoversIsSound(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 14))
	pools := map[string][]string{
		"channels":        {"wecom", "kf", "mp"},
		"open_kfids":      {"wkA", "wkB"},
		"agents":          {"zhangsan", "lisi"},
		"departments":     {"2", "7"},
		"tags":            {"VIP", "新客"},
		"senders":         {"wmAlice", "wmBob", "wmBoss"},
		"exclude_senders": {"wmAlice", "wmBob", "wmBoss"},
	}
	fields := []string{"channels", "open_kfids", "agents", "departments", "tags", "senders", "exclude_senders"}
	windows := []string{"", "    hours:\n      times: [\"09:00-23:00\"]\n      outside: true\n", "    hours:\n      weekdays: [sat-sun]\n"}
	scopeText := func() string {
		var b strings.Builder
		for _, f := range fields {
			if rng.IntN(3) > 0 {
				continue
			}
			var vals []string
			for _, v := range pools[f] {
				if rng.IntN(2) == 0 {
					vals = append(vals, v)
				}
			}
			if len(vals) > 0 {
				fmt.Fprintf(&b, "      %s: [%s]\n", f, strings.Join(vals, ", "))
			}
		}
		if b.Len() == 0 {
			return ""
		}
		return "    scope:\n" + b.String()
	}
	one := func(src string) *Rule {
		s, err := Parse([]byte("version: 1\nrules:\n"+src), "rules.yaml", Options{})
		if err != nil {
			return nil // senders all excluded: refused on its own
		}
		return s.Rules()[0]
	}
	pick := func(f string) string {
		if list := pools[f]; rng.IntN(len(list)+1) < len(list) {
			return list[rng.IntN(len(list))]
		}
		return "" // the request lacks the field
	}
	week := time.Date(2026, 11, 9, 0, 0, 0, 0, time.FixedZone("CST", 8*3600)).UnixMilli()
	covered := 0
	for range 3000 {
		hi := one(anyRule("hi", scopeText()+windows[rng.IntN(len(windows))]))
		lo := one(anyRule("lo", scopeText()+windows[rng.IntN(len(windows))]))
		if hi == nil || lo == nil || !hi.covers(lo) {
			continue
		}
		covered++
		for range 200 {
			in := Input{Channel: pick("channels"), OpenKfID: pick("open_kfids"), AgentID: pick("agents"),
				SenderID: pick("senders"), SentAt: week + rng.Int64N(7*24*3600*1000)}
			for _, f := range []string{"departments", "tags"} {
				if v := pick(f); v != "" {
					if f == "tags" {
						in.Tags = append(in.Tags, v)
					} else {
						in.DeptIDs = append(in.DeptIDs, v)
					}
				}
			}
			c := clock{sentAt: in.SentAt}
			if lo.applies(&in, &c) && !hi.applies(&in, &c) {
				t.Fatalf("covers, yet %+v reaches lo and not hi:\nhi %+v\nlo %+v", in, hi.scope, lo.scope)
			}
		}
	}
	if covered < 50 {
		t.Errorf("covers held for %d of 3000 pairs: the check hardly reports", covered)
	}
}

// TestKeywordCoverIsSound holds coveringKeywords to the matcher: for random pairs of keyword
// rules over a few overlapping words and random messages made of them, whenever the upper is
// said to take in the lower, no message matches the lower without matching the upper.
func TestKeywordCoverIsSound(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 12))
	words := []string{"人工", "转人工", "人工客服", "客服", "在吗", "投诉", "我要投诉", "退款", "退款进度"}
	keys := func() string {
		var picked []string
		for range 1 + rng.IntN(3) {
			picked = append(picked, words[rng.IntN(len(words))])
		}
		kind := "contains"
		if rng.IntN(3) == 0 {
			kind = "exact"
		}
		return "{text: {" + kind + ": [" + strings.Join(picked, ", ") + "]}}"
	}
	one := func(id string) *Rule {
		s, err := Parse([]byte("version: 1\nrules:\n  - id: "+id+"\n    match: "+keys()+"\n    action: {answer: 好的}\n"), "rules.yaml", Options{})
		if err != nil {
			t.Fatal(err)
		}
		return s.Rules()[0]
	}
	covered := 0
	for range 3000 {
		hi, lo := one("hi"), one("lo")
		if !hi.covers(lo) {
			continue
		}
		covered++
		for range 100 {
			var msg string
			for range 1 + rng.IntN(3) {
				msg += words[rng.IntN(len(words))]
			}
			if lo.match.matches(msg, msg, "") && !hi.match.matches(msg, msg, "") {
				t.Fatalf("covers, yet %q matches lo and not hi:\nhi %+v\nlo %+v", msg, hi.match, lo.match)
			}
		}
	}
	if covered < 50 {
		t.Errorf("covers held for %d of 3000 pairs: the check hardly reports", covered)
	}
}
