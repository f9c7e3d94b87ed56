// Package nlp turns a raw customer message into an Analysis: the single definition of "what the
// customer said" that the bleve index, the classifier and training all share.
//
// An Analyzer runs, in order:
//
//  1. Normalize: full-width → half-width, ASCII lower case, zero-width/BOM/control characters
//     removed, whitespace collapsed; emoji are kept, without their skin tones (👍🏻 is 👍).
//     WeChat's face codes ([微笑], [捂脸]; a closed list, emoticon.go) are emoji too: the analysis
//     reads the one a code stands for ([强] as 👍, [OK] as 👌), or the code when there is no clear one.
//     A 公众号 receives the classic faces as escape codes (/:strong, /::@): each is read as its
//     bracketed name first ([强], [发怒]; emoticon_mp.go), before Normalize lower-cases them.
//  2. Mask personal data (phones, ID cards, bank cards, e-mail, URLs, long order numbers, street
//     addresses, names after 收件人/我叫 … (in Latin letters too) or beside a phone: 张三 138…,
//     not 毛巾 138…) into placeholders such as <PHONE>; only the kinds are recorded, never the values. Mask knows
//     the forms people write them in: separators, +86, one digit at a time, Chinese numerals
//     (幺 for 1), a number read out in a voice message with fillers between its groups (幺三八 嗯
//     幺二三四的五六七八), e-mail spelled "x at example dot com" or x艾特example点com, a mailbox in
//     Chinese characters (张三@qq.com; mask.go lists them), and Hong Kong's, Macau's and Taiwan's
//     phones and ID numbers (852 9123 4567, 電話 9123 4567, 0912-345-678, A123456(3),
//     A123456789; mask_hktw.go). It is zhiyi's one definition of
//     personal data: servers mask the free-form strings they log with Mask too, and the ids
//     serve logs and a cluster sheet carries go through MaskID, so that both name a message alike.
//     MaskedDigest tells two messages alike but for their masked values (another order number)
//     apart in 16 bits, too few to find a value from: what a conversation keeps of them.
//  3. Fold traditional characters into simplified ones, Taiwan and Hong Kong phrases included
//     (Fold: OpenCC's tw2sp, run only on pieces that hold a traditional character).
//  4. Typed pinyin that spells a word of the shop's dictionaries, with the characters typed
//     around it, becomes the word for the rest of the analysis (现huo → 现货, zhuan票 → 专票,
//     tuikuan → 退款; pinyin_words.go): the message is analysed as if typed in characters. A
//     rewrite rule's variant made of letters only (yhq, kd, kuaidi) is spelt out as the rule's
//     word the same way, its rewrite recorded under the rule's kind: the letters y, h, q carry
//     nothing of 优惠券, so the character n-grams are the word's.
//  5. Collapse repeats (CollapseRepeats): a phrase said again and again for emphasis (在吗在吗在吗,
//     急急急急急) counts as said once, so it cannot outweigh the question beside it. Steps 1–3 and 5
//     give Analysis.Text: what the customer typed, for the rules, the log and the operator.
//  6. Phrase rewrites (synonyms.txt, dialect.txt, shorthand.txt) on that text, longest match first,
//     and the built-in regional function words folded into their Mandarin forms in place
//     (regional.go: Cantonese 咗 → 了, 唔想 → 不想, 冇 → 没有; 川渝 啥子, 莫得 and the particles
//     嘛, 撒 dropped at a clause's end; northern 咋, 啥, 俺 → 我, 甭 → 不用; Wu 侬, 勿 → 不,
//     哪能 → 怎么; a question's tail 有货不, 收到冇, 还有伐 → 吗), so that the text is cut as its
//     Mandarin wording is and a regional negation is one to the scope rules. They hold for every
//     shop; a dictionary's rule for the same variant, or a dictionary variant around it (乜嘢,
//     唔该), wins. Each is listed in Analysis.Rewrites (kind "regional") but gives no rewrite
//     feature, and the character n-grams are still those of what was typed.
//  7. Segment with gse's embedded simplified-Chinese dictionary plus the shop's userdict.txt,
//     with gse's HMM for words no dictionary knows.
//  8. Word rewrites on whole tokens, and stop words (stopwords.txt; negations and question
//     words are refused as stop words).
//  9. Scope (scope.go): words after a negation of wanting (不要退款了) and what 不是 takes back
//     (不是A，是B) are not meant; greetings and apologies beside other words (你好，我想退货), and
//     clauses that only give personal data beside a request (我的电话<PHONE>), leave the terms;
//     beside only a closing or a label (单号<ORDER> 谢谢), the data is the message.
//     The features of all are hashed into marked variants.
//  10. Subword units from a BPE model trained on the shop's chats (sugarme/tokenizer).
//  11. Hashed feature ids: words, word bigrams, character 1–3-grams, subwords, rewrite targets
//     and the pinyin of two consecutive characters (homophone typos: 发飘/发票 share fa piao;
//     a run of letters that reads as pinyin counts as its characters: 现huo, xiexie), each
//     kind in its own hash space (the top bits of the id).
//
// An Analyzer is built once (New) and is then read-only and safe for concurrent use.
//
// # Dictionary files
//
// A dictionary directory holds up to five plain-text UTF-8 files; each is optional, '#' starts a
// comment and blank lines are ignored:
//
//	userdict.txt   word [freq [pos]]                 运费险 2000 n
//	synonyms.txt   canonical: variant, variant, …    退货: 东西不要了, 不想要了, 寄回去
//	dialect.txt    [region] headers, then the synonyms line format
//	               [粤语]
//	               付款: 过数, 俾钱
//	stopwords.txt  one word a line
//	shorthand.txt  the synonyms line format, for the shop's shorthand (rewrites of kind
//	               "shorthand"); zhiyi shorthand mines candidates from the exports. A line
//	               written backwards (lj: 垃圾, letters for the word) loads, but
//	               Dictionaries.Suspect names it and train and lint refuse it
//	               优惠券: yhq, youhuiquan
//
// Variants may be separated by ',', '，' or '、'. A Latin-letter variant (kd, yhq) matches only as
// a whole token. Every word of the files is normalised and folded as messages are (Normalize,
// then Fold) when they load, so 帳戶 is matched as 帐户 and a variant that folds into its own
// canonical term (擡頭 of 抬头) drops out. A variant that the segmenter cuts into a single
// token is rewritten as a word (whole-token match after segmentation, so 过数 never fires inside
// 超过数量 once 过数 is a word); a variant that cuts into several tokens is rewritten as a phrase
// on the normalised text before segmentation, longest match first, where it is whole words of the
// text as segmented (要发票 never fires inside 不要|发票, nor 为毛 inside 因为|毛衣); a variant of
// letters never fires inside a model number or an account name (th-1000, kd_2023), but does before
// a quantity of one or two digits and a measure word (tk3天, yhq10元) and beside another one across
// a '/' (zfb/wx: either). Canonical terms are added to the segmenter's dictionary so each comes
// out as one token. A canonical term that is another line's variant (退款: 退钱 and 退钱: 退米, in
// any of the three files) is followed to the end of the chain, so 退米 rewrites to 退款; a variant
// with two canonical terms, or rewrites that lead back to each other, are errors naming the lines.
package nlp
