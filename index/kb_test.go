package index

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadSampleKB(t *testing.T) {
	kb, err := LoadKB("../corpora/shop/kb.yaml")
	if err != nil {
		t.Fatalf("LoadKB: %v", err)
	}
	if len(kb.Intents) < 35 {
		t.Errorf("%d intents, want at least 35", len(kb.Intents))
	}
	if kb.Shop == "" || kb.Version < 1 {
		t.Errorf("shop %q version %d", kb.Shop, kb.Version)
	}
	in, ok := kb.Intent("return_goods")
	if !ok || in.Label == "" || len(in.Examples) == 0 || len(in.Answers) == 0 {
		t.Fatalf("Intent(return_goods) = %+v, %v", in, ok)
	}
	if in != &kb.Intents[indexOf(kb, "return_goods")] {
		t.Errorf("Intent does not point into kb.Intents")
	}
	if _, ok := kb.Intent("none"); ok {
		t.Errorf("Intent(none) found")
	}
	for _, in := range kb.Intents {
		if got, ok := kb.Intent(in.ID); !ok || got.ID != in.ID {
			t.Errorf("Intent(%q) = %v, %v", in.ID, got, ok)
		}
	}
}

func indexOf(kb *KB, id string) int {
	for i, in := range kb.Intents {
		if in.ID == id {
			return i
		}
	}
	return -1
}

// validKB is a small valid knowledge base; the broken cases below change one line of it.
const validKB = `shop: 测试店
version: 1
intents:
  - id: return_goods
    label: 退货
    category: 咨询
    priority: 2
    handoff: false
    examples:
      - 我想退货
      - 怎么退货
    answers:
      - id: return_goods.a
        text: 亲，签收 7 天内支持无理由退货。
  - id: complaint
    label: 投诉
    category: 投诉
    priority: 1
    handoff: true
    examples:
      - 我要投诉
    answers:
      - id: complaint.a
        text: 非常抱歉，马上为您转人工。
`

func TestParseKBValid(t *testing.T) {
	kb, err := ParseKB([]byte(validKB), "kb.yaml")
	if err != nil {
		t.Fatalf("ParseKB: %v", err)
	}
	if len(kb.Intents) != 2 || !kb.Intents[1].Handoff || kb.Intents[0].Answers[0].ID != "return_goods.a" {
		t.Errorf("parsed %+v", kb)
	}
}

// replaceLine returns validKB with line n (1-based) replaced by repl (which may hold several
// lines).
func replaceLine(n int, repl string) string { return replaceLines(n, n, repl) }

// replaceLines returns validKB with lines from..to (1-based, inclusive) replaced by repl, or
// deleted when repl is empty.
func replaceLines(from, to int, repl string) string {
	lines := strings.Split(validKB, "\n")
	out := append([]string{}, lines[:from-1]...)
	if repl != "" {
		out = append(out, repl)
	}
	return strings.Join(append(out, lines[to:]...), "\n")
}

func TestParseKBErrors(t *testing.T) {
	long := strings.Repeat("长", MaxAnswerRunes+1)
	tests := []struct {
		name string
		yaml string
		line string // "kb.yaml:N:" expected in the error
		want string // expected reason
	}{
		{"syntax", replaceLine(5, "    label: 退货: 退款"), "kb.yaml:5:", "mapping values are not allowed"},
		{"a GBK line", replaceLine(5, "    label: \xcd\xcb\xbb\xf5"), "kb.yaml:5:", "look like GBK"},
		{"bad character", replaceLine(6, "    @category: 咨询"), "kb.yaml:6:", "cannot start any token"},
		{"unknown field", replaceLine(8, "    handof: false"), "kb.yaml:8:", "unknown field handof"},
		{"unknown top-level field", replaceLine(2, "versoin: 1"), "kb.yaml:2:", "unknown field versoin"},
		{"wrong type", replaceLine(7, "    priority: high"), "kb.yaml:7:", "`high` is not a whole number"},
		{"duplicate key", replaceLine(5, "    label: 退货\n    label: 退款"), "kb.yaml:6:", "already defined"},
		{"bad id", replaceLine(4, "  - id: Return-Goods"), "kb.yaml:4:", "must match"},
		// a keyword bot's rules are named in Chinese; the error says where that name goes
		{"Chinese id", replaceLine(4, "  - id: 退货"), "kb.yaml:4:", "ids are lower-case ASCII (issue_invoice, or pinyin: kai_piao); write the Chinese name under label:"},
		{"reserved id", replaceLine(4, "  - id: none"), "kb.yaml:4:", "reserved"},
		{"missing id", replaceLine(4, "  -"), "kb.yaml:5:", "missing id"},
		{"duplicate intent id", replaceLine(15, "  - id: return_goods"), "kb.yaml:15:", "duplicate intent id (first at line 4)"},
		{"empty label", replaceLine(5, `    label: ""`), "kb.yaml:5:", "empty label"},
		{"unknown category", replaceLine(6, "    category: 售后"), "kb.yaml:6:", "unknown category"},
		{"priority 0", replaceLine(7, "    priority: 0"), "kb.yaml:7:", "priority 0 out of range"},
		{"priority 4", replaceLine(18, "    priority: 4"), "kb.yaml:18:", "priority 4 out of range"},
		{"no examples", replaceLines(9, 11, "    examples: []"), "kb.yaml:9:", "no examples"},
		{"duplicate example", replaceLine(11, "      - 我想退货"), "kb.yaml:11:", "duplicate example"},
		{"empty example", replaceLine(11, `      - " "`), "kb.yaml:11:", "empty example"},
		{"no answers", replaceLines(22, 24, "    answers: []"), "kb.yaml:22:", "no answers"},
		{"missing answers", replaceLines(22, 24, ""), "kb.yaml:15:", "no answers"},
		{"duplicate answer id", replaceLine(23, "      - id: return_goods.a"), "kb.yaml:23:", "duplicate answer id"},
		{"empty answer id", replaceLine(13, `      - id: ""`), "kb.yaml:13:", "missing id"},
		{"empty answer text", replaceLine(14, `        text: ""`), "kb.yaml:14:", "empty text"},
		{"long answer text", replaceLine(24, "        text: "+long), "kb.yaml:24:", "more than 500"},
		{"bad placeholder", replaceLine(14, "        text: 亲{{nickname，签收 7 天内支持无理由退货。"), "kb.yaml:14:", "placeholder: byte 3: \"{{\" without \"}}\""},
		{"waiver without reason", replaceLine(14, "        text: 亲，签收 7 天内支持无理由退货。\n        waive:\n          - term: 最\n            reason: \" \""), "kb.yaml:17:", `answer "return_goods.a": waiver for "最" has no reason`},
		{"waiver reason missing", replaceLine(14, "        text: 亲，签收 7 天内支持无理由退货。\n        waive:\n          - term: 最"), "kb.yaml:16:", `waiver for "最" has no reason`},
		{"waiver without term", replaceLine(14, "        text: 亲，签收 7 天内支持无理由退货。\n        waive:\n          - reason: 说明"), "kb.yaml:16:", "waiver #1: missing term"},
		{"waiver twice", replaceLine(14, "        text: 亲。\n        waive:\n          - {term: 最, reason: a}\n          - {term: 最, reason: b}"), "kb.yaml:17:", `waiver for "最" given twice (first at line 16)`},
		{"waiver unknown field", replaceLine(14, "        text: 亲。\n        waive:\n          - {term: 最, reason: a, until: 2027}"), "kb.yaml:16:", "unknown field until"},
		{"no intents", "shop: x\nversion: 1\nintents: []\n", "kb.yaml:3:", "no intents"},
		{"empty file", "", "kb.yaml", "empty knowledge base"},
		{"two documents", validKB + "---\nshop: y\n", "kb.yaml:25:", "second YAML document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseKB([]byte(tt.yaml), "kb.yaml")
			if err == nil {
				t.Fatalf("no error for\n%s", tt.yaml)
			}
			if !strings.Contains(err.Error(), tt.line) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want %q and %q", err, tt.line, tt.want)
			}
		})
	}
}

// TestParseKBWaiversAndPlaceholders: waivers and placeholders are optional, parsed and kept; a
// knowledge base without them loads as before.
func TestParseKBWaiversAndPlaceholders(t *testing.T) {
	y := replaceLine(14, "        text: \"{{nickname|亲}}，订单 {{order_id}} 签收 7 天内支持无理由退货。\"\n"+
		"        waive:\n          - term: 最\n            reason: 最晚 is a delivery limit, not a claim")
	kb, err := ParseKB([]byte(y), "kb.yaml")
	if err != nil {
		t.Fatalf("ParseKB: %v", err)
	}
	a := kb.Intents[0].Answers[0]
	if len(a.Waive) != 1 || a.Waive[0].Term != "最" || a.Waive[0].Reason == "" {
		t.Errorf("Waive = %+v", a.Waive)
	}
	tp := a.Template()
	if tp == nil || tp.Static() {
		t.Fatalf("Template = %v, want placeholders", tp)
	}
	if got, want := tp.Fill(map[string]string{"order_id": "2026111100123"}), "亲，订单 2026111100123 签收 7 天内支持无理由退货。"; got != want {
		t.Errorf("Fill = %q, want %q", got, want)
	}
	plain := kb.Intents[1].Answers[0]
	if plain.Template() == nil || !plain.Template().Static() || plain.Template().Fill(nil) != plain.Text || plain.Waive != nil {
		t.Errorf("plain answer: template %v, waive %v", plain.Template(), plain.Waive)
	}
}

// TestParseKBSeveralErrors: independent problems are all reported.
func TestParseKBSeveralErrors(t *testing.T) {
	y := strings.Replace(validKB, "category: 咨询", "category: 其他", 1)
	y = strings.Replace(y, "priority: 1", "priority: 9", 1)
	_, err := ParseKB([]byte(y), "kb.yaml")
	if err == nil || !strings.Contains(err.Error(), "kb.yaml:6: ") || !strings.Contains(err.Error(), "kb.yaml:18: ") {
		t.Errorf("error %v, want both line 6 and line 18", err)
	}
}

func TestLoadKBMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.yaml")
	if _, err := LoadKB(path); !os.IsNotExist(unwrapAll(err)) {
		t.Errorf("LoadKB(missing) = %v", err)
	}
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return err
		}
		err = u.Unwrap()
	}
}

// TestParseKBNullItems: a null item (a stray "-" or "~") among the intents, an intent's
// examples or answers, or an answer's waivers is refused at its own line, as an empty one is;
// yaml.v3 leaves it out of the decoded list, so it went unnoticed and every item after it was
// reported at the line of the item before it.
func TestParseKBNullItems(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string // each in the error, with its line
	}{
		{"example", replaceLine(11, "      -\n      - 我想退货"),
			[]string{`kb.yaml:11: intent "return_goods": example #2: empty`, `kb.yaml:12: intent "return_goods": duplicate example "我想退货" (first at line 10)`}},
		{"only example", replaceLines(9, 11, "    examples: [~]"),
			[]string{`kb.yaml:9: intent "return_goods": example #1: empty`}},
		{"answer", replaceLines(23, 24, "      - ~\n      - id: complaint.a\n        text: \"\""),
			[]string{`kb.yaml:23: intent "complaint": answer #1: empty`, `kb.yaml:25: intent "complaint": answer "complaint.a": empty text`}},
		{"intent", replaceLines(15, 18, "  -\n  - id: complaint\n    label: 投诉\n    category: 投诉\n    priority: 4"),
			[]string{`kb.yaml:15: intent #2: empty`, `kb.yaml:19: intent "complaint": priority 4 out of range`}},
		{"waiver", replaceLine(14, "        text: 亲，签收 7 天内支持无理由退货。\n        waive:\n          -\n          - term: 最"),
			[]string{`kb.yaml:16: intent "return_goods": answer "return_goods.a": waiver #1: empty`, `kb.yaml:17: intent "return_goods": answer "return_goods.a": waiver for "最" has no reason`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseKB([]byte(tt.yaml), "kb.yaml")
			if err == nil {
				t.Fatalf("no error for\n%s", tt.yaml)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%v\nwant %q", err, w)
				}
			}
			if n := len(strings.Split(err.Error(), "\n")); n != len(tt.want) {
				t.Errorf("%d errors, want %d:\n%v", n, len(tt.want), err)
			}
		})
	}
}

// TestParseKBFoldedExamples: examples YAML folds into one (an item indented a space short of the
// items after it) are zhiyi train's to refuse (train.CheckKB), not ParseKB's: a bundle the
// release before trained from such a kb.yaml served, and refused at load it kept zhiyi serve
// from starting after the upgrade.
func TestParseKBFoldedExamples(t *testing.T) {
	kb, err := ParseKB([]byte(replaceLine(10, "     - 我想退货")), "kb.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if in, _ := kb.Intent("return_goods"); len(in.Examples) != 1 || in.Examples[0] != "我想退货 - 怎么退货" {
		t.Errorf("examples %q", in.Examples)
	}
}

// An example that holds " - " on its own line is one example, not items folded together.
func TestParseKBExampleWithDash(t *testing.T) {
	kb, err := ParseKB([]byte(replaceLine(11, "      - iPhone 15 - 手机壳能退吗")), "kb.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if in, _ := kb.Intent("return_goods"); len(in.Examples) != 2 || in.Examples[1] != "iPhone 15 - 手机壳能退吗" {
		t.Errorf("examples %q", in.Examples)
	}
}

// TestParseKBTraditionalCategory: a shop that writes traditional script writes its categories so
// (諮詢, 投訴, 建議); they were refused as unknown. They are served in the form Categories gives,
// which gateways route on; anything else is still refused.
func TestParseKBTraditionalCategory(t *testing.T) {
	y := strings.Replace(strings.Replace(validKB, "category: 咨询", "category: 諮詢", 1), "category: 投诉", "category: 投訴", 1)
	kb, err := ParseKB([]byte(y), "kb.yaml")
	if err != nil {
		t.Fatalf("ParseKB: %v", err)
	}
	if got := []string{kb.Intents[0].Category, kb.Intents[1].Category}; got[0] != "咨询" || got[1] != "投诉" {
		t.Errorf("categories %q, want [咨询 投诉]", got)
	}
	if _, err := ParseKB([]byte(strings.Replace(validKB, "category: 咨询", "category: 問題", 1)), "kb.yaml"); err == nil || !strings.Contains(err.Error(), `unknown category "問題"`) {
		t.Errorf("an unknown category: %v", err)
	}
}
