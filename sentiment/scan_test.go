package sentiment

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/zhiyi-ai/zhiyi/nlp"
)

// cueString renders cues compactly: text/kind[:reason]=weight, with ¬ for negated ones.
func cueString(cues []Cue) string {
	var parts []string
	for _, c := range cues {
		s := c.Text + "/" + c.Kind.String()
		if c.Reason != "" {
			s += ":" + c.Reason
		}
		if c.Negated {
			s = "¬" + s
		}
		parts = append(parts, fmt.Sprintf("%s=%.4g", s, c.Weight))
	}
	return strings.Join(parts, " ")
}

func TestScan(t *testing.T) {
	lex, err := LoadLexicon(shopLexicon)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, text, cues string
		neg, urg         float32
	}{
		// Degree words multiply the next cue; scopes end at spaces and punctuation.
		{"degree", "太失望了", "太失望/negative=2.25", 2.25, 0},
		{"mild degree", "有点失望", "有点失望/negative=1.05", 1.05, 0},
		{"degree two runes away", "太让人失望", "太让人失望/negative=2.25", 2.25, 0},
		{"degree out of scope", "太让人家失望", "失望/negative=1.5", 1.5, 0},
		{"degree stops at a space", "非常 失望", "失望/negative=1.5", 1.5, 0},
		{"degree before a negated negative word", "非常不满意", "非常不满/negative=1.5", 1.5, 0},
		// Negation cancels negative and urgent cues, and turns positives negative.
		{"not angry", "我不生气", "¬不生气/negative=0", 0, 0},
		{"not urgent", "不急，慢慢发就行", "¬不急/urgent:time=0", 0, 0},
		{"not in a hurry", "不用着急", "¬不用着急/urgent:time=0", 0, 0},
		{"take your time", "别着急，慢慢查，我等着", "", 0, 0},
		{"not satisfied", "不是很满意", "¬不是很满意/negative=1", 1, 0},
		{"not warm", "一点都不保暖", "¬一点都不保暖/negative=1", 1, 0},
		{"negation out of scope", "我不是开玩笑 真的冒烟了", "真的冒烟/urgent:safety=3.9", 0, 3.9},
		{"double negation", "没有不满意", "¬没有不满/negative=0", 0, 0},
		{"condition then threat", "不退款就报警", "报警/urgent:threat=3", 0, 3},
		{"negation of a verb", "一直不停冒烟", "冒烟/urgent:safety=3", 0, 3},
		{"negation of a verb before a degree", "一直没发货太失望了", "太失望/negative=2.25", 2.25, 0},
		{"negation glued to its cue", "不容易过敏的面料", "¬不容易过敏/urgent:safety=0", 0, 0},
		// X不X questions negate nothing, but 会不会 asks whether it could happen.
		{"A-not-A", "是不是起球了", "起球/negative=0.5", 0.5, 0},
		{"could it", "会不会起球", "¬会不会起球/negative=0", 0, 0},
		{"could it catch fire", "这个充电宝会不会冒烟啊", "¬会不会冒烟/urgent:safety=0", 0, 0},
		{"how to prevent", "怎么防止账号被盗", "¬防止账号被盗/urgent:money=0", 0, 0},
		{"in case", "万一过敏了怎么办", "¬万一过敏/urgent:safety=0", 0, 0},
		{"a question is no negated positive", "穿着会不会舒服", "¬会不会舒服/positive=0", 0, 0},
		{"out of its scope", "会不会 冒烟了", "冒烟/urgent:safety=3", 0, 3},
		{"A-not-A with a two-rune negation", "账号是不是被盗了", "被盗/urgent:money=3", 0, 3},
		{"A-not-A with 没有", "有没有过敏的", "过敏/urgent:safety=2", 0, 2},
		// Prohibitions complain: 别 is no negation.
		{"prohibition", "能不能别敷衍我", "敷衍/negative=1.2", 1.2, 0},
		// Neutral phrases shield the cues inside them.
		{"shield", "买了一周就降价了 能补差价吗", "", 0, 0},
		{"business trip", "我下周出差 能先改个地址吗", "", 0, 0},
		{"demand an answer", "快递丢了 你们必须给我个说法", "给我个说法/negative=1.5", 1.5, 0},
		{"polite", "不好意思 麻烦你了", "", 0, 0},
		// Emoji and profanity are lexicon terms.
		{"emoji", "😡😡", "😡/negative=2 😡/negative=2", 4, 0},
		{"profanity", "什么破手机壳", "什么破/profanity=2", 2, 0},
		{"threat", "再不处理我就去12315投诉", "12315/urgent:threat=3 投诉/negative=1.2", 1.2, 3},
		{"nothing", "这件卫衣是纯棉的吗", "", 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			var sc lexScores
			var cues []Cue
			lex.scan(nlp.Normalize(c.text), &sc, &cues)
			if got := cueString(cues); got != c.cues {
				t.Errorf("cues = %q, want %q", got, c.cues)
			}
			if !near(sc.neg, c.neg) || !near(sc.urg, c.urg) {
				t.Errorf("neg %v urg %v, want %v %v", sc.neg, sc.urg, c.neg, c.urg)
			}
		})
	}
}

func near(a, b float32) bool { return a-b < 1e-5 && b-a < 1e-5 }

func TestDecodeRune(t *testing.T) {
	// Every rune class the fast path takes or leaves, and broken sequences, decode as the
	// standard library does.
	for _, s := range []string{"a", "é", "中", "ｆ", "😡", "\ufeff", "\ued00", "\xe0\xa0\x80", "\xed\x9f\xbf",
		"\xe4\xb8", "\xe4\xb8x", "\xe4", "\xff", "\xef\xbf\xbd", "\xee\x80\x80"} {
		for _, tail := range []string{"", "z", "中"} {
			in := s + tail
			r, n := decodeRune(in, 0)
			wr, wn := utf8.DecodeRuneInString(in)
			if r != wr || n != wn {
				t.Errorf("decodeRune(%q) = %U,%d, want %U,%d", in, r, n, wr, wn)
			}
		}
	}
}
