// Package intent is the engine that answers: it owns the model bundle format, the prediction
// side of the classifier and the ranker (two linear models over the same features: the ranker's
// scores order the intents, the classifier's calibrated probabilities are their confidences),
// their fusion with retrieval evidence, and the decision policy (confidence → auto / suggest /
// handoff).
//
// The API is small:
//
//	e, err := intent.Load(ctx, "models/shop")      // verify the bundle, load analyzer, index, classifier
//	res := e.Classify(ctx, intent.Request{Text: "东西不要了怎么寄回去"})
//	res.Intent, res.Confidence, res.Route, res.Answer
//
// # Bundle
//
// A bundle is a directory written once by training (package train) and never changed:
//
//	manifest.json   format version, name, created-at, data fingerprint, config, headline
//	                metrics, sha256 of every other file
//	classifier.bin  sparse multinomial logistic regression (half-precision weights per seen
//	                feature; float32 in bundles of earlier versions)
//	ranker.bin      optional: one-vs-rest linear SVMs on TF-IDF weights (half-precision weights),
//	                stored over classifier.bin's rows (without the features' ids) when they are
//	                the same
//	policy.json     temperature, fusion weights, retrieval gate, auto/suggest thresholds, the
//	                ranker's temperature and fusion, the training intent mix
//	kb.yaml         the knowledge base (labels, categories, answers, example questions)
//	examples.jsonl  labelled history messages (masked) for the retrieval index
//	index/          that index (and the knowledge base's examples) persisted by bleve (scorch),
//	                opened read-only; without it, or should bleve not read it, Load builds it
//	dict/           the dictionaries the analyzer was built with
//	subword/        the BPE model (vocab.json, merges.txt)
//	lexicon.bin     gse's simplified-Chinese dictionary as the segmenter uses it, so a process
//	                starts in a fraction of gse's own load time (ignored for another gse version)
//	report.json     dev evaluation; report.html the same as a page
//
// Load verifies every checksum and refuses unknown format versions, missing, changed or extra
// files, and names CheckName refuses (letters, digits, . _ - only: a name is echoed in answers
// and metric labels). Every load reads the bundle's files as a fresh process would, lexicon.bin
// included, even when the process has a lexicon loaded already. A bundle holds regular files
// and directories only.
//
// WriteManifest, NewBundleDir and CommitBundle let the writer assemble a bundle in a locked
// temporary directory beside out and exchange it with out in one step (renameat2 on Linux), so
// out is a complete bundle at every instant, even when the writer is killed; RemoveBundleDir
// drops an unfinished one. NewBundleDir first removes the litter of writers that died
// (CleanBundleLitter: unlocked temporary directories a minute old, out.old-* directories of an
// interrupted two-rename commit, after restoring out from the newest when out is missing).
// A commit syncs the new bundle's files and directories before the exchange and the parent
// directory after it, so a crash finds the old bundle or the whole new one, and the new one once
// CommitBundle has returned; WriteFileAtomic (package internal/atomicfile) does the same for
// one file. CommitVersion commits a bundle with a version (Manifest.Version, name@second) no
// bundle beside it has: a second one of the same name within one second is name@second-2, its
// created_at moved past the first's when it was stamped before it; training and learning both
// commit through it (CommitVersionFunc lets training write its report once the version is known).
//
// # Classify
//
// Classify analyses the text once (package nlp), scores every intent with the classifier, asks
// the bleve index (package index) for the top-K similar messages when the calibrated classifier
// is unsure (below Policy.RetrievalGate), fuses classifier logits with retrieval evidence (best
// BM25 score per intent, share of the top-K that agree, term overlap) using weights fitted on the
// dev split, and routes with the dev-chosen thresholds. It is safe for concurrent use and keeps
// no global state; a server swaps engines with an atomic pointer. Close releases the retrieval
// index: a Classify running on the engine then, or started after, answers without retrieval (no
// error, lower confidence), so a replaced engine is closed once its last call has returned —
// serve counts them (docs/library.md shows how).
//
// # Intent mix
//
// The probabilities assume the mix of intents the model was trained on (Policy.Priors). When the
// traffic's mix moves, EstimatePriors re-estimates it from the model's own probabilities (EM,
// Saerens et al. 2002, shrunk toward the training mix and bounded) and WithPriors decides for it;
// AdaptPriors does both over a set of messages, and WithLiveMix keeps doing it over the latest
// messages an engine decides (Mix.Update), for zhiyi serve --adapt-mix; Mix.Carry hands a
// reloaded engine the window and estimate of the one it replaces.
package intent
