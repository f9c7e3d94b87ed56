package reply

import (
	"strings"
	"testing"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/rules"
)

func parseRules(t *testing.T, src string) *rules.Set {
	t.Helper()
	set, err := rules.Parse([]byte("version: 1\nrules:\n"+src), "rules.yaml", rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// zhiyi_rule_hits_total has a series per enabled rule of the rules in force, counts the rule
// that decided each message, and follows a reload: a rule dropped (or disabled) loses its series
// at the next message, one added gets its own at 0, one kept keeps its count. A second Replier
// on the same set (a bundle reloaded) counts into the same series.
func TestRuleHitsFollowReload(t *testing.T) {
	var live rules.Live
	live.Store(parseRules(t, `
  - id: promo
    match: {text: {contains: [双11]}}
    action: {answer: 每满 300 减 50}
  - id: complaint
    match: {text: {contains: ["12315"]}}
    action: {handoff: urgent}
  - id: paused
    enabled: false
    match: {text: {contains: [发票]}}
    action: {silent: true}
`))
	r, _, met := newReplier(t, Config{Rules: live.Current})
	series := func() map[string]uint64 {
		var b strings.Builder
		met.WritePrometheus(&b)
		out := map[string]uint64{}
		for _, line := range strings.Split(b.String(), "\n") {
			if name, _, ok := strings.Cut(line, " "); ok && strings.HasPrefix(name, "zhiyi_rule_hits_total") {
				out[name] = counter(met, name)
			}
		}
		return out
	}
	check := func(step string, want map[string]uint64) {
		t.Helper()
		got := series()
		if len(got) != len(want) {
			t.Errorf("%s: series %v, want %v", step, got, want)
			return
		}
		for name, n := range want {
			if v, ok := got[name]; !ok || v != n {
				t.Errorf("%s: series %v, want %v", step, got, want)
				return
			}
		}
	}
	check("before any message", map[string]uint64{`zhiyi_rule_hits_total{rule="promo"}`: 0, `zhiyi_rule_hits_total{rule="complaint"}`: 0})
	for _, text := range []string{"双11有什么活动", "双11还有吗", "我要打12315", "什么时候发货", "开发票"} {
		send(t, r, intent.Request{Text: text})
	}
	check("three hits", map[string]uint64{`zhiyi_rule_hits_total{rule="promo"}`: 2, `zhiyi_rule_hits_total{rule="complaint"}`: 1})

	// the console saves a file without complaint and with a new rule (rules.Live.Load)
	live.Store(parseRules(t, `
  - id: promo
    match: {text: {contains: [双11]}}
    action: {answer: 每满 300 减 50}
  - id: refund
    match: {text: {contains: [退款]}}
    action: {handoff: normal}
`))
	send(t, r, intent.Request{Text: "什么时候发货"}) // no rule: the series follow all the same
	check("after the reload", map[string]uint64{`zhiyi_rule_hits_total{rule="promo"}`: 2, `zhiyi_rule_hits_total{rule="refund"}`: 0})

	r2 := New(Config{Rules: live.Current, Metrics: met}) // a reloaded bundle's, on the wiring's set
	send(t, r2, intent.Request{Text: "我要退款"})
	send(t, r, intent.Request{Text: "双11"})
	check("two Repliers", map[string]uint64{`zhiyi_rule_hits_total{rule="promo"}`: 3, `zhiyi_rule_hits_total{rule="refund"}`: 1})
}

// A message matched with the Set a reload has just replaced, decided after a message with the
// new one, counts under its rule's id in the new Set, and not at all when the reload dropped the
// rule (no series comes back for it).
func TestRuleHitsStaleSet(t *testing.T) {
	old := parseRules(t, "  - id: promo\n    match: {any: true}\n    action: {silent: true}\n  - id: gone\n    match: {any: true}\n    action: {silent: true}\n")
	cur := parseRules(t, "  - id: promo\n    match: {any: true}\n    action: {silent: true}\n")
	var live rules.Live
	live.Store(old)
	r, _, met := newReplier(t, Config{Rules: live.Current})
	live.Store(cur)
	h := r.met.ruleHits
	h.of(cur) // a message since the reload
	for _, tc := range []struct {
		id   string
		want uint64
	}{{"promo", 1}, {"gone", 0}} {
		rule, _ := old.Rule(tc.id)
		if c := h.of(old).byID[rule.ID]; c != nil {
			c.Inc()
		}
		if n := counter(met, `zhiyi_rule_hits_total{rule="`+tc.id+`"}`); n != tc.want {
			t.Errorf("%s: %d, want %d", tc.id, n, tc.want)
		}
	}
	var b strings.Builder
	met.WritePrometheus(&b)
	if strings.Contains(b.String(), `rule="gone"`) {
		t.Errorf("the dropped rule's series is back:\n%s", b.String())
	}
}
