package nlp

import (
	"strings"
	"testing"
)

func TestMaskID(t *testing.T) {
	f := func(id, want string) {
		t.Helper()
		if got := MaskID(id); got != want {
			t.Errorf("MaskID(%.300q) = %q, want %q", id, got, want)
		}
	}
	f("", "")
	f("CAQQluDa4QUY0On2rYSA", "CAQQluDa4QUY0On2rYSA")
	f("2102838273948937309_1785539051_external", "2102838273948937309_1785539051_external") // order-like: kept
	f("id-13812345678-x", "id-<PHONE>-x")
	f("li@qq.com", "<EMAIL>")
	f("ID-１３８１２３４５６７８", "id-<PHONE>") // masked as normalised
	// an account in a printable ASCII id is masked in either case: such an id is read as
	// written, not lower-cased first
	f("qq123456789", "qq<ACCOUNT>")
	f("QQ123456789", "QQ<ACCOUNT>")
	f("u.WXID_ZhangSan88", "u.<ACCOUNT>")
	f("VX:Zhang_San88", "VX:<ACCOUNT>")
	f("WeChat:zhang_san88", "WeChat:<ACCOUNT>")
	f("AQQ123456789", "AQQ123456789") // a name glued to letters before it is none
	f(strings.Repeat("a", MaxMaskedIDBytes), strings.Repeat("a", MaxMaskedIDBytes))
	// a long id is clipped whether or not it holds personal data, so that a cluster sheet and
	// serve's log name it alike, and a 100 KB id stays out of both
	long := "wm" + strings.Repeat("x", 100<<10)
	f(long, "wm"+strings.Repeat("x", MaxMaskedIDBytes-2)+"…")
	f(strings.Repeat("a", 250)+"13812345678", strings.Repeat("a", MaxMaskedIDBytes)+"…")
	f(strings.Repeat("a", 120)+" 13812345678", strings.Repeat("a", 120)+" <PHONE>")
	f(strings.Repeat("a", 250)+" 一三八一二三四五六七八", strings.Repeat("a", MaxMaskedIDBytes)+"…")
	f(strings.Repeat("a", 120)+" zhang@example.com", strings.Repeat("a", 120)+" <EMAIL>")
}

func TestClip(t *testing.T) {
	f := func(s string, max int, want string) {
		t.Helper()
		if got := Clip(s, max); got != want {
			t.Errorf("Clip(%q, %d) = %q, want %q", s, max, got, want)
		}
	}
	f("abc", 3, "abc")
	f("abcd", 3, "abc…")
	f("ab张三", 4, "ab…")                  // a character cut in half, then Chinese characters that may be a number
	f("call 138123", 9, "call…")         // a number cut short goes whole
	f("to zhang@exam", 12, "to …")       // so does an address
	f("x 1380 wm", 7, "x…")              // even when the cut falls beside it
	f("x 1380 wm", 8, "x 1380 w…")       // a number the cut does not touch stays
	f("价格199元", 12, "价格199元")            // within max: as it is
	f("mail li@qq.com ok", 14, "mail …") // the address reaches the cut
}
