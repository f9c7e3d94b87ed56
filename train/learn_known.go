package train

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// LeaveOutLearnt splits corrections into those the bundle in model has not learnt and how many
// it has: the same text (normalised and masked) to the same intent among its examples. Learn
// leaves those out itself (LearnResult.Known); a caller counting corrections toward a minimum
// leaves them out first, since the corrections' window is read with a margin that takes in some
// the bundle learnt (learn.Corrections), and a labels sheet may be given twice.
func LeaveOutLearnt(model string, corrections []Correction) (keep []Correction, known int, err error) {
	docs, err := intent.ReadExampleDocs(filepath.Join(model, intent.ExamplesFile))
	if errors.Is(err, fs.ErrNotExist) {
		return corrections, 0, nil // a bundle without its history: Learn judges them
	}
	if err != nil {
		return nil, 0, fmt.Errorf("learn: %w", err)
	}
	had := make(map[Labelled]bool, len(docs))
	for _, d := range docs {
		had[Labelled{Text: textKey(d.Text), Intent: d.Intent}] = true
	}
	for _, c := range corrections {
		if had[Labelled{Text: textKey(c.Text), Intent: c.Intent}] {
			known++
			continue
		}
		keep = append(keep, c)
	}
	return keep, known, nil
}
