// Command learnsim measures learning from corrections (package learn) the way a shop would live
// it: the sample shop's holdout is replayed as traffic into a real decision log (SQLite), agents
// correct the wrong answers from gold as feedback (up to -n), and the bundle learns from the log.
// It prints the holdout accuracy of the starting and the promoted model, and what the gate does
// with three poisoned batches: the same messages "corrected" to intents chosen at random, every
// return_goods message of the traffic "corrected" to issue_invoice, and one agent's 50 templated
// returns (这件卫衣想退货 …) "corrected" to issue_invoice, alone and hidden among the corrections from gold.
//
//	go run ./scripts/learnsim -model models/shop -n 200 -traffic corpora/shop/holdout/stress_2026-12.jsonl
//
// With -unseen the holdout is scored but not replayed: only the -traffic messages are corrected,
// and the holdout shows what learning does to messages no correction was about.
//
// The shipped shop model gets 30 of the holdout's 600 messages wrong: too few corrections for the
// gate to tell them from guessing with certainty (docs/benchmarks.md, thirteenth session), so
// the stress set is replayed before it as more traffic to correct (only the holdout is scored).
package main
