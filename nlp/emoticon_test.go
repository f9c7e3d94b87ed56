package nlp

import (
	"slices"
	"testing"
)

// WeChat sends its faces as codes: the customer who typed [微笑]好的 smiled and said okay, and
// 微笑 is no word of theirs. Bracketed text that is no face stays words.
func TestWeChatFaceCodesAreEmoji(t *testing.T) {
	a := mustShopAnalyzer(t)
	tests := []struct {
		text       string
		face, word string // the face's token; its name, which must not be a term ("" for none)
	}{
		{"[微笑]好的", "🙂", "微笑"},
		{"谢谢[玫瑰]", "🌹", "玫瑰"},
		{"[捂脸]怎么还没发货", "🤦", "捂脸"},
		{"[OK][OK]", "👌", ""},
		{"[发怒][发怒]你们怎么回事", "😡", "发怒"},
		{"[奋斗]加油", "[奋斗]", "奋斗"}, // no clear emoji: the code
	}
	for _, tt := range tests {
		terms := a.Analyze(tt.text).Terms
		if !slices.Contains(terms, tt.face) || tt.word != "" && slices.Contains(terms, tt.word) {
			t.Errorf("%s: terms %q, want the face %s as a term and no %q", tt.text, terms, tt.face, tt.word)
		}
	}
	// a label or a field in brackets is words, as is an unclosed or unknown code
	for _, tt := range []struct{ text, word string }{
		{"[订单号]怎么填", "订单号"}, {"[图片]看一下", "图片"}, {"[微笑好的", "微笑"}, {"[微笑脸]", "微笑"},
	} {
		if terms := a.Analyze(tt.text).Terms; !slices.Contains(terms, tt.word) {
			t.Errorf("%s: terms %q, want %s among them", tt.text, terms, tt.word)
		}
	}
}

// A face code is the emoji it stands for, so it shares with the emoji typed on a phone, and so
// with what the model learnt of it: [OK] was thanks_goodbye 0.98 as 👌 and none 0.14 as a code of
// its own; [强] and [抱拳] shared nothing with 👍 and 🙏.
func TestFaceCodeSharesWithWhatItMeans(t *testing.T) {
	a := mustShopAnalyzer(t)
	for _, tt := range []struct{ code, emoji string }{
		{"[OK]", "👌"}, {"[好的]", "👌"}, {"[强]", "👍"}, {"[再见]", "👋"}, {"[抱拳]", "🙏"},
		{"[玫瑰]", "🌹"}, {"[流泪]", "😢"}, {"[爱心]", "❤️"}, {"[胜利]", "✌️"},
	} {
		if got, want := a.Analyze(tt.code).Features, a.Analyze(tt.emoji).Features; !slices.Equal(got, want) {
			t.Errorf("%s (tokens %q): features %v, want %s's %v", tt.code, a.Analyze(tt.code).Tokens, got, tt.emoji, want)
		}
	}
	// every emoji is a face's, and is one token as Normalize leaves it
	for name, e := range wechatFaceEmoji {
		if _, ok := wechatFaces[name]; !ok {
			t.Errorf("%s (%s) is no face name", name, e)
		}
		if got := a.Analyze(e).Tokens; !slices.Equal(got, []string{e}) {
			t.Errorf("%s's emoji %s: tokens %q", name, e, got)
		}
	}
}

// A thumbs-up is one, whatever its skin tone: 👍🏻 became 👍 and a term 🏻 of its own, shared by every
// toned emoji and voting for nothing.
func TestSkinToneIsNotATerm(t *testing.T) {
	a := mustShopAnalyzer(t)
	plain := a.Analyze("好的👍").Terms
	for _, text := range []string{"好的👍🏻", "好的👍🏿", "好的👍🏽"} {
		if got := a.Analyze(text).Terms; !slices.Equal(got, plain) {
			t.Errorf("%s: terms %q, want %q", text, got, plain)
		}
	}
	if got := Normalize("👋🏼你好"); got != "👋你好" {
		t.Errorf("Normalize(👋🏼你好) = %q, want 👋你好", got)
	}
}
