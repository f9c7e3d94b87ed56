package train

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/zhiyi-ai/zhiyi/index"
)

// TestSampleShopCorpus checks the sample shop's exports against what the corpus promises: volume,
// exports as the platforms write them (no intent inside WeCom and 微信客服 lines; the CRM's tag
// column filled where an agent tagged), a gold label beside the exports for every customer
// message, out-of-scope share, and labels the knowledge base knows.
func TestSampleShopCorpus(t *testing.T) {
	kb, err := index.LoadKB("../corpora/shop/kb.yaml")
	if err != nil {
		t.Fatal(err)
	}
	known := func(id string) bool { _, ok := kb.Intent(id); return ok || id == "none" }
	gold := map[string]string{}
	f, err := os.Open("../corpora/shop/gold/labels.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		var l struct{ MsgID, Intent string }
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil || l.MsgID == "" || !known(l.Intent) {
			t.Fatalf("gold/labels.jsonl:%d: %s (%v)", n, sc.Text(), err)
		}
		gold[l.MsgID] = l.Intent
	}
	im := NewImporter()
	none, tagged, missing := 0, map[string]int{}, 0
	err = im.Import(context.Background(), []string{"../corpora/shop/chats"}, func(m Message) error {
		if m.Intent != "" {
			tagged[m.Channel]++
			if m.Intent != gold[m.MsgID] {
				t.Errorf("%s: tagged %q, gold %q", m.Source, m.Intent, gold[m.MsgID])
			}
		}
		g, ok := gold[m.MsgID]
		if !ok {
			missing++
		}
		if g == "none" {
			none++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	st := im.Stats()
	t.Logf("chats: %s; tagged %v; none %d", st, tagged, none)
	if st.Kept < 6000 {
		t.Errorf("%d customer text messages, want at least 6000", st.Kept)
	}
	if missing > 0 || len(gold) != st.Kept {
		t.Errorf("%d messages without a gold label; gold has %d labels for %d messages", missing, len(gold), st.Kept)
	}
	if len(tagged) != 1 || tagged["csv"] == 0 {
		t.Errorf("tags by channel %v: want the CRM's tag column only", tagged)
	}
	if share := float64(none) / float64(st.Kept); share < 0.08 {
		t.Errorf("out-of-scope share %.3f, want at least 0.08", share)
	}
	for _, reason := range []string{SkipNotCustomer, SkipNotText, SkipRecall, SkipMalformed} {
		if st.Skipped[reason] == 0 {
			t.Errorf("the exports exercise no %q lines", reason)
		}
	}

	hold := NewImporter()
	n := 0
	err = hold.Import(context.Background(), []string{"../corpora/shop/holdout/holdout_2026-11.jsonl"}, func(m Message) error {
		n++
		if !known(m.Intent) {
			t.Errorf("holdout %s: label %q not in kb.yaml", m.Source, m.Intent)
		}
		return nil
	})
	if err != nil || n != 600 {
		t.Errorf("holdout: %d messages (%v), want 600", n, err)
	}
}
