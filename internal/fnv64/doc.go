// Package fnv64 is FNV-1a 64 of a string, as hash/fnv's New64a computes it, without the hash's
// allocations (a []byte(s) written through hash.Hash escapes). Package reply shards its
// conversation locks with it; package session keeps a group sender's id as it, unkeyed, as
// earlier builds stored it.
package fnv64
