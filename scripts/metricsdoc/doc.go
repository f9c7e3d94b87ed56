// Command metricsdoc compares the metric names of a real /metrics scrape with the names the
// operator docs give, both ways, and checks the scrape's families against the naming
// conventions (a # TYPE line, _total on counters and on nothing else).
//
//	go run ./scripts/metricsdoc -metrics http://localhost:8080/metrics docs/operations.md
//	curl -s localhost:8080/metrics > scrape.txt; go run ./scripts/metricsdoc -metrics scrape.txt docs/operations.md docs/api.md
//
// It prints the families the scrape has and no doc names ("undocumented"), the names the docs
// give that the scrape lacks ("not in this scrape": a metric gone or misspelt, or one that only
// some flags export — --learn, --adapt-mix, --redis or not), and the convention problems. A
// name written with a trailing * in the docs (zhiyi_alert_*) covers every name it begins. The
// exit status is 1 when something is undocumented or breaks a convention, 0 otherwise.
//
// cmd/zhiyi's TestServeMetricsDocumented runs the same comparison on a fully wired server
// against docs/operations.md.
package main
