package lintcore

import (
	"fmt"
	"strings"
	"testing"
)

// hits renders Text's hits as term/kind@offset, for table tests.
func hits(text string) string {
	var got []string
	for _, h := range Text(text) {
		got = append(got, fmt.Sprintf("%s/%s@%d", h.Term, h.Kind, h.Offset))
	}
	return strings.Join(got, " ")
}

// TestTextSpacedFirst: 销量第 一 (a space, or an input method's full-width one, between 第 and
// 一) ranks as 销量第一 does; it went through unfound while 第 1 was found. The finding names
// 第一, so the waiver a shop writes for 第一 covers either spelling; counting stays accepted.
func TestTextSpacedFirst(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"这款精华销量第 一", "第一/absolute@18"},
		{"销量第　一的充电宝", "第一/absolute@6"},
		{"全网 第 一", "第一/absolute@7"},
		{"第 一次下单送券，第 一步：申请售后", ""},
		{"第 一，先申请售后", ""},
	} {
		if got := hits(c.text); got != c.want {
			t.Errorf("Text(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}

// kbOf is a one-intent knowledge base whose answer is the literal block text, with extra lines
// (waivers) after it.
func kbOf(text, extra string) string {
	return "shop: 测试店\nversion: 1\nintents:\n  - id: product_info\n    label: 商品咨询\n    category: 咨询\n" +
		"    priority: 2\n    examples: [这件是纯棉的吗]\n    answers:\n      - id: product_info.a\n        text: |-\n          " +
		strings.ReplaceAll(text, "\n", "\n          ") + "\n" + extra
}

// findingsOf lints a knowledge base and renders its findings.
func findingsOf(t *testing.T, y string) string {
	t.Helper()
	fs, err := KB([]byte(y), "kb.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range fs {
		out = append(out, f.String())
	}
	return strings.Join(out, "\n")
}

// TestKBSpacedFirstWaiver: 销量第 一 is found at its column, and a waiver of 第一 waives it; that
// waiver was reported as waiving nothing ("remove it"), beside the unfound ranking.
func TestKBSpacedFirstWaiver(t *testing.T) {
	y := kbOf("亲，这款精华销量第 一", "")
	if got, want := findingsOf(t, y), "kb.yaml:12:19: intent product_info answer product_info.a: 第一: absolute term (绝对化用语, 广告法第九条第三项)"; got != want {
		t.Errorf("findings:\n%s\nwant:\n%s", got, want)
	}
	y = kbOf("亲，这款精华销量第 一", "        waive:\n          - term: 第一\n            reason: 品牌方年度销量榜（第三方报告）\n")
	if got := findingsOf(t, y); got != "" {
		t.Errorf("waived, still:\n%s", got)
	}
}
