// Package hashtab is a fixed-size, linearly probed hash table from 64-bit keys that are already
// well mixed (hashes or hashed feature ids) to small values (Table), and its half-size sibling
// for 32-bit keys and values (Map32).
//
// zhiyi keeps such tables for the life of a process: the segmenter's lexicon (half a million
// words and prefixes) in a Table; the classifier's feature rows and the BPE model's characters
// and merges in Map32s. Compared with a Go map the table is
// built several times faster (no growth, no rehashing), holds no pointers for the garbage
// collector to scan when V holds none, and keeps key and value in one slot, so a lookup costs
// one cache miss rather than two. On Linux a table of a megabyte or more gets its own memory
// mapping with transparent huge pages requested (hugepage.Alloc): fewer page faults while it is
// filled, fewer TLB misses after.
package hashtab
