package nlp

import "testing"

// TestOnlyGivesDataWithoutShopDictionaries: a new shop has no userdict.txt or stopwords.txt yet;
// its messages that only give data must read so all the same, or they train, and go on sheets
// to label, as requests.
func TestOnlyGivesDataWithoutShopDictionaries(t *testing.T) {
	a, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	for text, want := range map[string]bool{
		"微信号 qinghe_lili88":     true,
		"我的微信 wxid_abc123xyz":   true,
		"我的手机号 13812345678":     true,
		"微信号：zhang_san88":       true,
		"加我微信zhang_san88 我发你图片": false,
		"我的快递 13812345678 到哪了":  false,
	} {
		if got := a.TextOnlyGivesData(text); got != want {
			t.Errorf("TextOnlyGivesData(%q) = %v, want %v (tokens %q)", text, got, want, a.Analyze(text).Tokens)
		}
	}
}
