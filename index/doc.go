// Package index owns the knowledge base: its YAML format and loader, and its example questions
// in a bleve index that returns the top-K candidate documents for an analysed message.
//
// # Knowledge base
//
// LoadKB (or ParseKB) reads a shop's kb.yaml strictly (unknown fields are errors) and validates
// it: intent ids match ^[a-z][a-z0-9_]*$, are unique and are not "none" (reserved for
// out-of-scope messages); every intent has a label, a category from Categories, a priority
// 1..3, at least one example (no duplicates) and at least one answer; answer ids are unique in
// the knowledge base and answer texts are non-empty and at most MaxAnswerRunes characters (an
// answer of placeholders alone, {{faq}}, is the gateway's to fill: reply never sends it empty). A null list item (a stray "-" or "~" among the intents,
// an intent's examples or answers, or an answer's waivers), which yaml.v3 would leave out, is
// refused at its line, and the items after it are reported at theirs. Errors name file:line,
// several at once (errors.Join).
//
// An answer's text may hold placeholders ({{nickname|亲}}, package tmpl), parsed when the file is
// loaded (Answer.Template; a malformed one is an error at its line). An answer may carry waivers
// for the compliance lint (package lint), each with the reason the term is acceptable there; a
// waiver without a term or a reason, or one term waived twice, is an error:
//
//	answers:
//	  - id: product_info.a
//	    text: 数码配件会标注最大功率…
//	    waive:
//	      - term: 最大
//	        reason: 最大功率 is the rated power on the spec sheet, not a comparison
//
// An intent with several answers is an A/B experiment (package experiment assigns them; the
// first answer is the control). An answer may carry a weight (its share; equal shares when no
// answer has one, 0 = not served; every answer of the intent or none), a gray period (a Go
// duration: the answer is only suggested to agents until the period has passed and its ratings
// are not worse than the control's) and gray_since (a date, midnight China time, or an RFC 3339
// time; by default the bundle's creation time). A negative or non-numeric weight, weights on
// some answers only, all weights 0, a gray that is not a positive Go duration and gray_since
// without gray are errors at their line:
//
//	answers:
//	  - id: size_advice.a          # the control
//	    text: …
//	    weight: 80
//	  - id: size_advice.b
//	    text: …
//	    weight: 20
//	    gray: 72h                  # Answer.GrayPeriod()
//	    gray_since: 2026-12-01     # Answer.GrayStart(); optional
//
//	kb, err := index.LoadKB("corpora/shop/kb.yaml")
//	in, ok := kb.Intent("return_goods")
//
// # Index
//
// The analyzer registered with bleve as AnalyzerName ("zhiyi") calls an nlp.Analyzer and emits
// its Terms, so index and queries share one definition of text. Each index finds its own
// nlp.Analyzer through a key in the analyzer's config (a small registry, entry removed on
// Close); Open binds the caller's analyzer to an index persisted by another process.
//
// Build indexes documents (usually one per example; Doc.Text is nlp Analysis.Text) in one
// batch, with scorch in memory or on disk (Options.Path). Only one text field is indexed: no
// stored fields, term vectors, doc values or _all field; a document's intent and text live in
// Go slices. Search takes its query straight from Analysis.Terms (no second analysis): the four
// rarest terms, skipping duplicates, terms the index does not know and terms in more than 10 %
// of the documents (with a floor of 64 documents, so small indexes keep every term), and
// returns the top k by BM25, ties in document order. A message with no usable terms returns no
// candidates without touching the index. Search is safe for concurrent use.
//
//	ix, err := index.Build(ctx, analyzer, docs, index.Options{})
//	defer ix.Close()
//	cands, err := ix.Search(ctx, analyzer.Analyze("东西不要了怎么寄回去"), 10)
//
// Search reads those terms' postings through bleve's index reader and scores them exactly as a
// bleve search for the same term or disjunction query would (BM25 with bleve's query norm and
// coordination factor; a test compares the two on every example of the sample shop). Going
// through bleve's query, searcher and collector layers cost three to four times as much per
// message, most of it allocations, and ordered equal scores by bleve's internal document
// numbers, which follow no fixed order. A term's postings are read from bleve the first time a
// search needs them and kept, reduced to the document positions and BM25's term-frequency part
// (a few bytes per posting; setting up bleve's term reader was then most of a search): a search
// over cached terms is a handful of multiply-adds per posting and one allocation.
package index
