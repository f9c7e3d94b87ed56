package rules

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/shoptest"
)

// matchNaive is Match without the index: every enabled rule in order. Tests hold the index to
// it; the benchmark measures it as the baseline.
func (s *Set) matchNaive(in *Input) *Rule {
	var terms string
	if len(in.Terms) > 0 {
		terms = string(joinTerms(nil, in.Terms))
	}
	c := clock{sentAt: in.SentAt, now: s.now}
	for _, r := range s.byRank {
		if r.match.matches(in.Text, joinSpacesString(in.Text), terms) && r.applies(in, &c) {
			return r
		}
	}
	return nil
}

func mustParse(tb testing.TB, src string, opt Options) *Set {
	tb.Helper()
	s, err := Parse([]byte(src), "rules.yaml", opt)
	if err != nil {
		tb.Fatalf("Parse:\n%s\n%v", src, err)
	}
	return s
}

// matchID analyses text with the shop's analyzer and returns the id of the matching rule, "" for
// none.
func matchID(tb testing.TB, s *Set, text string, in Input) string {
	tb.Helper()
	an := analyzer(tb).Analyze(text)
	in.Text, in.Terms = an.Text, an.Terms
	r := s.Match(&in)
	if naive := s.matchNaive(&in); naive != r {
		tb.Errorf("%q: Match = %v, a scan of every rule = %v", text, r, naive)
	}
	if r == nil {
		return ""
	}
	return r.ID
}

func TestMatchKinds(t *testing.T) {
	s := mustParse(t, `version: 1
rules:
  - id: text_exact
    match: {text: {exact: [人工, 转人工]}}
    action: {intent: human_agent}
  - id: text_contains
    match: {text: {contains: [投诉, "12315", iphone]}}
    action: {handoff: urgent}
  - id: text_regex
    match: {text: {regex: ['退.{0,4}运费', '<ORDER>到哪']}}
    action: {answer: 退货运费说明}
  - id: terms_exact
    match: {terms: {exact: [在吗]}}
    action: {intent: greeting}
  - id: terms_contains
    match: {terms: {contains: [东西不要了, 运费险 理赔]}}
    action: {intent: return_goods}
  - id: terms_regex
    match: {terms: {regex: ['^催 发货']}}
    action: {intent: hurry_shipment}
  - id: masked_phone
    match: {text: {contains: [<PHONE>]}}
    action: {silent: true}
`, Options{Analyzer: analyzer(t)})
	tests := []struct{ text, want string }{
		// text exact: the whole message, punctuation and emoji at its ends ignored.
		{"人工", "text_exact"},
		{"转人工！！", "text_exact"},
		{" 人工🙏", "text_exact"},
		{"人工客服在吗", ""},
		// text contains, on the normalised text (full-width and upper case folded).
		{"你们这什么态度，我要投诉", "text_contains"},
		{"再不处理我就打12315了", "text_contains"},
		{"ＩＰＨＯＮＥ 15 能用吗", "text_contains"},
		// text regex, on the masked text.
		{"退货的运费谁出", "text_regex"},
		{"退运费", "text_regex"},
		{"运费怎么退", ""},
		{"我的订单2026111100123到哪了", "text_regex"},
		// terms exact: the message's terms are exactly these.
		{"在吗？", "terms_exact"},
		{"在吗 我想问下", ""},
		// terms contains: 东西不要了 is analysed to the canonical 退货, so every variant matches, and
		// only whole terms do (退货单 is the term 退货 then 单号 here, so it matches; 运费 alone
		// does not match 运费险).
		{"东西不要了怎么寄回去", "terms_contains"},
		{"我要退货", "terms_contains"},
		{"不想要了可以寄回去吗", "terms_contains"},
		{"运费险怎么理赔", "terms_contains"},
		{"运费怎么理赔", ""},
		// terms regex, on the terms joined by spaces.
		{"催一下发货", "terms_regex"},
		{"能不能催一下发货", ""},
		// the text is masked: a keyword may be a placeholder.
		{"我手机号13812345678", "masked_phone"},
		{"今天天气不错", ""},
	}
	for _, tt := range tests {
		if got := matchID(t, s, tt.text, Input{}); got != tt.want {
			an := analyzer(t).Analyze(tt.text)
			t.Errorf("%q (text %q, terms %q): rule %q, want %q", tt.text, an.Text, an.Terms, got, tt.want)
		}
	}
}

// TestTermsKeywordsWithoutAnalyzer: without Options.Analyzer a terms keyword is taken as
// written, so a phrase the analyzer rewrites never matches.
func TestTermsKeywordsWithoutAnalyzer(t *testing.T) {
	src := "version: 1\nrules:\n  - id: r\n    match: {terms: {contains: [东西不要了]}}\n    action: {silent: true}\n"
	raw := mustParse(t, src, Options{})
	analysed := mustParse(t, src, Options{Analyzer: analyzer(t)})
	if got := matchID(t, raw, "我要退货", Input{}); got != "" {
		t.Errorf("without an analyzer: matched %q", got)
	}
	if got := matchID(t, analysed, "我要退货", Input{}); got != "r" {
		t.Errorf("with an analyzer: matched %q, want r", got)
	}
}

func TestScope(t *testing.T) {
	s := mustParse(t, `version: 1
rules:
  - id: test_sender
    priority: 100
    match: {any: true}
    scope: {senders: [wmInternalTest01]}
    action: {silent: true}
  - id: kf_account
    match: {text: {contains: [发票]}}
    scope: {channels: [kf], open_kfids: [wkAbC123Dq7XmR2tLp9VsN4eKy]}
    action: {answer: 本账号只开电子发票}
  - id: vip
    match: {text: {contains: [发票]}}
    scope: {tags: [VIP, 金卡], exclude_senders: [wmBoss]}
    action: {handoff: high}
  - id: dept
    match: {text: {contains: [发票]}}
    scope: {departments: ["7"], agents: [zhangsan, lisi]}
    action: {intent: issue_invoice}
`, Options{})
	tests := []struct {
		name string
		in   Input
		want string
	}{
		{"no fields: only unscoped rules", Input{}, ""},
		{"the kf account", Input{Channel: "kf", OpenKfID: "wkAbC123Dq7XmR2tLp9VsN4eKy"}, "kf_account"},
		{"another kf account", Input{Channel: "kf", OpenKfID: "wkAbC123Hj5WcZ8uFn3GbT6rQa"}, ""},
		{"the account id on another channel", Input{Channel: "wecom", OpenKfID: "wkAbC123Dq7XmR2tLp9VsN4eKy"}, ""},
		{"a VIP", Input{Tags: []string{"新客", "VIP"}}, "vip"},
		{"a VIP who is excluded", Input{Tags: []string{"VIP"}, SenderID: "wmBoss"}, ""},
		{"the department and agent", Input{DeptIDs: []string{"3", "7"}, AgentID: "lisi"}, "dept"},
		{"the department, another agent", Input{DeptIDs: []string{"7"}, AgentID: "wangwu"}, ""},
		{"the test sender, whatever it says", Input{SenderID: "wmInternalTest01", Tags: []string{"VIP"}}, "test_sender"},
	}
	for _, tt := range tests {
		if got := matchID(t, s, "麻烦开一下发票", tt.in); got != tt.want {
			t.Errorf("%s: rule %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestPriorityOrder(t *testing.T) {
	s := mustParse(t, `version: 1
rules:
  - id: low
    match: {text: {contains: [退货]}}
    action: {intent: return_goods}
  - id: first_of_equals
    priority: 5
    match: {text: {contains: [退]}}
    action: {intent: return_goods}
  - id: second_of_equals
    priority: 5
    match: {terms: {contains: [退货]}}
    action: {intent: return_goods}
  - id: disabled
    priority: 50
    enabled: false
    match: {text: {contains: [退货]}}
    action: {silent: true}
  - id: high_but_other_hours
    priority: 20
    match: {text: {contains: [退货]}}
    hours: {dates: [2020-01-01]}
    action: {silent: true}
  - id: negative
    priority: -1
    match: {text: {contains: [发货]}}
    action: {silent: true}
`, Options{Analyzer: analyzer(t)})
	for text, want := range map[string]string{
		"我要退货":   "first_of_equals",  // priority 5 beats 0; of two at 5 the first in the file
		"退款到账没":  "first_of_equals",  // only 退 matches
		"东西不要了":  "second_of_equals", // only the terms rule (退货 after rewriting)
		"什么时候发货": "negative",
	} {
		if got := matchID(t, s, text, Input{}); got != want {
			t.Errorf("%q: rule %q, want %q", text, got, want)
		}
	}
	if st := s.Stats(); st.Rules != 6 || st.Enabled != 5 {
		t.Errorf("Stats = %+v", st)
	}
}

// TestIndexMatchesNaive holds Match to a scan of every rule on generated rule sets and the
// holdout messages: the index must never lose a rule nor change the order.
func TestIndexMatchesNaive(t *testing.T) {
	messages, err := shoptest.Holdout()
	if err != nil {
		t.Fatal(err)
	}
	words := shopVocabulary(t)
	for seed := range uint64(4) {
		rng := rand.New(rand.NewPCG(seed, 42))
		// at the week the inputs are sent in, for the warnings: the generated dates are that November's
		week := func() time.Time { return time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC) }
		s := mustParse(t, genRules(rng, 500, words, messages), Options{Analyzer: analyzer(t), Now: week})
		// a rule left dead by an any: true one is one the comparison below never tests; one whose
		// keywords each hold a keyword of a rule above (掉色 in 衣服掉色) is still matched by the
		// scan, which must find the rule above as Match does
		var anyDead []string
		for _, w := range s.Warnings() {
			if strings.Contains(w, ": any: true, ") {
				anyDead = append(anyDead, w)
			}
		}
		if len(anyDead) > 0 {
			t.Errorf("seed %d: the generated rules leave %d dead, e.g. %s", seed, len(anyDead), anyDead[0])
		}
		matched := 0
		for _, in := range genInputs(t, rng, messages) {
			got, want := s.Match(&in), s.matchNaive(&in)
			if got != want {
				t.Fatalf("seed %d, %q (terms %q): Match = %v, scan = %v", seed, in.Text, in.Terms, got, want)
			}
			if got != nil {
				matched++
			}
		}
		// A rule set that never matched would prove nothing.
		if matched < len(messages)/10 {
			t.Errorf("seed %d: %d of %d messages matched a rule", seed, matched, len(messages))
		}
	}
}

// sharedKeywordRules is n rules that share their keywords, each scoped to a tag of its own, as
// a shop with a rule per 微信客服 account or customer group writes them.
func sharedKeywordRules(n int) string {
	var b strings.Builder
	b.WriteString("version: 1\nrules:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - id: r%d\n    match:\n      text: {contains: [退款, 款]}\n      terms: {contains: [退款]}\n    scope: {tags: [t%d]}\n    action: {answer: 好的}\n", i, i)
	}
	return b.String()
}

// A keyword said again and again is one hit: the rule found is the one a scan finds, the first
// whose scope holds, however often the message repeats what the rules share.
func TestMatchRepeatedKeyword(t *testing.T) {
	s := mustParse(t, sharedKeywordRules(50), Options{Analyzer: analyzer(t)})
	text := strings.Repeat("退款x", 290)
	for _, tc := range []struct{ tag, want string }{{"t0", "r0"}, {"t37", "r37"}, {"t49", "r49"}, {"zz", ""}} {
		if got := matchID(t, s, text, Input{Tags: []string{"zz", tc.tag}}); got != tc.want {
			t.Errorf("tag %s: matched %q, want %q", tc.tag, got, tc.want)
		}
	}
}

// TestConcurrentMatch runs Match from several goroutines (with -race) while sets are swapped as
// a reload does.
func TestConcurrentMatch(t *testing.T) {
	messages, err := shoptest.Holdout()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 7))
	words := shopVocabulary(t)
	sets := []*Set{
		mustParse(t, genRules(rng, 200, words, messages), Options{Analyzer: analyzer(t)}),
		mustParse(t, genRules(rng, 200, words, messages), Options{Analyzer: analyzer(t)}),
	}
	inputs := genInputs(t, rng, messages)
	want := make([][]*Rule, len(sets))
	for i, s := range sets {
		for j := range inputs {
			want[i] = append(want[i], s.Match(&inputs[j]))
		}
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range inputs {
				i := (g + j) % len(sets)
				if got := sets[i].Match(&inputs[j]); got != want[i][j] {
					t.Errorf("goroutine %d, message %d: %v, want %v", g, j, got, want[i][j])
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestMatchUsesInjectedClock(t *testing.T) {
	now := time.Date(2026, 11, 11, 12, 0, 0, 0, time.UTC)
	s := mustParse(t, "version: 1\nrules:\n  - id: r\n    match: {text: {contains: [双11]}}\n    hours: {dates: [2026-11-11]}\n    action: {answer: 双11 每满 300 减 50}\n",
		Options{Now: func() time.Time { return now }})
	if r := s.Match(&Input{Text: "双11有活动吗"}); r == nil {
		t.Errorf("on 2026-11-11: no rule")
	}
	now = now.Add(24 * time.Hour)
	if r := s.Match(&Input{Text: "双11有活动吗"}); r != nil {
		t.Errorf("on 2026-11-12: rule %s", r.ID)
	}
}
