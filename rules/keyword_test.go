package rules

import (
	"strings"
	"testing"
)

// TestTextKeywordsPreparedAsMessages: a text keyword goes through what the message's text went
// through (nlp.Analysis.Text), so the operator's keyword matches the message it was copied from.
// Before, each of these loaded and never matched: the customer saw the classifier's answer
// instead of the rule's (a complaint in traditional script not handed off, 急急急 not hurried),
// because the keyword was compared unfolded, uncollapsed and with the spaces the message had.
func TestTextKeywordsPreparedAsMessages(t *testing.T) {
	s := mustParse(t, `version: 1
rules:
  - id: traditional
    match: {text: {contains: [投訴], exact: [轉人工]}}
    action: {handoff: urgent}
  - id: repeated
    match: {text: {contains: [急急急], exact: [在吗在吗]}}
    action: {handoff: high}
  - id: spaced
    match: {text: {contains: [双11, iphone15, 满 300]}}
    action: {answer: 双11 活动说明}
  - id: spaced_exact
    match: {text: {exact: [人工客服]}}
    action: {intent: human_agent}
  - id: words
    match: {text: {contains: [applewatch]}}
    action: {silent: true}
  - id: regex_space
    match: {text: {regex: ['包 邮']}}
    action: {silent: true}
`, Options{Analyzer: analyzer(t)})
	for _, tt := range []struct{ text, want string }{
		// traditional script: the message is folded to simplified, and now so is the keyword
		{"我要投訴！", "traditional"},
		{"我要投诉", "traditional"},
		{"轉人工", "traditional"},
		// repeats: 急急急急 and 在吗在吗 are collapsed in the message, and now in the keyword
		{"急急急！快发货", "repeated"},
		{"急急急急急急", "repeated"},
		{"在吗在吗", "repeated"},
		{"在吗在吗在吗", "repeated"},
		// spaces an input method puts between Chinese, digits and letters do not count
		{"双 11 有优惠吗", "spaced"},
		{"双11有优惠吗", "spaced"},
		{"iPhone 15有货吗", "spaced"},
		{"满300减多少", "spaced"},
		{"人工 客服", "spaced_exact"},
		{"人工客服", "spaced_exact"},
		{"转 人工", "traditional"},
		// but a space between two words stays a word boundary
		{"apple watch 有吗", ""},
		{"applewatch 有吗", "words"},
		// regexes see the text as it is, spaces included
		{"包 邮吗", "regex_space"},
		{"包邮吗", ""},
	} {
		if got := matchID(t, s, tt.text, Input{}); got != tt.want {
			t.Errorf("%q (analysed text %q): rule %q, want %q", tt.text, analyzer(t).Analyze(tt.text).Text, got, tt.want)
		}
	}
}

// TestKeywordsThatCanNeverMatchAreRefused: each of these loaded before and did something the
// operator did not mean. A regex that matches the empty string (a stray |, an optional group)
// matched every message, so with handoff: urgent every customer jumped the queue; the others
// never matched anything (rules see folded, collapsed, masked text). Now the file is refused,
// with the line and what to write instead.
func TestKeywordsThatCanNeverMatchAreRefused(t *testing.T) {
	for _, tt := range []struct{ name, match, want string }{
		{"empty alternative", `text: {regex: ['退款|退货|']}`, `matches the empty string, so every message`},
		{"optional group", `text: {regex: ['(退款)?']}`, `write any: true`},
		{"star", `text: {regex: ['退*']}`, `matches the empty string`},
		{"anchored optional", `text: {regex: ['^(退款)?']}`, `matches the empty string`},
		{"terms regex matching empty", `terms: {regex: ['退货|']}`, `match.terms.regex: regex "退货|" matches the empty string`},
		{"traditional regex", `text: {regex: ['退.{0,4}運費']}`, `"運費" never occurs in analysed text, which reads it "运费"`},
		{"repeated regex literal", `text: {regex: ['急急急']}`, `which reads it "急急"`},
		{"phone regex", `text: {regex: ['1[3-9]\d{9}']}`, `match the placeholder <PHONE> instead`},
		{"e-mail regex", `text: {regex: ['\w+@qq\.com']}`, `match the placeholder <EMAIL> instead`},
		{"piece of an e-mail", `text: {contains: ["@qq.com"]}`, `keyword "@qq.com" never matches: it is part of personal data`},
		{"piece of a URL", `text: {contains: ["www."]}`, `match the placeholder <URL> instead`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src := "version: 1\nrules:\n  - id: r\n    match: {" + tt.match + "}\n    action: {handoff: urgent}\n"
			_, err := Parse([]byte(src), "rules.yaml", Options{Analyzer: analyzer(t)})
			if err == nil {
				t.Fatalf("%s loads", tt.match)
			}
			if !strings.Contains(err.Error(), `rules.yaml:4: rule "r": match.`) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want rules.yaml:4, the rule and %q", err, tt.want)
			}
		})
	}
}

// TestKeywordsNearTheRefusalsLoad: the checks above refuse only what cannot work; patterns that
// match ordinary text, an empty message (^$) or a placeholder still load and match.
func TestKeywordsNearTheRefusalsLoad(t *testing.T) {
	s := mustParse(t, `version: 1
rules:
  - id: empty
    match: {text: {regex: ['^$']}}
    action: {silent: true}
  - id: phone
    match: {text: {regex: ['<PHONE>|1[3-9]\d{9}']}}
    action: {handoff: normal}
  - id: digits
    match: {text: {regex: ['\d+件']}, terms: {contains: [qq]}}
    action: {answer: 好的}
  - id: hotline
    match: {text: {contains: ["12315", 急急]}}
    action: {handoff: urgent}
`, Options{Analyzer: analyzer(t)})
	for _, tt := range []struct{ text, want string }{
		{"", "empty"},
		{"我的电话13812345678", "phone"},
		{"买2件", "digits"},
		{"我要打12315", "hotline"},
		{"急急急急", "hotline"},
	} {
		if got := matchID(t, s, tt.text, Input{}); got != tt.want {
			t.Errorf("%q: rule %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestJoinSpaces(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		if got := joinSpacesString(in); got != want {
			t.Errorf("joinSpaces(%q) = %q, want %q", in, got, want)
		}
		if got := string(joinSpaces([]byte("x"), in)); got != "x"+want {
			t.Errorf("joinSpaces(x, %q) = %q, want x%q", in, got, want)
		}
	}
	f("双 11 有优惠吗", "双11有优惠吗")
	f("iphone 15 pro max", "iphone15pro max")
	f("转 人工", "转人工")
	f("apple watch", "apple watch")
	f("3 5", "3 5")
	f("<PHONE> 谢谢", "<PHONE> 谢谢")
	f("好的, 谢谢", "好的, 谢谢")
	f(" 双 ", " 双 ")
	f("", "")
}

// TestAnchoredAndShortMessageRegexesLoad: the refusals above try a pattern on whole ordinary
// messages, one at a time, so a rule for a menu reply that is only a number (^\d+$ on "2"), only
// letters and digits, or a short message (^.{0,4}$: 在吗, 嗯) loads, matches what it was written
// for, and not a long message.
func TestAnchoredAndShortMessageRegexesLoad(t *testing.T) {
	for _, tt := range []struct{ re, hit, miss string }{
		{`^\d+$`, "2", "我买了2件"},
		{`^\d+$`, "15", "iphone15"},
		{`^[a-z0-9]+$`, "ok", "ok谢谢"},
		{`^\w+$`, "iphone15", "iphone15有货吗"},
		{`^.{0,4}$`, "在吗", "我想问一下什么时候发货"},
		{`^.{0,4}$`, "嗯", "亲，我的快递三天了还没到"},
	} {
		s, err := Parse([]byte("version: 1\nrules:\n  - id: only\n    match: {text: {regex: ['"+tt.re+"']}}\n    action: {silent: true}\n"),
			"rules.yaml", Options{Analyzer: analyzer(t)})
		if err != nil {
			t.Errorf("%s is refused: %v", tt.re, err)
			continue
		}
		if got := matchID(t, s, tt.hit, Input{}); got != "only" {
			t.Errorf("%s on %q: rule %q, want only", tt.re, tt.hit, got)
		}
		if got := matchID(t, s, tt.miss, Input{}); got != "" {
			t.Errorf("%s on %q: rule %q, want none", tt.re, tt.miss, got)
		}
	}
}
