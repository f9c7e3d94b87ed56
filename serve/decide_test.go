package serve

import (
	"testing"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// A message an operator's rule decided is not counted as unrecognised (zhiyi_out_of_scope_total,
// the unrecognised alert), though its intent is none: the rule says what it means.
func TestUnrecognised(t *testing.T) {
	for _, tt := range []struct {
		res  intent.Result
		want bool
	}{
		{intent.Result{Intent: intent.NoneIntent, Route: intent.RouteHandoff}, true},
		{intent.Result{Intent: intent.NoneIntent, Route: intent.RouteAuto, Rule: "hotline"}, false},
		{intent.Result{Intent: intent.NoneIntent, Route: intent.RouteHandoff, Rule: "urgent"}, false},
		{intent.Result{Intent: "return_goods", Route: intent.RouteAuto}, false},
	} {
		if got := unrecognised(&tt.res); got != tt.want {
			t.Errorf("%+v: unrecognised %v, want %v", tt.res, got, tt.want)
		}
	}
}
