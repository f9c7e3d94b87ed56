// Command clusterbench measures how well cluster sheets serve an operator who labels by cluster,
// on exports with gold labels (docs/benchmarks.md, thirty-first session):
//
//	go run ./scripts/clusterbench -model M -data corpora/shop/chats -gold corpora/shop/gold/labels.jsonl [-since 2026-10-01]
//
// It replays the exports' conversations through package reply with the bundle M, as zhiyi
// cluster does, and for two selections of the messages — those M does not place when each is
// decided alone (zhiyi cluster until the thirty-first session) and those it does not place in
// their conversation (since) — clusters them with train.Cluster at each context weight of -w
// (-1: no context) and, as 999, within each context separately. For each sheet it prints the
// messages, clusters, the share in clusters of three or more and their purity, and what a
// simulated operator gets from the 50, 100 and 200 largest clusters, filling a cluster with its
// members' majority gold intent when that holds at least 60 % of them: messages labelled, labelled
// right, and members whose gold intent is the sheet's suggestion.
package main
