//go:build !linux

package hashtab

// hugeSlots returns nil: tables live on the Go heap where transparent huge pages are not
// requested.
func hugeSlots[V any](*Table[V], int) []slot[V] { return nil }
