package train

import (
	"fmt"
	"io"
	"strings"
)

// noteUnknown counts a correction naming intent id, which the model lacks.
func (r *LearnResult) noteUnknown(id string) {
	r.Unknown++
	if r.UnknownIntents == nil {
		r.UnknownIntents = map[string]int{}
	}
	r.UnknownIntents[id]++
}

// warnUnknown names on w the intents the corrections named that the model lacks, busiest
// first. Stored corrections outlive a retrain that renamed or deleted their intent (feedback's
// correct_intent, console labels): counted as "unknown intents" alone, an operator could not
// tell a rename's whole batch from a stray typo.
func warnUnknown(w io.Writer, r *LearnResult) {
	if len(r.UnknownIntents) == 0 {
		return
	}
	ids := byCount(r.UnknownIntents)
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = fmt.Sprintf("%q (%d)", id, r.UnknownIntents[id])
	}
	fmt.Fprintf(w, "learn: warning: %d corrections name intents the model does not have, left out: %s; renamed or deleted since they were given? "+
		"To keep them, label those messages with the model's intent ids (zhiyi learn --labels, or the console)\n", r.Unknown, strings.Join(names, ", "))
}
