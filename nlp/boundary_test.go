package nlp

import (
	"slices"
	"testing"
)

// Shorthand before a quantity, or two joined by a '/', is shorthand: tk3天 was taken for a model
// number (a digit after letters) and zfb/wx for a path, so neither fired. Model numbers and
// account names stay as typed.
func TestShorthandBeforeAQuantity(t *testing.T) {
	a := mustShopAnalyzer(t)
	for _, tt := range []struct{ text, want string }{
		{"tk3天了还没到账", "退款"},
		{"yhq10元的怎么用", "优惠券"},
		{"hb3期可以吗", "花呗"},
		{"sf2天能到吗", "顺丰"},
		{"用zfb/wx付款", "支付宝"},
		{"用zfb/wx付款", "微信"},
		{"tuikuan3天了", "退款"}, // typed pinyin too
	} {
		if toks := a.Analyze(tt.text).Tokens; !slices.Contains(toks, tt.want) {
			t.Errorf("%s: tokens %q, want %s", tt.text, toks, tt.want)
		}
	}
	// model numbers, three digits and more, paths stay as typed
	for _, tt := range []struct{ text, wrong string }{
		{"型号hb-2000", "花呗"}, {"kd_2023", "快递"}, {"hb300件", "花呗"}, {"hb3", "花呗"},
		{"sf/abc目录", "顺丰"}, {"tk3x", "退款"},
	} {
		if toks := a.Analyze(tt.text).Tokens; slices.Contains(toks, tt.wrong) {
			t.Errorf("%s: tokens %q, want no %s", tt.text, toks, tt.wrong)
		}
	}
}
