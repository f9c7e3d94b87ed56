// Command cgclassify classifies a file of messages many times over, for counting the engine's
// instructions with callgrind: a count, unlike a time, is the same from run to run on a shared
// machine, so a change of one or two percent shows (docs/benchmarks.md, "Instruction counts").
//
//	go build -o /tmp/cgclassify ./scripts/cgclassify
//	GODEBUG=asyncpreemptoff=1 GOMAXPROCS=1 GOGC=off valgrind --tool=callgrind \
//	    --toggle-collect=main.classify /tmp/cgclassify -model models/shop -n 6000
//
// Only main.classify is counted (--toggle-collect): loading and a first pass that fills the
// engine's lazy caches are not. Divide the collected count by -n.
package main
