// Command zhiyi trains, evaluates and serves Chinese customer-service intent models, and runs the
// loop around them: labelling by cluster, learning from corrections, reports and experiments.
//
//	zhiyi train     --data FILE_OR_DIR... [--labels FILE...] [--kb FILE] [--dict DIR] [--dev FILE] [--until DATE] --out DIR
//	zhiyi eval      --model DIR --data FILE_OR_DIR [--labels FILE...] [--conversations] [--since DATE] [--json] [--html FILE]
//	zhiyi predict   --model DIR [--workers N] < lines.txt
//	zhiyi cluster   --model DIR --data FILE_OR_DIR... --out FILE [--all]
//	zhiyi serve     [--model DIR] [--addr :8080] [--rules FILE] [--experiments FILE] [--redis URL]
//	                [--data-dir DIR | --db URL] [--console] [--learn] [--alerts FILE] …
//	zhiyi learn     --model DIR [--data-dir DIR | --db URL] [--min 20] [--labels FILE...] [--since 30d] [--out DIR] [--keep 20] [--json]
//	zhiyi rollback  --model DIR [--server URL]
//	zhiyi shorthand --data FILE_OR_DIR... --dict DIR [--kb FILE] [--min 3]
//	zhiyi lint      [--kb FILE] [--rules FILE] [--experiments FILE] [--dict DIR] [FILE...]
//	zhiyi ab        [--data-dir DIR | --db URL | --log FILE...] [--model DIR | --kb FILE] [--experiments FILE] [--experiment ID] [--since 720h] [--json]
//	zhiyi report    [--data-dir DIR | --db URL] [--since 7d] [--until TIME] [--bucket hour|day] [--json] [--html FILE]
//	zhiyi unmatched [--data-dir DIR | --db URL] --model DIR --out FILE [--since 24h] [--until TIME]
//	zhiyi records [--data-dir DIR | --db URL] (--sender ID | --chat ID)
//	zhiyi forget [--data-dir DIR | --db URL] (--sender ID | --chat ID) [--json]
//	zhiyi backup [--data-dir DIR | --db sqlite:PATH] --out FILE
//	zhiyi restore [--data-dir DIR | --db sqlite:PATH] --from FILE
//
// The commands that read or write the decision log take it where zhiyi serve does: --data-dir
// (default data, env ZHIYI_DATA_DIR) or --db (env ZHIYI_DB).
//
// Every command prints its flags with -h; the README lists zhiyi serve's with their environment
// variables (env.go: a ZHIYI_* variable is a flag's default, and a malformed one is an error).
//
// This package holds flags and wiring only (wire.go puts zhiyi serve's parts together: session,
// rules, experiments, store, alert, console, learn around package serve); the work is in the
// packages nlp, index, intent, train, reply, serve and the rest.
package main
