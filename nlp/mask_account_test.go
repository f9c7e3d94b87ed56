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
		// q alone names QQ only as q号
		{"Q号 123456789", "q号 <ACCOUNT>"},
		{"q号码:123456789", "q号码:<ACCOUNT>"},
		{"q弹 12345678 件", "q弹 12345678 件"},
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

// A QQ mailbox's address is the QQ number at qq.com, so the number given alone after qq邮箱 is
// the address: it was kept whole in the decision log, alerts' comments and learnt bundles.
func TestMaskQQMailboxNumber(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"我的QQ邮箱是987654321 发票发这里", "我的qq邮箱是<EMAIL> 发票发这里"},
		{"QQ邮箱：987654321", "qq邮箱:<EMAIL>"},
		{"发我qq邮箱 987654321 谢谢", "发我qq邮箱 <EMAIL> 谢谢"},
		{"扣扣邮箱987654321", "扣扣邮箱<EMAIL>"},
		{"qq邮箱987654321@qq.com", "qq邮箱<EMAIL>"},
		// the number of a QQ account stays an account; a mailbox named without one is text
		{"qq 987654321", "qq <ACCOUNT>"},
		{"qq邮箱收不到发票", "qq邮箱收不到发票"},
		{"微信邮箱zhangsan88", "微信邮箱zhangsan88"},
	} {
		got, set := Mask(Normalize(tt.in))
		if got != tt.want {
			t.Errorf("Mask(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if want := strings.Contains(tt.want, "<EMAIL>"); set.Has(MaskEmail) != want {
			t.Errorf("Mask(%q): e-mail in the set %v, want %v", tt.in, set.Has(MaskEmail), want)
		}
		if id := MaskID(tt.in); strings.Contains(id, "987654321") {
			t.Errorf("MaskID(%q) = %q keeps the number", tt.in, id)
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
