// Package train turns a shop's exported chats into a model bundle, and evaluates bundles.
//
//   - Import streams customer text messages out of WeCom 会话内容存档 JSON lines, 微信客服
//     sync_msg JSON lines, CRM CSV exports (Chinese headers, a column mapping) and plain
//     {"text","intent"} JSON lines: agent replies, system events, recalls and non-text messages
//     are skipped, timestamps normalised (ms or s), duplicates dropped, malformed lines counted
//     and the first few named by file:line. Messages over the serving limit (2048 UTF-8 bytes,
//     Importer.MaxTextBytes, zhiyi train --max-text-bytes) are skipped as too_long, a line too
//     long to hold one without ever being held whole. Lines that are not UTF-8 are malformed,
//     naming the encoding they look like (GBK/GB18030: convert with iconv); so are texts an
//     exporter decoded wrongly (mostly U+FFFD) and labels holding personal data (a misaligned
//     CSV); a CSV whose header is not UTF-8 is an error naming the encoding. The reasons
//     printed are masked: a misaligned CSV puts phones where dates belong.
//   - Run splits by time (the newest weeks are the dev split) or takes an explicit dev file,
//     trains the subword model, fits the classifier (Fit: AdaGrad, early stopping on dev,
//     several shuffled runs averaged), calibrates it (temperature scaling), fits the ranker's
//     fusion weights and the retrieval gate, chooses the auto/suggest thresholds, evaluates, and
//     writes the bundle atomically through package intent.
//   - Evaluate scores any bundle on labelled data into a Report: accuracy, macro-F1, per-intent
//     precision/recall/F1, the most frequent confusions with masked examples, out-of-scope
//     precision/recall and the share answered automatically with its precision; WriteHTML
//     renders it as one self-contained page.
//
// Raw message text never leaves the import callback unmasked: everything stored — the bundle's
// history examples, the report's examples — is the nlp-masked text.
package train
