package reply

import (
	"context"
	"fmt"
	"testing"

	"github.com/VictoriaMetrics/metrics"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/rules"
)

// benchRules are 50 rules of which the benchmark's message fires the last: the hit is counted
// for a rule deep in the file, not the first one.
func benchRules(b *testing.B) *rules.Set {
	src := "version: 1\nrules:\n"
	for i := range 49 {
		src += fmt.Sprintf("  - id: kw-%02d\n    match:\n      text: {contains: [关键词%02d]}\n    action: {answer: 好的}\n", i, i)
	}
	src += "  - id: promo\n    match:\n      text: {contains: [双11]}\n    action: {answer: \"{{nickname|亲}}，双11 每满 300 减 50\"}\n"
	set, err := rules.Parse([]byte(src), "rules.yaml", rules.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return set
}

// BenchmarkDecideRuleHit decides a message a rule answers, without conversation state (the
// engine's analysis, the rules' match and the counting of the hit): what a rule hit costs on
// the request path.
func BenchmarkDecideRuleHit(b *testing.B) {
	set := benchRules(b)
	r := New(Config{Rules: func() *rules.Set { return set }, Metrics: metrics.NewSet()})
	req := intent.Request{Text: "双11有什么活动", MsgID: "bench-1", SenderID: "wmBench", Channel: "wecom"}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		d := r.Decide(ctx, tinyEngine, req)
		if d.Result.Rule != "promo" {
			b.Fatalf("rule %q, want promo", d.Result.Rule)
		}
		r.Commit(ctx, d, nil)
	}
}

// BenchmarkRuleHitCount is the counting alone, as Decide does it for a message a rule decided:
// the table of the Set matched with (an atomic load, a comparison) and the counter by id.
func BenchmarkRuleHitCount(b *testing.B) {
	set := benchRules(b)
	h := newRuleHits(metrics.NewSet(), func() *rules.Set { return set })
	rule, _ := set.Rule("promo")
	b.ReportAllocs()
	for b.Loop() {
		if c := h.of(set).byID[rule.ID]; c != nil {
			c.Inc()
		}
	}
}
