package nlp

import (
	"slices"
	"testing"
)

// TestMaskedDigest: messages alike but for their personal data tell apart by the digest; the
// same value keeps its digest however it is spaced and whatever is said around it.
func TestMaskedDigest(t *testing.T) {
	same := [][2]string{
		{"订单1234567890123什么时候发货", "订单 1234567890123 到底什么时候发货"},
		{"我电话13812345678", "电话是138 1234 5678 打这个"},
		{"zhangsan@qq.com 收不到", "ZhangSan@QQ.com收不到验证码"},
		{"订单1234567890123 电话13812345678", "单号1234567890123，手机13812345678"},
	}
	for _, p := range same {
		if a, b := MaskedDigest(p[0]), MaskedDigest(p[1]); a == 0 || a != b {
			t.Errorf("MaskedDigest(%q) = %d, (%q) = %d: want the same, not 0", p[0], a, p[1], b)
		}
	}
	differ := [][2]string{
		{"订单1234567890123什么时候发货", "订单2234567890124什么时候发货"},
		{"我电话13812345678", "我电话13912345678"},
		{"zhangsan@qq.com 收不到", "lisi@qq.com 收不到"},
		{"订单1234567890123 电话13812345678", "订单1234567890123 电话13912345678"},
	}
	for _, p := range differ {
		if a, b := MaskedDigest(p[0]), MaskedDigest(p[1]); a == 0 || b == 0 || a == b {
			t.Errorf("MaskedDigest(%q) = %d, (%q) = %d: want two different, not 0", p[0], a, p[1], b)
		}
	}
	for _, s := range []string{"", "什么时候发货", "42码有货吗 199元"} {
		if d := MaskedDigest(s); d != 0 {
			t.Errorf("MaskedDigest(%q) = %d, want 0: nothing masked", s, d)
		}
	}
}

func TestMaskedValues(t *testing.T) {
	for _, tc := range []struct {
		text, masked string
		want         []string
	}{
		{"订单123到了", "订单<ORDER>到了", []string{"123"}},
		{"123到了", "<ORDER>到了", []string{"123"}},
		{"a1b2c", "a<ORDER>b<PHONE>c", []string{"1", "2"}},
		{"a1b2", "a<ORDER>b<PHONE>", []string{"1", "2"}},
		{"a12", "a<ORDER><PHONE>", []string{"12"}}, // side by side: one value
		{"a<PHONE>1", "a<PHONE><ORDER>", []string{"<PHONE>1"}},
		{"a1b", "x<ORDER>b", []string{"a1b"}}, // not lined up: the whole text
		{"ab", "a<ORDER>b<ORDER>b", []string{"ab"}},
	} {
		if got := maskedValues(tc.text, tc.masked); !slices.Equal(got, tc.want) {
			t.Errorf("maskedValues(%q, %q) = %q, want %q", tc.text, tc.masked, got, tc.want)
		}
	}
}
