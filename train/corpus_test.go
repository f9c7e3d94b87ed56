package train

import (
	"context"
	"testing"

	"github.com/zhiyi-ai/zhiyi/index"
)

// TestSampleShopCorpus checks the sample shop's exports against what the corpus promises:
// volume, labelled share, out-of-scope share, and labels the knowledge base knows.
func TestSampleShopCorpus(t *testing.T) {
	kb, err := index.LoadKB("../corpora/shop/kb.yaml")
	if err != nil {
		t.Fatal(err)
	}
	im := NewImporter()
	none, unknown := 0, map[string]int{}
	err = im.Import(context.Background(), []string{"../corpora/shop/chats"}, func(m Message) error {
		switch _, ok := kb.Intent(m.Intent); {
		case m.Intent == "none":
			none++
		case m.Intent != "" && !ok:
			unknown[m.Intent]++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	st := im.Stats()
	t.Logf("chats: %s; none %d", st, none)
	if st.Kept < 6000 {
		t.Errorf("%d customer text messages, want at least 6000", st.Kept)
	}
	if share := float64(st.Labelled) / float64(st.Kept); share < 0.70 {
		t.Errorf("labelled share %.3f, want at least 0.70", share)
	}
	if share := float64(none) / float64(st.Labelled); share < 0.08 {
		t.Errorf("out-of-scope share of labelled messages %.3f, want at least 0.08", share)
	}
	if len(unknown) > 0 {
		t.Errorf("labels missing from kb.yaml: %v", unknown)
	}
	for _, reason := range []string{SkipNotCustomer, SkipNotText, SkipRecall, SkipMalformed} {
		if st.Skipped[reason] == 0 {
			t.Errorf("the exports exercise no %q lines", reason)
		}
	}

	hold := NewImporter()
	n := 0
	err = hold.Import(context.Background(), []string{"../corpora/shop/holdout"}, func(m Message) error {
		n++
		if _, ok := kb.Intent(m.Intent); !ok && m.Intent != "none" {
			t.Errorf("holdout %s: label %q not in kb.yaml", m.Source, m.Intent)
		}
		return nil
	})
	if err != nil || n != 600 {
		t.Errorf("holdout: %d messages (%v), want 600", n, err)
	}
}
