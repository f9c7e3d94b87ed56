// Package train turns a shop's exported chats into a model bundle, clusters messages for
// labelling, continues a bundle on corrections, and evaluates bundles.
//
//	sum, err := train.Run(ctx, cfg)                                       // zhiyi train; cfg := train.DefaultConfig() …
//	sheet, err := train.Cluster(ctx, eng, msgs, train.ClusterConfig{})    // zhiyi cluster, zhiyi unmatched
//	res, err := train.Learn(ctx, parent, out, fixes, train.LearnConfig{}) // package learn, zhiyi learn
//	rep, err := train.Evaluate(ctx, eng, labelled, name, progress)        // zhiyi eval; rep.WriteHTML(w)
//
// Exports usually carry no labels (WeCom's archive and 微信客服 have no intent field; a CRM CSV may
// have an agent's tag column): a model is trained from kb.yaml's examples, the labels an operator
// gives beside the exports, and what the conversations themselves say.
//
// # Run: the stages
//
// Run is a sequence of named stages over one run's state (train.go); each is timed in
// Summary.Durations, and one with nothing to do is skipped.
//
//   - out: the bundle is started in a temporary directory beside Out, locked, before anything is
//     read: an Out that cannot be written fails at once.
//   - dictionary: the dictionaries and the knowledge base. A knowledge base with findings of
//     package lint (absolute terms, promises, medical claims, over-long answers, unused waivers) is refused
//     (ErrKBFindings), each finding named by file:line:column and term: reword the answer, or
//     waive the term beside it with a reason (lint's doc). An answer still the new-intent stub's
//     （请填写答案） is refused too (ErrKBStubAnswer), named by file:line and intent.
//   - import: customer text messages out of WeCom 会话内容存档 JSON lines, 微信客服 sync_msg JSON
//     lines, CRM CSV exports (Chinese headers, CSVColumns) and plain {"text","intent"} lines.
//     Agent replies (kept as the conversation's context), system events, recalls and non-text
//     messages are skipped, timestamps normalised (ms or s), duplicates dropped, malformed lines
//     counted and the first few named by file:line. Messages over the serving limit (2048 UTF-8
//     bytes, Config.MaxTextBytes) are skipped as too_long without ever being held whole. Lines
//     that are not UTF-8 are malformed, naming the encoding they look like (GBK: convert with
//     iconv), but a CSV file whose lines read as GB18030 (Excel's CSV on a Chinese Windows) is
//     decoded (ImportStats.GB18030); so are texts an exporter decoded wrongly (mostly U+FFFD) and labels holding
//     personal data (a misaligned CSV). Config.Until leaves out messages sent from then on, and
//     the labels that name only them (by msgid or text). A zhiyi export row of the decision log
//     is labelled by its correct_intent only, never by the intent the model answered. Without
//     Config.Data (a shop with no chats yet) nothing is imported and kb.yaml's examples train.
//   - label: the --labels files (Config.Labels) over the exports' own labels, a later file or
//     line winning: {"msgid","intent"} lines, {"text","intent"} lines (a text no message has is
//     an example of its own) and filled cluster sheets (SheetLine: every member takes the line's
//     intent). Intent "new:<中文标签>" names an intent kb.yaml lacks: a kb.yaml stub is written
//     beside the file. Unknown intent ids and members no message has fail the run, each named by
//     file:line. IgnoreExportLabels drops the exports' own labels first.
//   - seed: kb.yaml's example questions (WeakConfig.NoSeeds turns them off) and, with a knowledge
//     base, the built-in out-of-scope examples (NoneSeeds, seeds/none.txt): the class while the
//     labels hold fewer than WeakConfig.MinNone out-of-scope messages, at NoneSeedWeight beside
//     them. A seed that is an exported message labels it.
//   - split: the dev split — an explicit dev file (Config.Dev; the exports' messages it holds, by
//     masked text, or msgid with the same text, leave training and self-training: Summary.DevOverlap), else the newest DevDays days when
//     every message has a time, else a DevShare chosen by a hash of the text. Only labels that
//     sample the messages as they come (the exports', those given one by one) may judge the
//     model; seeds, sheet labels and self-training's train but never sit in dev. A dev split
//     carved from the data with fewer than 30 messages trains instead. Labels of intents
//     kb.yaml lacks are dropped (counted).
//   - lexicon: the dictionaries, the knowledge base and the segmenter's base lexicon are copied
//     into the bundle.
//   - subword: a BPE subword model over every training-period message, labelled or not.
//   - selftrain: Yarowsky-style self-training over the unlabelled messages (WeakConfig.Rounds):
//     each round fits on the labels and the last round's guesses, scores every unlabelled
//     message with what its conversation says fused in (the customer's previous and next
//     messages; a second classifier reading the agent's reply), and keeps for each intent its
//     most confident, growing share above MinConfidence. The guesses train at PseudoWeight.
//   - analyze, fit: features through the bundle's nlp.Analyzer; Fit trains the sparse linear
//     classifier (AdaGrad, label smoothing, several shuffled runs averaged), early stopping on
//     dev (without dev, WeakConfig.Epochs); with a labelled dev split to calibrate it on, the
//     ranker too (Config.Ranker: one-vs-rest linear SVMs solved in the dual, C by ChooseC).
//   - calibrate: on dev, temperature scaling and fusion weights of the classifier and of the
//     ranker, the retrieval gate and the auto/suggest thresholds at TargetPrecision (stricter for an
//     intent whose dev predictions ask for it, never laxer), the ranker deciding and the geometric mean of the two models'
//     probabilities of its choice the confidence. Without a
//     labelled dev split, the temperature and thresholds come from WeakConfig.Folds-fold
//     cross-validation over the examples with true labels (seeds, labels given one by one), the
//     classifier alone: estimates, and the report says so.
//   - context: which intents a conversation keeps to (its active intent, from the labelled
//     conversations) and the context weight, by replaying dev's conversations (a default weight
//     without them); ContextFeatures trains the active intent in as a feature.
//   - evaluate: the dev report (Report, report.json and report.html), the classifier alone and
//     fused; the evaluation set Learn's gate keeps (masked).
//   - refit: train and dev together with the epochs dev chose (Config.Refit: auto when dev is the
//     newest weeks or there is a ranker, always, never).
//   - index, write: the bleve index persisted; the manifest (checksums, data fingerprint,
//     headline metrics) sealed and the bundle moved into place atomically. A failed run leaves
//     the previous bundle untouched.
//
// # Labelling and learning
//
// Cluster groups similar messages (TF-IDF over words, rewrites, subwords and character pairs,
// and the topic of the message's conversation (ClusterMessage.Context) as one more feature;
// leader clustering, then reassignment) into a sheet, largest cluster first, with the model's
// suggestion, the topic its members share, distinctive terms and samples; `zhiyi cluster`, `zhiyi unmatched` and the console
// write it, an operator fills the intents, and `zhiyi train --labels` reads it back. ReadLabels
// reads any label file.
//
// Learn fits a bundle's ranker again on what it was fitted on (RankerDataFile) with Corrections
// (agents' correct_intent, cluster labels) added, continues its classifier from its weights,
// replaying its history and kb.yaml's examples so it does not forget (a bundle without the
// ranker's data continues both), and writes a new bundle naming its parent only when the
// candidate keeps the accuracy on the bundle's evaluation set of its control — the parent's
// ranker, or the parent continued the same way without the corrections (within
// LearnConfig.MaxDrop, and no intent losing 3 messages and a tenth of its own), gets MinFixed of
// the corrections right and, from 10 corrections on, gets MinHeldOut of them right by
// cross-validation, clearly above guessing among the intents (a random batch teaches nothing
// that carries), and is not contested (maxContested: more than half of a batch of 10 or more, or
// 10 moving one intent to one other, answered otherwise by the parent with confidence while none
// of the labelled messages of its replay most like them carries the corrected intent; the
// evaluation set holds few messages of some kinds, and a consistent batch of one of them — one
// agent's 50 templated returns "corrected" to invoices — cost it nothing; scripts/learnsim).
// Contradictory corrections and those its history holds already are left out; none usable is
// ErrNothingToLearn.
// It learns only from people's labels, never from the model's own answers.
//
// # Evaluation
//
// Evaluate scores any bundle on labelled data (ReadLabelled; ReadConversations replays whole
// conversations) into a Report: accuracy, macro-F1, per-intent precision/recall/F1, the most
// frequent confusions with masked examples, out-of-scope precision/recall and the share
// answered automatically with its precision; WriteHTML renders it as one self-contained page.
//
// Raw message text never leaves the import callback unmasked: everything stored — the bundle's
// history examples, the evaluation set, the report's examples — is the nlp-masked text.
package train
