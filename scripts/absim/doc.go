// Command absim writes a simulated A/B decision log for `zhiyi ab --log`: the sample shop's
// holdout replayed as traffic on one experiment's two variants (package internal/absim), the
// control rated 3.90 on average and the other 4.20 (or, with -aa, the same), until every
// variant has -rated ratings.
//
//	go run ./scripts/absim -out /tmp/ab.jsonl -rated 209
//	zhiyi ab --kb corpora/shop/kb.yaml --log /tmp/ab.jsonl --experiment track_parcel
package main
