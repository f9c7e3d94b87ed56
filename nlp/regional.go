package nlp

import (
	"strings"
	"unicode/utf8"
)

// The regional function words every shop's customers write: Cantonese 咗, 嘅, 唔, 冇; Sichuan 啥子,
// 莫得 and the particles 嘛, 撒; Northeastern and northern 咋, 啥, 俺, 甭; Wu 侬, 勿, 伐, 哪能. A
// dictionary's dialect.txt maps what one shop's customers say; these are the grammar around it,
// the same in every shop, so they are built in. They are folded into their Mandarin forms in the
// text the segmenter cuts, in place (no spaces around them, unlike a dictionary's rewrites), so
// that 唔想要了 is cut as 不想要了 is — a negation the scope rules know — and 好退伐 as 好退吗
// rather than glued into an unknown word 退伐. A question's tail (有货不, 收到冇, 还有伐) becomes
// 吗 and a clause-final particle (改嘛, 老顾客了撒) is dropped. Analysis.Text and its character
// n-grams keep what was typed (n-grams of the folded text were measured: they cost the holdout
// and stress sets accuracy on messages no fold touched); the folds are listed in
// Analysis.Rewrites (kind "regional") and give no rewrite feature.
//
// A dictionary rule for the same variant, or one starting where a fold would (a dialect.txt
// word 咋整 before the fold 咋), wins.

// regionalWord is one built-in fold: variant becomes mandarin where its context allows.
type regionalWord struct {
	variant, mandarin, region string
	// final: only at the end of a clause (before punctuation, a space or the end, past any
	// particles), after a Chinese character: a question's tail or a particle.
	final bool
	// notAfter and notBefore are the characters that may not stand right before or after the
	// variant: 请勿 (please don't) is no Wu 勿, 阿拉伯 no 阿拉 (we), 干嘛 (why) no particle.
	notAfter, notBefore string
	// beforeHan: only right before a Chinese character (唔想, 唔到: not the filler 唔 alone).
	beforeHan bool
	// after, when set, are the only characters the variant may follow (快啲, 平啲: 点; 我啲,
	// 件衫啲: 的).
	after string
}

// clauseParticles are the particles that may follow a clause-final fold (有货不嘛, 好伐呀).
const clauseParticles = "嘛撒噻咯嘞呐啊呀哦呢啦吧喔哈噢㗎喎啩"

// tailAfterNot are the characters after which a clause-final 不, 没 or 伐 is a negation, not a
// question's tail: 还没, 都不, 我不, 从没, 并没.
const tailAfterNot = "还都也并就从决绝再偏可我你他她它是又才本全真一已仍尚而却根早要想敢肯会能"

// regionalWords are the built-in folds, grouped by where they are said. Within one variant the
// first whose context fits is used (the clause-final 冇 before the one anywhere).
var regionalWords = []regionalWord{
	// Cantonese
	{variant: "唔该晒", mandarin: "谢谢", region: "粤语"},
	{variant: "唔该", mandarin: "谢谢", region: "粤语"},
	{variant: "多谢晒", mandarin: "谢谢", region: "粤语"},
	{variant: "唔系", mandarin: "不是", region: "粤语"},
	{variant: "系唔系", mandarin: "是不是", region: "粤语"},
	{variant: "系咪", mandarin: "是不是", region: "粤语"},
	{variant: "唔使", mandarin: "不用", region: "粤语"},
	{variant: "唔洗", mandarin: "不用", region: "粤语"},
	{variant: "唔好", mandarin: "不要", region: "粤语"},
	{variant: "唔得", mandarin: "不行", region: "粤语"},
	{variant: "识唔识", mandarin: "会不会", region: "粤语"},
	{variant: "唔识", mandarin: "不会", region: "粤语"},
	{variant: "唔", mandarin: "不", region: "粤语", beforeHan: true},
	{variant: "有冇", mandarin: "有没有", region: "粤语"},
	{variant: "冇", mandarin: "吗", region: "粤语", final: true, notAfter: tailAfterNot},
	{variant: "冇", mandarin: "没有", region: "粤语"},
	{variant: "仲未", mandarin: "还没", region: "粤语"},
	{variant: "仲有", mandarin: "还有", region: "粤语"},
	{variant: "仲系", mandarin: "还是", region: "粤语"},
	{variant: "仲要", mandarin: "还要", region: "粤语"},
	{variant: "咗", mandarin: "了", region: "粤语"},
	{variant: "嘅", mandarin: "的", region: "粤语"},
	{variant: "啲", mandarin: "点", region: "粤语", after: "快慢平多少大细早迟好高低长短松紧贵靓"}, // 快啲: 快点
	{variant: "啲", mandarin: "的", region: "粤语"},
	{variant: "哋", mandarin: "们", region: "粤语"},
	{variant: "佢", mandarin: "他", region: "粤语"},
	{variant: "喺度", mandarin: "在这里", region: "粤语"},
	{variant: "喺", mandarin: "在", region: "粤语"},
	{variant: "嘢", mandarin: "东西", region: "粤语"},
	{variant: "点样", mandarin: "怎么", region: "粤语"},
	{variant: "点解", mandarin: "为什么", region: "粤语"},
	{variant: "边度", mandarin: "哪里", region: "粤语"},
	{variant: "边个", mandarin: "哪个", region: "粤语"},
	{variant: "几时", mandarin: "什么时候", region: "粤语"},
	{variant: "几多", mandarin: "多少", region: "粤语"},
	{variant: "乜嘢", mandarin: "什么", region: "粤语"},
	{variant: "咩嘢", mandarin: "什么", region: "粤语"},
	{variant: "咩", mandarin: "吗", region: "粤语", final: true},
	{variant: "咩", mandarin: "什么", region: "粤语"},
	{variant: "咁", mandarin: "这么", region: "粤语"},
	{variant: "而家", mandarin: "现在", region: "粤语"},
	{variant: "听日", mandarin: "明天", region: "粤语"},
	{variant: "揾", mandarin: "找", region: "粤语"},
	{variant: "睇", mandarin: "看", region: "粤语"},
	{variant: "嚟", mandarin: "来", region: "粤语"},
	{variant: "畀", mandarin: "给", region: "粤语"},
	{variant: "俾", mandarin: "给", region: "粤语"},
	{variant: "㗎", mandarin: "", region: "粤语", final: true},
	{variant: "喎", mandarin: "", region: "粤语", final: true},
	{variant: "啩", mandarin: "", region: "粤语", final: true},
	// Sichuan and Chongqing
	{variant: "啥子", mandarin: "什么", region: "川渝"},
	{variant: "咋个", mandarin: "怎么", region: "川渝"},
	{variant: "啷个", mandarin: "怎么", region: "川渝"},
	{variant: "莫得", mandarin: "没有", region: "川渝"},
	{variant: "没得", mandarin: "吗", region: "川渝", final: true, notAfter: tailAfterNot},
	{variant: "没得", mandarin: "没有", region: "川渝"},
	{variant: "一哈", mandarin: "一下", region: "川渝"},
	{variant: "哈子", mandarin: "一下", region: "川渝"},
	{variant: "嘛", mandarin: "", region: "川渝", final: true, notAfter: "干搞为做弄"},
	{variant: "撒", mandarin: "", region: "川渝", final: true},
	{variant: "噻", mandarin: "", region: "川渝", final: true},
	// Northeastern and northern
	{variant: "咋整", mandarin: "怎么办", region: "东北"},
	{variant: "咋办", mandarin: "怎么办", region: "东北"},
	{variant: "咋弄", mandarin: "怎么办", region: "东北"},
	{variant: "嘎哈", mandarin: "干什么", region: "东北"},
	{variant: "干哈", mandarin: "干什么", region: "东北"},
	{variant: "咋", mandarin: "怎么", region: "北方", notBefore: "舌呼"},
	{variant: "啥", mandarin: "什么", region: "北方"},
	{variant: "俺", mandarin: "我", region: "北方"},
	{variant: "甭", mandarin: "不用", region: "北方"},
	{variant: "呐", mandarin: "", region: "北方", final: true},
	{variant: "嘞", mandarin: "", region: "北方", final: true},
	// Wu (Shanghainese)
	{variant: "侬", mandarin: "你", region: "吴语"},
	{variant: "阿拉", mandarin: "我们", region: "吴语", notBefore: "伯丁斯"},
	{variant: "覅", mandarin: "不要", region: "吴语"},
	{variant: "勿要", mandarin: "不要", region: "吴语", notAfter: "请切务"},
	{variant: "勿", mandarin: "不", region: "吴语", notAfter: "请切务"},
	{variant: "伐", mandarin: "吗", region: "吴语", final: true, notAfter: "步砍采讨征杀"},
	{variant: "哪能", mandarin: "怎么", region: "吴语"},
	{variant: "辰光", mandarin: "时候", region: "吴语"},
	{variant: "一记", mandarin: "一下", region: "吴语"},
	{variant: "今朝", mandarin: "今天", region: "吴语"},
	// a question's tail anywhere in the north and south-west: 有货不, 收到没, 能开发票不
	{variant: "不", mandarin: "吗", region: "北方", final: true, notAfter: tailAfterNot},
	{variant: "没", mandarin: "吗", region: "北方", final: true, notAfter: tailAfterNot},
}

// fits reports whether w may fold text[start:end].
func (w *regionalWord) fits(text string, start, end int) bool {
	before, _ := utf8.DecodeLastRuneInString(text[:start])
	after, _ := utf8.DecodeRuneInString(text[end:])
	if start > 0 && strings.ContainsRune(w.notAfter, before) || end < len(text) && strings.ContainsRune(w.notBefore, after) {
		return false
	}
	if w.after != "" && (start == 0 || !strings.ContainsRune(w.after, before)) {
		return false
	}
	if w.beforeHan && (end == len(text) || !isHan(after)) {
		return false
	}
	if !w.final {
		return true
	}
	if start == 0 || !isHan(before) {
		return false
	}
	for i := end; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !strings.ContainsRune(clauseParticles, r) {
			_, _, kind := nextUnit(text, i)
			return kind == pieceSep
		}
		i += size
	}
	return true
}

// regionalTargets returns the built-in folds as phrase targets, but those whose variant a
// dictionary rule rewrites (rules): the shop's own mapping wins. The dictionaries' variants come
// along as keep targets, which replace nothing: no fold fires inside one (唔该 keeps its 唔, 乜嘢
// its 嘢), wherever the segmenter cuts them.
func regionalTargets(rules []*rewriteTarget) []*rewriteTarget {
	taken := make(map[string]bool, len(rules))
	var ts []*rewriteTarget
	for _, t := range rules {
		if !taken[t.variant] {
			taken[t.variant] = true
			ts = append(ts, &rewriteTarget{variant: t.variant, keep: true})
		}
	}
	for i := range regionalWords {
		w := &regionalWords[i]
		if taken[w.variant] {
			continue
		}
		ts = append(ts, &rewriteTarget{variant: w.variant, canonical: w.mandarin, kind: KindRegional, region: w.region, regional: w})
	}
	return ts
}
