package train

import (
	"context"
	"fmt"
	"strings"

	"github.com/zhiyi-ai/zhiyi/index"
	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/nlp"
)

// loadDictionaries reads the dictionaries and the knowledge base, and loads the segmenter's base
// dictionary: the one slow step that does not depend on the data, timed apart to keep the other
// stages honest.
func (r *run) loadDictionaries() (bool, error) {
	var err error
	if r.dicts, err = nlp.LoadDictionaries(r.cfg.DictDir); err != nil {
		return false, err
	}
	if r.cfg.KB != "" {
		if r.kb, err = index.LoadKB(r.cfg.KB); err != nil {
			return false, err
		}
	}
	_, err = nlp.NewWith(r.dicts, nil)
	return false, err
}

// importData reads the exports (and the dev file, when there is one), masked.
func (r *run) importData() (bool, error) {
	fmt.Fprintf(r.prog, "importing %s\n", strings.Join(r.cfg.Data, ", "))
	var err error
	if r.recs, r.sum.Import, err = importRecords(r.ctx, r.cfg.Data, r.cfg.CSV); err != nil {
		return false, err
	}
	fmt.Fprintf(r.prog, "import: %s\n", r.sum.Import)
	for _, p := range r.sum.Import.Problems {
		fmt.Fprintf(r.prog, "  malformed: %s\n", p)
	}
	if r.cfg.Dev != "" {
		if r.devRecs, r.sum.DevImport, err = importRecords(r.ctx, []string{r.cfg.Dev}, r.cfg.CSV); err != nil {
			return false, err
		}
		fmt.Fprintf(r.prog, "dev import: %s\n", r.sum.DevImport)
	}
	return false, nil
}

// known reports whether a label can be trained: the knowledge base has the intent (or there is
// no knowledge base), or it is none. The ranker must never answer with an intent that has no
// answer.
func (r *run) known(label string) bool {
	return r.kb == nil || label == intent.NoneIntent || hasIntent(r.kb, label)
}

func hasIntent(kb *index.KB, id string) bool {
	_, ok := kb.Intent(id)
	return ok
}

func importRecords(ctx context.Context, paths []string, cols CSVColumns) ([]record, ImportStats, error) {
	im := NewImporter()
	im.CSV = cols
	var recs []record
	err := im.Import(ctx, paths, func(m Message) error {
		text, _ := nlp.Mask(nlp.Normalize(m.Text))
		recs = append(recs, record{text: text, intent: m.Intent, time: m.Time})
		return nil
	})
	return recs, im.Stats(), err
}
