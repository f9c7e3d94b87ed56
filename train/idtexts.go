package train

import (
	"maps"
	"slices"
)

// IDTexts finds message ids given to messages of different texts: two exports that number their
// messages alike (two CRM CSVs, each from 1) do, and a label by such an id cannot say which
// message is meant. zhiyi train refuses such a label; zhiyi cluster warns before anyone labels.
type IDTexts struct {
	first  map[string]string   // id → the first text it named
	shared map[string][]string // id → every text it named, each once, when more than one
}

// NewIDTexts returns an empty IDTexts.
func NewIDTexts() *IDTexts {
	return &IDTexts{first: map[string]string{}, shared: map[string][]string{}}
}

// Note records that id names a customer message of text (normalised and masked, as training
// tells messages apart: texts that differ in a phone number alone are one). An empty id is
// ignored.
func (x *IDTexts) Note(id, text string) {
	if id == "" {
		return
	}
	first, ok := x.first[id]
	switch {
	case !ok:
		x.first[id] = text
	case first == text:
	case len(x.shared[id]) == 0:
		x.shared[id] = []string{first, text}
	case !slices.Contains(x.shared[id], text):
		x.shared[id] = append(x.shared[id], text)
	}
}

// Texts returns how many different texts id names (none: a nil IDTexts noted nothing).
func (x *IDTexts) Texts(id string) int {
	if x == nil {
		return 0
	}
	if n := len(x.shared[id]); n > 0 {
		return n
	}
	if _, ok := x.first[id]; ok {
		return 1
	}
	return 0
}

// Shared returns the ids that name more than one text, sorted.
func (x *IDTexts) Shared() []string {
	if x == nil {
		return nil
	}
	return slices.Sorted(maps.Keys(x.shared))
}
