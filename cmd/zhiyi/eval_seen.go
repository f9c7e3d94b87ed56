package main

import (
	"fmt"
	"path/filepath"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/nlp"
	"github.com/zhiyi-ai/zhiyi/train"
)

// seenNote warns when scored messages are in the bundle's training history (examples.jsonl):
// eval of a shop's own gold labels, which train had taken too, read 100 % with no word that the
// model had learnt every one of them. The history is capped per intent, so the count is a floor.
// Empty when none is there (or the bundle keeps no history).
func seenNote(model string, items []train.Labelled) (string, error) {
	docs, err := intent.ReadExampleDocs(filepath.Join(model, intent.ExamplesFile))
	if err != nil {
		return "", fmt.Errorf("reading the bundle's training history: %w", err)
	}
	if len(docs) == 0 {
		return "", nil
	}
	key := func(s string) string { m, _ := nlp.Mask(nlp.Normalize(s)); return m }
	seen := make(map[string]bool, len(docs))
	for _, d := range docs {
		seen[key(d.Text)] = true
	}
	n := 0
	for _, it := range items {
		if seen[key(it.Text)] {
			n++
		}
	}
	if n == 0 {
		return "", nil
	}
	which := fmt.Sprintf("at least %d of the %d scored messages are", n, len(items))
	if n == len(items) {
		which = fmt.Sprintf("all %d scored messages are", n)
	}
	return fmt.Sprintf("warning: %s in the bundle's training history (%s): the model learnt them, "+
		"so these numbers overstate it on messages it has not seen; score messages from after its training (train --until DATE, then eval --since DATE)",
		which, intent.ExamplesFile), nil
}
