package sentiment

import (
	"strings"
	"sync"
	"testing"

	"github.com/zhiyi-ai/zhiyi/nlp"
)

// Messages written for this test, none of them in the labelled set.
var analyzerCases = []struct {
	name, text string
	tag        Tag
	strong     bool
	reason     string
}{
	// neutral: questions and requests, problems stated calmly, praise
	{"plain question", "这件羽绒服有没有M码", Neutral, false, ""},
	{"return procedure", "请问退货要怎么操作", Neutral, false, ""},
	{"negative word in a question", "这双鞋穿久了会不会开胶", Neutral, false, ""},
	{"safety word in a question", "这个充电宝放车里会不会发烫", Neutral, false, ""},
	{"negation of urgency", "不急的 你们慢慢来", Neutral, false, ""},
	{"negation of anger", "我没生气 就是问问", Neutral, false, ""},
	{"praise with degree", "衣服特别好看 非常喜欢", Neutral, false, ""},
	{"size question with numbers", "码数咋选啊 我164 120斤 肚子有点肉", Neutral, false, ""},
	{"size question for someone else", "给我妈买 她155 130斤 穿什么码合适", Neutral, false, ""},
	{"english question", "hi, can I return this", Neutral, false, ""},
	{"english tracking", "hello where is my package", Neutral, false, ""},
	{"size question, not urgent", "码数咋选啊 我164 120斤 肚子有点肉 不急", Neutral, false, ""},
	{"for someone else, not urgent", "给我妈买 她155 130斤 穿什么码合适 不急哈", Neutral, false, ""},
	{"praise with exclamations", "收到了!!! 太喜欢了", Neutral, false, ""},
	{"emoji only, friendly", "👍👍", Neutral, false, ""},
	// negative: disappointment, sarcasm, anger, profanity
	{"disappointed", "太让人失望了 跟图片完全不一样", Negative, true, ""}, // lexicon score 2.75 ≥ the model's lexstrong
	{"negated positive", "不太满意 颜色偏暗", Negative, false, ""},
	{"sarcasm", "呵呵 这就是你们说的正品", Negative, false, ""},
	{"profanity", "什么垃圾质量 穿一次就破了", Negative, true, ""},
	{"angry emoji only", "😡😡", Negative, true, ""},
	{"angry punctuation", "到底还要等多久???", Negative, true, ""},
	// urgent: time, safety, money, threats
	{"time pressure", "我后天就要去外地 今天必须发出来", Urgent, true, "time"},
	{"polite but urgent", "您好 麻烦尽快帮我加急 明天就要用了 谢谢", Urgent, true, "time"},
	{"smoke", "耳机充电盒冒烟了", Urgent, true, "safety"},
	{"allergy", "穿了以后脖子过敏 起了一片红疹", Urgent, true, "safety"},
	{"swallowed", "孩子误吞了纽扣电池", Urgent, true, "safety"},
	{"charged twice", "一个订单扣了两次钱", Urgent, true, "money"},
	{"stolen account", "我的账号被盗了 地址都被改了", Urgent, true, "money"},
	{"threat", "不给我处理我就投诉到消协", Urgent, true, "threat"},
	{"threat with negation in front", "不是吓唬你 我真的会起诉", Urgent, true, "threat"},
}

func TestAnalyze(t *testing.T) {
	lex, err := LoadLexicon(shopLexicon)
	if err != nil {
		t.Fatal(err)
	}
	a := mustNew(t, lex, Options{})
	for _, c := range analyzerCases {
		t.Run(c.name, func(t *testing.T) {
			r := a.Analyze(nlp.Normalize(c.text))
			if r.Tag != c.tag || r.Strong != c.strong || r.Reason != c.reason {
				t.Errorf("%s: %s strong=%v reason=%q (probs %.2f, strength %.2f, cues %s); want %s strong=%v reason=%q",
					c.text, r.Tag, r.Strong, r.Reason, r.Probs, r.Strength, cueString(r.Cues), c.tag, c.strong, c.reason)
			}
			if r.Score != r.Probs[r.Tag] {
				t.Errorf("Score %v is not the probability of the tag %v", r.Score, r.Probs)
			}
			if s := r.Probs[0] + r.Probs[1] + r.Probs[2]; s < 0.999 || s > 1.001 {
				t.Errorf("probabilities sum to %v", s)
			}
		})
	}
}

// TestNegatedCuesOnly: a customer who says they are not angry, not in a hurry, at all (一点都不
// 生气, 一点也不急) was tagged 负面 although the negation was found (its cue weighed 0): the model
// read 一点都不 as it reads it before a positive (一点都不好). With every cue cancelled, the
// cancelled words are no evidence; the rest of the message still is.
func TestNegatedCuesOnly(t *testing.T) {
	lex, err := LoadLexicon(shopLexicon)
	if err != nil {
		t.Fatal(err)
	}
	a := mustNew(t, lex, Options{})
	for _, c := range []struct {
		text string
		tag  Tag
	}{
		{"我一点都不生气", Neutral},
		{"一点也不急", Neutral},
		{"我一点都不着急", Neutral},
		{"我不生气", Neutral},
		{"一点都不满意", Negative},              // a negated positive is a negative cue
		{"我一点都不生气，就是很失望", Negative},       // a cue the customer means
		{"我不生气 我就是想知道你们怎么好意思的", Negative}, // the rest reads negative (labelled set, line 432)
		{"你们是机器人吗 听不懂人话？", Negative},      // line 203
	} {
		m, _ := nlp.Mask(nlp.Fold(nlp.Normalize(c.text)))
		if r := a.Analyze(m); r.Tag != c.tag {
			t.Errorf("%q is %s (probs %.2f, cues %s); want %s", c.text, r.Tag, r.Probs, cueString(r.Cues), c.tag)
		}
	}
}

// TestLexiconOnly checks the baseline's rules: thresholds of 1 and the strong score of 2.
func TestLexiconOnly(t *testing.T) {
	lex, err := LoadLexicon(shopLexicon)
	if err != nil {
		t.Fatal(err)
	}
	a := mustNew(t, lex, Options{LexiconOnly: true})
	for _, c := range []struct {
		text   string
		tag    Tag
		strong bool
		score  float32
	}{
		{"有点失望", Negative, false, 1.05},
		{"质量太差", Negative, false, 1.5},
		{"太失望了", Negative, true, 2.25}, // degree: 1.5 × 1.5 ≥ 2
		{"垃圾", Negative, true, 2},
		{"满意 就是有点失望", Neutral, false, 0}, // positive offsets negative
		{"不急", Neutral, false, 0},
		{"麻烦尽快", Urgent, true, 1},
		{"爆炸了", Urgent, true, 3},
		{"会不会爆炸", Neutral, false, 0}, // a question whether it could happen ([hypothetical])
		{"好的!!!", Neutral, false, 0}, // punctuation is a cue, not a score
	} {
		r := a.Analyze(c.text)
		if r.Tag != c.tag || r.Strong != c.strong || !near(r.Score, c.score) || r.Probs != ([numTags]float32{}) {
			t.Errorf("%s: %s strong=%v score=%v probs=%v; want %s %v %v", c.text, r.Tag, r.Strong, r.Score, r.Probs, c.tag, c.strong, c.score)
		}
	}
	if r := a.Analyze("好的!!!"); cueString(r.Cues) != "!!!/punctuation=3" {
		t.Errorf("punctuation cue: %s", cueString(r.Cues))
	}
}

func TestAnalyzeCues(t *testing.T) {
	lex, err := LoadLexicon(shopLexicon)
	if err != nil {
		t.Fatal(err)
	}
	a := mustNew(t, lex, Options{})
	for _, c := range []struct{ text, cues string }{
		{"太失望了！！！", "太失望/negative=2.25 !!!/punctuation=3"},
		{"不急 ？？", "¬不急/urgent:time=0 ??/punctuation=2"},
		{"?!?!", "?!?!/punctuation=4"},
		{"这件卫衣是纯棉的吗?", ""},
	} {
		r := a.Analyze(nlp.Normalize(c.text))
		if got := cueString(r.Cues); got != c.cues {
			t.Errorf("%s: cues %q, want %q", c.text, got, c.cues)
		}
	}
}

func TestStrongThreshold(t *testing.T) {
	lex, err := LoadLexicon(shopLexicon)
	if err != nil {
		t.Fatal(err)
	}
	if a := mustNew(t, lex, Options{}); a.StrongThreshold() != DefaultModel().Config().StrongThreshold {
		t.Errorf("default threshold %v, want the model's %v", a.StrongThreshold(), DefaultModel().Config().StrongThreshold)
	}
	text := "什么垃圾质量 穿一次就破了"
	r := mustNew(t, lex, Options{}).Analyze(text)
	if r.Tag != Negative {
		t.Fatalf("%s: %s", text, r.Tag)
	}
	// The same message is strong or not as the threshold passes its strength.
	below := mustNew(t, lex, Options{StrongThreshold: float64(r.Strength) - 0.01}).Analyze(text)
	above := mustNew(t, lex, Options{StrongThreshold: min(float64(r.Strength)+0.01, 1)}).Analyze(text)
	if !below.Strong || (r.Strength < 0.99 && above.Strong) {
		t.Errorf("strength %.3f: strong %v below, %v above the threshold", r.Strength, below.Strong, above.Strong)
	}
	for _, bad := range []float64{-0.1, 1.5} {
		if _, err := New(lex, Options{StrongThreshold: bad}); err == nil {
			t.Errorf("threshold %v: no error", bad)
		}
	}
}

func TestNoLexicon(t *testing.T) {
	a := mustNew(t, nil, Options{})
	r := a.Analyze("充电宝冒烟了!!!")
	if len(r.Cues) != 1 || r.Cues[0].Kind != CuePunctuation {
		t.Errorf("without a lexicon only punctuation cues remain: %s", cueString(r.Cues))
	}
	if s := r.Probs[0] + r.Probs[1] + r.Probs[2]; s < 0.999 || s > 1.001 {
		t.Errorf("probabilities sum to %v", s)
	}
	if r := mustNew(t, nil, Options{LexiconOnly: true}).Analyze("充电宝冒烟了"); r.Tag != Neutral {
		t.Errorf("lexicon-only without a lexicon: %s", r.Tag)
	}
}

// TestManyUrgentReasons: a shop's lexicon may name more urgent reasons than get a model feature
// of their own (maxReasons): the default lexicon's time, safety, money and threat, a plain
// [urgent] section, and a shop's health, legal, account, privacy and fraud are ten. Analyzing
// with it must not fail (it panicked on every message, so zhiyi serve answered none), and a
// cue of the tenth reason is still urgent, with its reason.
func TestManyUrgentReasons(t *testing.T) {
	src := "[urgent]\n急\n"
	for _, r := range []string{"time", "safety", "money", "threat", "health", "legal", "account", "privacy", "fraud"} {
		src += "[urgent:" + r + "]\n" + r + "-cue 3\n"
	}
	lex, err := ParseLexicon(strings.NewReader(src), "sentiment.txt")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(lex.Reasons()); n <= maxReasons {
		t.Fatalf("setup: %d reasons, want more than %d", n, maxReasons)
	}
	for _, opt := range []Options{{}, {LexiconOnly: true}} {
		a, err := New(lex, opt)
		if err != nil {
			t.Fatal(err)
		}
		r := a.Analyze("fraud-cue 有人冒充客服")
		if r.Tag != Urgent || r.Reason != "fraud" {
			t.Errorf("lexicon only %v: tag %v reason %q, want urgent (fraud)", opt.LexiconOnly, r.Tag, r.Reason)
		}
	}
}

// TestAnalyzeConcurrent runs one analyser from several goroutines (meaningful under -race) and
// wants the same results as one goroutine.
func TestAnalyzeConcurrent(t *testing.T) {
	lex, dev, _ := shopSet(t)
	a := mustNew(t, lex, Options{})
	want := make([]Result, len(dev))
	for i, e := range dev {
		want[i] = a.Analyze(e.Text)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var r Result
			for i := range dev {
				j := (i + g*37) % len(dev)
				a.AnalyzeTo(&r, dev[j].Text)
				if r.Tag != want[j].Tag || r.Probs != want[j].Probs || cueString(r.Cues) != cueString(want[j].Cues) {
					errs <- dev[j].Raw
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Errorf("concurrent result differs for %s", e)
	}
}

func TestTags(t *testing.T) {
	for tag := Neutral; tag < numTags; tag++ {
		for _, s := range []string{tag.String(), tag.Label()} {
			if got, err := ParseTag(s); err != nil || got != tag {
				t.Errorf("ParseTag(%q) = %v, %v", s, got, err)
			}
		}
	}
	if _, err := ParseTag("angry"); err == nil || !strings.Contains(err.Error(), "angry") {
		t.Errorf("ParseTag(angry): %v", err)
	}
	if s := Tag(7).String() + CueKind(9).String(); s != "Tag(7)CueKind(9)" {
		t.Errorf("out of range: %s", s)
	}
}

// FuzzAnalyze feeds arbitrary text (normalised, as callers must) to the model and the baseline:
// no panic, probabilities that sum to one, and cues that are substrings of the text.
func FuzzAnalyze(f *testing.F) {
	for _, c := range analyzerCases {
		f.Add(c.text)
	}
	for _, s := range []string{"", "!", "?!?!", "不", "会不会", "太", "\xff\xfe", "<PHONE> 急", "😡", "差价差价", "不是很"} {
		f.Add(s)
	}
	lex, err := LoadLexicon(shopLexicon)
	if err != nil {
		f.Fatal(err)
	}
	model := mustNew(f, lex, Options{})
	base := mustNew(f, lex, Options{LexiconOnly: true})
	f.Fuzz(func(t *testing.T, text string) {
		text = nlp.Normalize(text)
		for _, a := range []*Analyzer{model, base} {
			r := a.Analyze(text)
			if r.Tag >= numTags || r.Strength < 0 || r.Strength > 1 {
				t.Fatalf("%q: tag %d strength %v", text, r.Tag, r.Strength)
			}
			if a == model {
				if s := r.Probs[0] + r.Probs[1] + r.Probs[2]; s < 0.999 || s > 1.001 {
					t.Fatalf("%q: probabilities sum to %v", text, s)
				}
			}
			for _, c := range r.Cues {
				if c.Text == "" || !strings.Contains(text, c.Text) {
					t.Fatalf("%q: cue %q is not in the text", text, c.Text)
				}
			}
		}
	})
}

// TestPlaceholdersCountOnce: masked personal data says nothing of the tone: neither the letters
// of its placeholder nor the placeholder itself count, in the length or in any n-gram. A calm
// question with a phone and an e-mail given, masked, was long enough (the placeholders' fourteen
// letters) to be read as urgent and handed off with priority 1; a calm change of address with a
// name, a phone and an address was, from the n-grams that spanned them.
func TestPlaceholdersCountOnce(t *testing.T) {
	lex, err := LoadLexicon(shopLexicon)
	if err != nil {
		t.Fatal(err)
	}
	a := mustNew(t, lex, Options{})
	for _, text := range []string{"快递到哪了 我电话<PHONE> 邮箱 <EMAIL>", "发票开了吗 邮箱<EMAIL> 订单<ORDER>",
		"收件人<NAME> <PHONE> 广东省深圳市南山区<ADDR> 帮我改地址"} { // read urgent (0.58) from the n-grams beside the placeholders
		if r := a.Analyze(text); r.Tag != Neutral {
			t.Errorf("%s: %s %.2f, want neutral", text, r.Tag, r.Probs)
		}
	}
	var got []string
	ngrams("话<PHONE>邮", 2, func(n int, lead bool, gram string, trail bool, at int) {
		got = append(got, ngramName(n, lead, gram, trail))
	})
	if want := "c1:话 c2:^话 c1:邮 c2:邮$"; strings.Join(got, " ") != want {
		t.Errorf("n-grams %s, want %s", strings.Join(got, " "), want)
	}
}
