package train

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/nlp"
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

// LeaveOutDataOnly splits corrections into those of messages that say something and how many
// only give personal data (订单号<ORDER>, 手机号 <PHONE>): Learn leaves those out itself
// (LearnResult.DataOnly), and a caller counting corrections toward a minimum leaves them out
// first, as it does those learnt already, or a batch of them alone would start a run with
// nothing to learn (and a few more beside them would be learnt below the minimum). an is the
// bundle's analyzer (intent.Engine.Analyzer).
func LeaveOutDataOnly(an *nlp.Analyzer, corrections []Correction) (keep []Correction, dataOnly int) {
	for _, c := range corrections {
		if onlyGivesData(an, textKey(c.Text)) {
			dataOnly++
			continue
		}
		keep = append(keep, c)
	}
	return keep, dataOnly
}

// onlyGivesData reports whether a correction's text, normalised and masked (textKey), only gives
// personal data: the agent corrected what its conversation meant, which its words do not say.
func onlyGivesData(an *nlp.Analyzer, text string) bool {
	return text != "" && an.TextOnlyGivesData(text)
}
