package train

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/nlp"
)

// trainSubword learns the BPE subword model from every training-period message, labelled or not,
// and builds the analyzer the later stages share (with the subwords, when there are any).
func (r *run) trainSubword() (bool, error) {
	skipped := r.cfg.SubwordVocab < 0
	var sub *nlp.Subword
	if !skipped {
		var texts []string
		for _, rec := range r.trainRecs {
			texts = append(texts, rec.text)
		}
		for _, rec := range r.unlabelled {
			texts = append(texts, rec.text)
		}
		vocab := r.cfg.SubwordVocab
		if vocab == 0 {
			vocab = min(8000, max(500, len(texts)))
		}
		dir := filepath.Join(r.tmp, intent.SubwordDir)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return false, err
		}
		if err := nlp.TrainSubword(texts, vocab, 3, dir); err != nil {
			return false, err
		}
		fmt.Fprintf(r.prog, "subword: BPE with vocabulary %d trained on %d messages\n", vocab, len(texts))
		var err error
		if sub, err = nlp.LoadSubword(dir); err != nil {
			return false, err
		}
	}
	var err error
	r.an, err = nlp.NewWith(r.dicts, sub)
	return skipped, err
}
