package sentiment_test

import (
	"fmt"
	"strings"

	"github.com/zhiyi-ai/zhiyi/nlp"
	"github.com/zhiyi-ai/zhiyi/sentiment"
)

func Example() {
	lex, err := sentiment.LoadLexicon("../corpora/shop/dict/sentiment.txt")
	if err != nil {
		panic(err)
	}
	a, err := sentiment.New(lex, sentiment.Options{}) // the embedded model and its threshold
	if err != nil {
		panic(err)
	}
	for _, msg := range []string{"这款卫衣会不会起球", "不急，慢慢发", "太失望了！！！", "什么破手机壳 垃圾", "充电宝冒烟了"} {
		r := a.Analyze(nlp.Normalize(msg))
		var cues []string
		for _, c := range r.Cues {
			cues = append(cues, c.Text)
		}
		fmt.Printf("%s %s strong=%v reason=%q cues=%v\n", msg, r.Tag.Label(), r.Strong, r.Reason, cues)
	}
	// Output:
	// 这款卫衣会不会起球 中性 strong=false reason="" cues=[会不会起球]
	// 不急，慢慢发 中性 strong=false reason="" cues=[不急]
	// 太失望了！！！ 负面 strong=true reason="" cues=[太失望 !!!]
	// 什么破手机壳 垃圾 负面 strong=true reason="" cues=[什么破 垃圾]
	// 充电宝冒烟了 紧急 strong=true reason="safety" cues=[冒烟]
}

func ExampleParseLexicon() {
	lex, err := sentiment.ParseLexicon(strings.NewReader(`
[negative]
失望 1.5
[urgent:safety]
冒烟 3
[degree]
太 1.5
[negation]
不
`), "sentiment.txt")
	if err != nil {
		panic(err)
	}
	a, err := sentiment.New(lex, sentiment.Options{LexiconOnly: true})
	if err != nil {
		panic(err)
	}
	for _, msg := range []string{"有点失望", "太失望了", "不失望", "冒烟了"} {
		r := a.Analyze(msg)
		fmt.Println(msg, r.Tag, r.Score, r.Strong)
	}
	_, err = sentiment.ParseLexicon(strings.NewReader("[negative]\n失望 very\n"), "sentiment.txt")
	fmt.Println(err)
	// Output:
	// 有点失望 negative 1.5 false
	// 太失望了 negative 2.25 true
	// 不失望 neutral 0 false
	// 冒烟了 urgent 3 true
	// sentiment.txt:2: term "失望": weight "very" is not a number in (0, 10]
}
