// Package sentiment tags each customer message 中性 (neutral), 负面 (negative) or 紧急 (urgent),
// says how strongly negative it is, and lists the cues it found, so a reply policy can send angry
// or urgent customers straight to a person.
//
// It owns the shop's sentiment lexicon (dict/sentiment.txt), the lexicon-only baseline, the learnt
// model shipped in the binary, and the tools to train, cross-validate and measure it on a
// labelled set. It imports nlp only (for Normalize, Fold and Mask) and knows no HTTP and no policy.
//
// # Use
//
//	lex, err := sentiment.LoadLexicon("corpora/shop/dict/sentiment.txt") // errors name file:line
//	a, err := sentiment.New(lex, sentiment.Options{})                     // embedded model
//	r := a.Analyze(nlp.Normalize(text))                                   // masked text is fine too
//	r.Tag       // sentiment.Neutral, Negative or Urgent; r.Tag.String() "urgent", r.Tag.Label() "紧急"
//	r.Score     // the model's probability of r.Tag
//	r.Strength  // P(strongly negative | negative), in [0, 1]
//	r.Strong    // urgent, or negative with Strength ≥ the strong threshold: hand off
//	r.Reason    // urgent only: "time", "safety", "money" or "threat" (the lexicon's [urgent:REASON])
//	r.Cues      // evidence: 太失望 (negative, 2.25), 不急 (urgent, negated), !!! (punctuation)
//
// An Analyzer is immutable and safe for concurrent use. Analyze allocates only the Cues slice;
// AnalyzeTo into a reused Result allocates nothing. Cue texts are substrings of the analysed text.
//
// # The strong threshold
//
// Options.StrongThreshold is the Strength at or above which a negative message is Strong. Zero
// means the model's own default, chosen with the model by cross-validation on the labelled set's
// dev part to maximise the F1 of "urgent, or strongly negative" (the model file's config line says
// strong=…). Lower it to hand off more negative messages, raise it toward 1 to hand off only the
// furious; urgent messages are always Strong. Chosen with it is the lexicon score at which a
// negative message is Strong whatever its Strength (lexstrong=…, TrainConfig.StrongLexicon; 2.5
// in the shipped model, e.g. 真的受够 or 太失望 with another cue): the model saw 气死我了 strong
// but longer complaints mostly mild, and read 气死我了 第三次发错货了 0.17 strong.
//
// Urgent needs evidence: an urgent cue the customer does not negate, or the model's majority
// (probability ≥ 0.5) with no negated urgent cue. The model's plurality alone (a size question
// with two numbers in it read 0.4 urgent) or beside 不急 is not urgent: it would jump the agents'
// queue on a guess.
//
// And a stated emergency is urgent whatever the model reads: an urgent cue the customer does not
// negate that weighs DecisiveUrgentWeight (3) or more with its degree word — 着火, 冒烟, 漏电,
// 误吞, 盗刷, 扣了两次, 12315, 律师 — in a message that asks nothing (no ? and no 吗). The model
// learnt from a few hundred messages, and one labelled question ending in 被盗刷 made
// 信用卡被盗刷 read neutral. A question (安全吗 会不会冒烟) is left to the model.
//
// Likewise a message whose every lexicon cue the customer negates (一点都不生气, 一点也不急; not
// 不满意, a negated positive, which is a negative cue) is read without those cues' n-grams before
// it may be negative: 一点都不 mostly precedes a positive (一点都不好) and would otherwise make
// "not angry at all" read angry. The rest of the message still counts (我不生气 我就是想知道你们
// 怎么好意思的 is negative).
//
// # The lexicon file
//
// Plain UTF-8 text, one term a line as `term [weight]`, '#' comments, under section headers:
//
//	[negative]       失望 1.5      negative cue (default weight 1)
//	[profanity]      垃圾          negative cue that also counts as profanity (default 2)
//	[positive]       满意          positive cue (default 1); negated, it counts as negative
//	[urgent:REASON]  冒烟 3        urgent cue (default 1); REASON (time, safety, money, threat…) is the cue's Reason
//	[degree]         太 1.5        multiplies the next cue within 2 characters (default 1.5)
//	[negation]       不            cancels the next cue within 3 characters (不急, 不生气) or turns a
//	                               positive negative (不满意), across degree words and glue (不是很急,
//	                               不是要投诉, 不容易过敏) but no other word: 还没发货急死了 and
//	                               不小心误吞 mean their cue; X不X questions (是不是, 有没有) are no negation
//	[hypothetical]   会不会        asks whether something could happen: cancels the next cue within 3
//	                               characters (会不会冒烟, 怎么防止被盗, 万一过敏) and turns no positive
//	                               negative (会不会舒服)
//	[neutral]        差价          shields the cues inside a phrase (补差价 has no 差), and inside
//	                               a product's name (报警器, 曝光补偿, 急救包: a product is no emergency)
//
// Terms are normalised and folded to simplified like messages (氣死 matches 气死) and matched
// longest first (不满 beats 不). Spaces and punctuation end degree and negation scopes. WeChat's
// built-in faces reach chat as text codes and are terms with their brackets ([发怒] 2, [强]); a
// line of brackets around ASCII letters alone is a section header, so a code of letters needs its
// weight ([OK] 0.5). Weights are in (0, 10]; a term may appear once (its spelling in the other
// script beside it, 氣死 and 气死, is the same term: the simplified line is kept).
// The shop edits the file; it is read at start-up (LoadLexicon), and any line it cannot parse is
// an error naming file:line.
//
// # The model
//
// A multinomial logistic regression over four classes (neutral, negative, strongly negative,
// urgent; the two negatives are summed into Negative) on: the lexicon's scores (negative,
// profanity, positive, urgent and urgent by reason, negations; log-compressed), character
// n-grams (1–2 in the shipped model) with begin and end marks, runs of ! and ?, ellipses, emoji
// (any, only, three or more) and length buckets. It is trained by full-batch AdaGrad with an L2
// penalty, deterministically.
// The lexicon enters as scores, so a shop that adds terms changes the model's input without
// retraining; the weights of those scores were learnt with the sample shop's lexicon.
//
// The shipped weights are sentiment/model.txt, embedded with go:embed and written by
//
//	go run ./sentiment/internal/gen
//
// which reads corpora/shop/sentiment/sentiment.jsonl (dev part only: every line whose number is
// not a multiple of 5) and corpora/shop/dict/sentiment.txt, chooses the strong threshold and
// lexicon score by 5-fold cross-validation on three partitions, pooled (DefaultGrid: it keeps the
// n-gram length and L2 penalty the model has shipped with, for the others ranked within a message
// or two and read calm size questions urgent; Tune searches those too when given them), trains
// on all of dev and writes the file. TestModelUpToDate fails when the file is stale. To train on other labels,
// use ReadExamples, Split, Tune, Train and Model.Write, and pass the model in Options.Model.
//
// Options.LexiconOnly tags by the lexicon alone (urgent from an urgent score of 1, negative from
// negative minus positive of 1, strong from 2): the baseline the model is measured against.
//
// # Numbers
//
// `go test -run TestReport -v ./sentiment` prints precision and recall per tag for the baseline
// and the model on the labelled set's test part, and both on dev (the model by 5-fold
// cross-validation). BenchmarkAnalyzeLatency reports p50 and p99 per message.
package sentiment
