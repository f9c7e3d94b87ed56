// Command zhiyi trains, evaluates and serves Chinese customer-service intent models.
//
//	zhiyi train   --data FILE_OR_DIR... [--dev FILE] [--kb FILE] [--dict DIR] --out DIR
//	zhiyi eval    --model DIR --data FILE [--json] [--html FILE]
//	zhiyi predict --model DIR < lines.txt
//	zhiyi serve   --model DIR [--addr :8080]
//	zhiyi lint    [--kb FILE] [--rules FILE] [--dict DIR] [FILE...]
//	zhiyi report    (--data-dir DIR | --db URL) [--since 7d] [--until TIME] [--bucket hour|day] [--json] [--html FILE]
//	zhiyi unmatched (--data-dir DIR | --db URL) [--since 24h] --model DIR --out FILE
//
// This package holds flags and wiring only; the work is in packages nlp, index, intent, train,
// serve, rules and lint.
package main
