// Command storebench writes many synthetic decisions through store.Recorder — the path
// `zhiyi serve` uses — and prints rows per second and bytes per decision (the database's size
// after a checkpoint, divided by the rows), for docs/benchmarks.md:
//
//	go run ./scripts/storebench -n 1000000                    # SQLite in a temporary directory
//	go run ./scripts/storebench -n 1000000 -pg                # a private PostgreSQL 15 (fsync on)
//	go run ./scripts/storebench -n 1000000 -db postgres://…   # an existing server
//	go run ./scripts/storebench -n 1000000 -copy              # zhiyi copy: SQLite into PostgreSQL
//
// Decisions look like the sample shop's traffic: short Chinese texts (some with a phone number
// to mask), 10,000 customers, a handful of intents, channels and answers. Record is called
// as fast as one goroutine can; when the queue is full records go to the spool, and the
// program reports that too (a healthy run spools nothing).
package main
