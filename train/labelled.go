package train

import (
	"context"
	"io"
	"time"
)

// DataOptions say which labelled messages ReadLabelled reads.
type DataOptions struct {
	Paths  []string   // exports or labelled files (any import format)
	Labels []string   // label files applied over the exports' own labels (as zhiyi train --labels)
	Since  time.Time  // keep messages sent at or after Since (zero: all; untimed messages are kept)
	CSV    CSVColumns // zero: DefaultCSVColumns
	// Known says which intent ids labels may name; nil accepts any.
	Known func(id string) bool
}

// ReadLabelled imports the messages of o.Paths, applies o.Labels and returns the labelled ones
// (raw text is masked; labels of unknown intents fail as in training), with what the import and
// the labels did.
func ReadLabelled(ctx context.Context, o DataOptions, prog io.Writer) ([]Labelled, ImportStats, *LabelStats, error) {
	if o.CSV.Text == nil {
		o.CSV = DefaultCSVColumns()
	}
	if prog == nil {
		prog = io.Discard
	}
	known := o.Known
	if known == nil {
		known = func(string) bool { return true }
	}
	imp, err := importRecords(ctx, o.Paths, o.CSV)
	if err != nil {
		return nil, imp.stats, nil, err
	}
	var ls *LabelStats
	if len(o.Labels) > 0 {
		if ls, err = imp.applyLabels(o.Labels, known, prog); err != nil {
			return nil, imp.stats, ls, err
		}
	}
	var out []Labelled
	for _, r := range imp.recs {
		if r.intent == "" || !o.Since.IsZero() && !r.time.IsZero() && r.time.Before(o.Since) {
			continue
		}
		out = append(out, Labelled{Text: r.text, Intent: r.intent})
	}
	return out, imp.stats, ls, nil
}
