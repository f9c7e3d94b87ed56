package nlp

import (
	"slices"
	"strings"
	"testing"
)

// A 公众号 gets the classic faces as escape codes: 谢谢/:strong is 谢谢[强] typed on WeCom, and
// must be analysed as it is (👍), not as punctuation and the word "strong" (the sample shop's
// model answered 谢谢[强] automatically, 0.98, and only suggested 谢谢/:strong, 0.42).
func TestSlashFaceCodesAreTheirFaces(t *testing.T) {
	a := mustShopAnalyzer(t)
	for _, tt := range []struct{ code, face string }{
		{"谢谢/:strong", "谢谢[强]"},
		{"/::@/::@/::@", "[发怒][发怒][发怒]"},
		{"/::)好的", "[微笑]好的"},
		{"什么时候发货/::<", "什么时候发货[流泪]"},
		{"/:ok", "[OK]"},
		{"/::D", "[呲牙]"}, // case matters: /::d is 白眼
		{"/::d", "[白眼]"},
		{"/:rose/:kotow", "[玫瑰][磕头]"},
	} {
		got, want := a.Analyze(tt.code), a.Analyze(tt.face)
		if !slices.Equal(got.Tokens, want.Tokens) || !slices.Equal(got.Features, want.Features) || got.Typed != want.Typed {
			t.Errorf("%s: tokens %q typed %q, want %s's %q typed %q", tt.code, got.Tokens, got.Typed, tt.face, want.Tokens, want.Typed)
		}
	}
}

func TestSlashFaces(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", ""},
		{"在吗", "在吗"},
		{"/:", "/:"},
		{"a/:b", "a/:b"}, // no code
		{"/:strong/:weak", "[强][弱]"},
		{"/::-O/::-S/::-|", "[哈欠][咒骂][尴尬]"},
		{"/:,@-D/:,@P", "[愉快][偷笑]"},
		{"好/:v 谢谢", "好[胜利] 谢谢"},
		{"https://shop.example.com/a", "https://shop.example.com/a"},
		// in a web address "/:" is the address's: rewritten, it cut the address where Mask reads it
		{"https://shop.example.com/:v?name=zhangsan", "https://shop.example.com/:v?name=zhangsan"},
		{"看HTTP://a.cn/u/:ok/:no", "看HTTP://a.cn/u/:ok/:no"},
		{"www.example.com/:ok 谢谢/:strong", "www.example.com/:ok 谢谢[强]"},
		{"https://a.cn/x 好的/::)", "https://a.cn/x 好的[微笑]"},
		{"ok/::)", "ok[微笑]"},
	} {
		if got := slashFaces(tt.in); got != tt.want {
			t.Errorf("slashFaces(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// every code names a face the analysis knows, and none is a prefix of another (the longest
	// match is the only one)
	for code, name := range slashFaceNames {
		if _, ok := wechatFaces[strings.ToLower(name)]; !ok {
			t.Errorf("/:%s: %s is no face name", code, name)
		}
		for other := range slashFaceNames {
			if other != code && strings.HasPrefix(other, code) {
				t.Errorf("/:%s is a prefix of /:%s", code, other)
			}
		}
	}
}

// A web address holding "/:" is masked whole, as it was before 公众号 codes were read: a face
// read in its path cut it, and the path and query after the face (a customer's name, a token)
// reached Analysis.Text, which the decision log keeps, unmasked.
func TestSlashFacesLeaveAddressesWhole(t *testing.T) {
	a := mustShopAnalyzer(t)
	for _, in := range []string{
		"https://shop.example.com/:v?name=zhangsan&token=a1b2c3",
		"看看这个 http://m.shop.example.com/item/:ok/detail?uid=wx_zhangsan",
	} {
		an := a.Analyze(in)
		if strings.Contains(an.Text, "zhangsan") || strings.Contains(an.Text, "[") || !strings.Contains(an.Text, "<URL>") {
			t.Errorf("%s: text %q, want the address masked whole", in, an.Text)
		}
	}
}
