// Command gen writes sentiment/model.txt, the model embedded in the sentiment package: it reads
// the sample shop's labelled set and lexicon, chooses the configuration by 5-fold
// cross-validation on the set's dev part (sentiment.DefaultGrid), trains on the whole dev part and
// writes the model (a temporary file, then a rename). The test part is never read. Run it from
// the repository root:
//
//	go run ./sentiment/internal/gen
//
// The output is deterministic: the same inputs give the same bytes (TestModelUpToDate checks the
// committed file against a fresh training).
package main
