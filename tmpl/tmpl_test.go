package tmpl

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestFill(t *testing.T) {
	f := func(src string, vars map[string]string, want string) {
		t.Helper()
		tp, err := Parse(src)
		if err != nil {
			t.Fatalf("Parse(%q): %v", src, err)
		}
		if got := tp.Fill(vars); got != want {
			t.Errorf("Parse(%q).Fill(%v) = %q, want %q", src, vars, got, want)
		}
		if got := string(tp.AppendFill([]byte("前缀"), vars)); got != "前缀"+want {
			t.Errorf("AppendFill = %q, want %q", got, "前缀"+want)
		}
	}
	f("亲，您好", nil, "亲，您好")
	f("{{nickname|亲}}，您好", nil, "亲，您好")
	f("{{nickname|亲}}，您好", map[string]string{"nickname": "小王"}, "小王，您好")
	f("{{ nickname | 亲 }}，您好", map[string]string{"nickname": "小王"}, "小王，您好")
	f("订单 {{order_id}} 已发货", nil, "订单  已发货")
	f("订单 {{order_id}} 已发货", map[string]string{"order_id": "2026111100123"}, "订单 2026111100123 已发货")
	f("{{a}}{{b}}{{a}}", map[string]string{"a": "1", "b": "2"}, "121")
	// A value that sanitises to nothing counts as absent.
	f("{{nickname|亲}}～", map[string]string{"nickname": " \u200b\n "}, "亲～")
	// A value is never expanded again.
	f("{{nickname|亲}}，您好", map[string]string{"nickname": "{{order_id}}"}, "{{order_id}}，您好")
	// Control characters, bidi overrides and line breaks do not reach the message.
	f("{{nickname}}", map[string]string{"nickname": "小\x00王\u202e\r\n客服\t 说"}, "小王 客服 说")
}

func TestSanitizeCapsLength(t *testing.T) {
	long := strings.Repeat("长", 100) // 300 bytes
	got := string(AppendSanitized(nil, long))
	if len(got) > MaxValueBytes || !utf8.ValidString(got) || got != strings.Repeat("长", MaxValueBytes/3) {
		t.Errorf("AppendSanitized(100 × 长) = %d bytes (valid %v), want %d bytes of 长", len(got), utf8.ValidString(got), MaxValueBytes)
	}
	// A cut never splits a character: 191 bytes of ASCII then a 3-byte character.
	v := strings.Repeat("a", MaxValueBytes-1) + "长"
	if got := string(AppendSanitized(nil, v)); got != strings.Repeat("a", MaxValueBytes-1) {
		t.Errorf("cut at a character boundary: got %d bytes", len(got))
	}
	// Invalid UTF-8 is dropped.
	if got := string(AppendSanitized(nil, "ab\xffc")); got != "abc" {
		t.Errorf("invalid UTF-8: got %q", got)
	}
}

func TestParseErrors(t *testing.T) {
	f := func(src string, offset int, msg string) {
		t.Helper()
		_, err := Parse(src)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Fatalf("Parse(%q) = %v, want a *SyntaxError", src, err)
		}
		if se.Offset != offset || !strings.Contains(se.Msg, msg) {
			t.Errorf("Parse(%q) = %v, want offset %d and %q", src, se, offset, msg)
		}
	}
	f("亲{{nickname", 3, `"{{" without "}}"`)
	f("亲}}", 3, `"}}" without "{{"`)
	f("{{}}", 0, "empty name")
	f("好{{NickName}}", 3, "must match")
	f("{{nick name}}", 0, "must match")
	f("{{订单}}", 0, "must match")
	f("{{a|}}", 0, "empty fallback")
	f("{{a|b|c}}", 0, "may not contain")
	f("ok {{a}} then }}", 14, `"}}" without "{{"`)
}

func TestPlaceholdersAndMaxLen(t *testing.T) {
	tp := MustParse("{{nickname|亲爱的顾客}}，订单{{order_id}}")
	want := []Placeholder{{"nickname", "亲爱的顾客"}, {"order_id", ""}}
	if got := tp.Placeholders(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Placeholders = %v, want %v", got, want)
	}
	if got, want := tp.MaxLen(), len("，订单")+2*MaxValueBytes; got != want {
		t.Errorf("MaxLen = %d, want %d", got, want)
	}
	if s := MustParse("纯文本"); !s.Static() || s.MaxLen() != len("纯文本") || s.Placeholders() != nil {
		t.Errorf("static template: Static %v MaxLen %d", s.Static(), s.MaxLen())
	}
}

func TestFillStaticDoesNotAllocate(t *testing.T) {
	tp := MustParse("亲，现在是非工作时间")
	if n := testing.AllocsPerRun(100, func() { _ = tp.Fill(nil) }); n != 0 {
		t.Errorf("Fill of a static template: %v allocs, want 0", n)
	}
	tp = MustParse("{{nickname|亲}}，您好")
	vars := map[string]string{"nickname": "小王"}
	if n := testing.AllocsPerRun(100, func() { _ = tp.Fill(vars) }); n > 1 {
		t.Errorf("Fill: %v allocs, want ≤ 1", n)
	}
}

func BenchmarkFill(b *testing.B) {
	tp := MustParse("{{nickname|亲}}，您的订单 {{order_id}} 已经发货啦，预计 2–4 天送达～")
	vars := map[string]string{"nickname": "小王同学", "order_id": "2026111100123"}
	b.ReportAllocs()
	var n int
	for b.Loop() {
		n += len(tp.Fill(vars))
	}
	_ = n
}

func ExampleTemplate_Fill() {
	t, err := Parse("{{nickname|亲}}，您的订单 {{order_id}} 已发货")
	if err != nil {
		panic(err)
	}
	fmt.Println(t.Fill(map[string]string{"order_id": "2026111100123"}))
	fmt.Println(t.Fill(map[string]string{"nickname": "小王\n", "order_id": "{{nickname}}"}))
	// Output:
	// 亲，您的订单 2026111100123 已发货
	// 小王，您的订单 {{nickname}} 已发货
}
