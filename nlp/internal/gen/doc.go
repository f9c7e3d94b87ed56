// Command gen writes the two tables package nlp generates from its libraries, so that a process
// pays neither library's start-up cost nor a map lookup per character:
//
//   - nlp/fold_table.go: the characters OpenCC's t2s conversion changes
//     (github.com/longbridgeapp/opencc, TSCharacters: the keys whose value differs), the test that
//     decides whether a message needs the Taiwan-phrase converter at all;
//   - nlp/pinyin_table.go: the toneless pinyin of every character of the CJK blocks U+3400–U+9FFF
//     (github.com/mozillazg/go-pinyin, the first reading of a polyphone), grouped by syllable, and
//     the other modern readings of a hand-checked list of common polyphones (for typed pinyin:
//     yinhang of 银行), not go-pinyin's every heteronym, many of them archaic (见 xian, 款 xin).
//
// Run it from the repository root (go generate ./nlp does):
//
//	go run ./nlp/internal/gen
//
// The output is deterministic; TestTablesUpToDate checks the committed files against a fresh run.
// It also checks the one thing about tw2sp that the folding relies on and a new library version
// could change: which simplified characters the Taiwan variant table rewrites (nlp keeps those).
package main
