// Command learnsim measures learning from corrections (package learn) the way a shop would live
// it: the sample shop's holdout is replayed as traffic into a real decision log (SQLite), agents
// correct the wrong answers from gold as feedback (up to -n), and the bundle learns from the log.
// It prints the holdout accuracy of the starting and the promoted model, and what the gate does
// with a poisoned batch (the same messages "corrected" to intents chosen at random).
//
//	go run ./scripts/learnsim -model models/shop -n 200
package main
