package nlp

import (
	"strings"
	"testing"
)

func TestMaskAccounts(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"我微信号是zhang_san88 加我", "我微信号是<ACCOUNT> 加我"},
		{"加我vx：abc12345", "加我vx:<ACCOUNT>"},
		{"我qq 123456789", "我qq <ACCOUNT>"},
		{"QQ号码:1234567890", "qq号码:<ACCOUNT>"}, // ten digits: an account, not an order
		{"扣扣123456", "扣扣<ACCOUNT>"},
		{"wxid_abcdef123 这是我", "<ACCOUNT> 这是我"},
		{"微信号 wang-xiaoming_1990", "微信号 <ACCOUNT>"},
		// 威信 is how customers write 微信 past a platform's filter
		{"加我威信 abc12345", "加我威信 <ACCOUNT>"},
		{"你们店还有威信吗", "你们店还有威信吗"},
		// a phone given as one's WeChat is a phone
		{"微信 13812345678", "微信 <PHONE>"},
		// a service named without an account, or too much for one
		{"用微信支付可以吗", "用微信支付可以吗"},
		{"qq音乐会员", "qq音乐会员"},
		{"wx支付", "wx支付"},
		{"qq12345678901234", "qq<ORDER>"},
		{"vwxyz123456", "vwxyz123456"},
		{"微信号是ab", "微信号是ab"},
		{"我的qq邮箱123456@qq.com", "我的qq邮箱<EMAIL>"},
	} {
		got, set := Mask(Normalize(tt.in))
		if got != tt.want {
			t.Errorf("Mask(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if want := tt.want != Normalize(tt.in) && strings.Contains(tt.want, "<ACCOUNT>"); set.Has(MaskAccount) != want {
			t.Errorf("Mask(%q): account in the set %v, want %v", tt.in, set.Has(MaskAccount), want)
		}
	}
}

func BenchmarkMaskAccountCue(b *testing.B) {
	for _, text := range []string{"用微信支付可以吗", "我微信号是zhang_san88 加我", "这件卫衣是纯棉的吗"} {
		b.Run(text, func(b *testing.B) {
			for b.Loop() {
				Mask(text)
			}
		})
	}
}

// A message that only gives an account gives data, as one that only gives a phone does.
func TestOnlyGivesAnAccount(t *testing.T) {
	a := mustAnalyzer(t)
	for text, want := range map[string]bool{"微信号：zhang_san88": true, "我的微信 zhang_san88": true, "qq号 1938475621": true, "加我微信zhang_san88 我发你图片": false} {
		if got := a.TextOnlyGivesData(text); got != want {
			t.Errorf("TextOnlyGivesData(%q) = %v, want %v (tokens %q)", text, got, want, a.Analyze(text).Tokens)
		}
	}
}
