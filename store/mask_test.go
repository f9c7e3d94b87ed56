package store

import (
	"strings"
	"testing"

	"github.com/zhiyi-ai/zhiyi/nlp"
)

func TestMayHoldPII(t *testing.T) {
	f := func(id string, want bool) {
		t.Helper()
		if got := mayHoldPII(id); got != want {
			t.Errorf("mayHoldPII(%q) = %v, want %v", id, got, want)
		}
	}
	// ordinary ids skip masking
	f("", false)
	f("wecom", false)
	f("return_goods", false)
	f("auto", false)
	f("wmEAlECwAAHibWp8R8mQ7y9Vq", false) // a WeCom external user: under seven digits
	f("kb.rev3", false)
	// every written form of an e-mail address the masker knows
	f("zhangsan@qq.com", true)
	f("zhangsan#qq.com", true)
	f("zhangsan#qq dot com", true)
	f("zhangsan#qq(dot)com", true)
	f("zhangsan#qq[DOT]com", true)
	f("zhangsan at qq dot com", true)
	f("zhangsan AT qq.com", true)
	f("li(at)163.com", true)
	f("li[at]163[dot]com", true)
	f("li【at】163.com", true)
	f("li艾特163点com", true)
	f("li@163。com", true)
	// other personal data
	f("13812345678", true)
	f("id-１３８", true)
	f("https://x.cn/a", true)
	f("www.example.com", true)
	f("WWW.EXAMPLE.COM", true)     // Normalize lower-cases it before the masker reads it
	f("http://localhost/a", false) // no dot: the masker reads no URL in it
	f("cat.dog", true)             // "at" beside a dot: looked at closely, then kept
	// and the ids the log stores most are stored as they are
	for _, ids := range ordinaryIDs {
		for _, id := range ids {
			if got := maskID(func(string) string { return "hashed" }, id); got != id {
				t.Errorf("maskID(%q) = %q, want it as it is", id, got)
			}
		}
	}
	if got := maskID(func(string) string { return "h" }, "zhangsan#qq dot com"); got != "pii:h" {
		t.Errorf("maskID(zhangsan#qq dot com) = %q, want pii:h", got)
	}
}

// TestMayHoldPIIKnowsEveryEmailForm: every e-mail address nlp's masker finds in an id, in any
// of the written forms it knows, passes the quick check, so maskID never stores one as it is.
func TestMayHoldPIIKnowsEveryEmailForm(t *testing.T) {
	ats := []string{"@", "#", " at ", "(at)", "[at]", "【at】", "艾特", " @ ", " (at) ", " [at] ", " 【at】 ", " 艾特 "}
	dots := []string{".", "。", " dot ", "(dot)", "[dot]", "【dot】", "点", " .", ". ", " . ", " (dot) ", " [dot] "}
	masked := 0
	for _, mailbox := range []string{"zhangsan", "z.s", "li"} {
		for _, at := range ats {
			for _, dot := range dots {
				for _, tld := range []string{"com", "cn"} {
					for _, id := range []string{mailbox + at + "qq" + dot + tld, "u-" + mailbox + at + "mail" + dot + "example" + dot + tld + "-7"} {
						for _, id := range []string{id, strings.ToUpper(id)} {
							if _, kinds := nlp.MaskExcept(nlp.Normalize(id), nlp.MaskOrder); !kinds.Has(nlp.MaskEmail) {
								continue
							}
							masked++
							if !mayHoldPII(id) {
								t.Errorf("mayHoldPII(%q) = false; nlp masks an address in it", id)
							}
							if got := maskID(func(string) string { return strings.Repeat("0", hashLen) }, id); !strings.HasPrefix(got, "pii:") {
								t.Errorf("maskID(%q) = %q, want it hashed", id, got)
							}
						}
					}
				}
			}
		}
	}
	if masked < 500 {
		t.Fatalf("nlp masked only %d of the ids: the forms above are no longer what it reads", masked)
	}
}

// TestMayHoldPIIKnowsEveryAccountForm: a WeChat id or QQ number nlp's masker finds in an id
// passes the quick check too, so maskID never stores one as it is (qq123456 has too few digits
// to be looked at for them).
func TestMayHoldPIIKnowsEveryAccountForm(t *testing.T) {
	masked := 0
	for _, name := range []string{"qq", "vx", "wx", "wechat", "weixin", "wxid_"} {
		for _, link := range []string{"", "id", "号", ":", " ", "id:", "-"} {
			for _, account := range []string{"123456", "zhangsan", "zhang_san8"} {
				for _, id := range []string{name + link + account, "u." + name + link + account + ".7"} {
					for _, id := range []string{id, strings.ToUpper(id)} {
						if _, kinds := nlp.MaskExcept(nlp.Normalize(id), nlp.MaskOrder); !kinds.Has(nlp.MaskAccount) {
							continue
						}
						masked++
						if !mayHoldPII(id) {
							t.Errorf("mayHoldPII(%q) = false; nlp masks an account in it", id)
						}
						if got := maskID(func(string) string { return strings.Repeat("0", hashLen) }, id); !strings.HasPrefix(got, "pii:") {
							t.Errorf("maskID(%q) = %q, want it hashed", id, got)
						}
					}
				}
			}
		}
	}
	if masked < 40 {
		t.Fatalf("nlp masked only %d of the ids: the forms above are no longer what it reads", masked)
	}
}

var ordinaryIDs = map[string][]string{
	"newid":  {NewID(), NewID(), NewID(), NewID()},
	"crm":    {"2102838273948937309", "2102838273948937309_1785539051_external", "88001234", "100234"},
	"wecom":  {"wmEAlECwAAHibWp8R8mQ7y9Vq0L3jQ", "woAJ2GCAAAXtWyujaWJHDDGi0mACHJ", "wkAJ2GCAAAZSfhHCt7IFSvLKtMPxyJ", "zhangsan"},
	"labels": {"return_goods", "wecom", "auto", "shop-2026-11-01"},
}

// BenchmarkMayHoldPII is the quick check on the ids the log stores most: NewID's, a CRM's
// numeric ids, WeCom user ids, and intents, channels and routes.
func BenchmarkMayHoldPII(b *testing.B) {
	for _, kind := range []string{"newid", "crm", "wecom", "labels"} {
		ids := ordinaryIDs[kind]
		b.Run(kind, func(b *testing.B) {
			b.ReportAllocs()
			n, i := 0, 0
			for b.Loop() {
				if mayHoldPII(ids[i%len(ids)]) {
					n++
				}
				i++
			}
			benchHits = n
		})
	}
}

var benchHits int
