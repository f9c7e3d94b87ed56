package train

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// TestClusterSheetRoundTrip clusters the weak shop's messages, fills one cluster as an operator
// would, trains with the sheet as --labels and checks every member was labelled.
func TestClusterSheetRoundTrip(t *testing.T) {
	dir := t.TempDir()
	kb, data := writeWeakShop(t, dir)
	cfg := DefaultConfig()
	cfg.Data, cfg.KB, cfg.Out, cfg.Progress = []string{data}, kb, filepath.Join(dir, "m"), io.Discard
	cfg.Weak.Rounds = -1
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	eng, err := intent.Load(context.Background(), cfg.Out)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	var msgs []ClusterMessage
	im := NewImporter()
	if err := im.Import(context.Background(), []string{data}, func(m Message) error {
		msgs = append(msgs, ClusterMessage{ID: m.MsgID, Text: m.Text})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	sheet, err := Cluster(context.Background(), eng, msgs, ClusterConfig{MinSimilarity: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	again, _ := Cluster(context.Background(), eng, msgs, ClusterConfig{MinSimilarity: 0.2})
	a, _ := json.Marshal(sheet)
	b, _ := json.Marshal(again)
	if !bytes.Equal(a, b) {
		t.Error("the same messages gave two different sheets")
	}
	members, sizes := 0, 0
	filled, undecided := 0, 0
	for i := range sheet {
		l := &sheet[i]
		members += len(l.Members)
		sizes += l.Size
		if i > 0 && l.Size > sheet[i-1].Size {
			t.Errorf("sheet not largest first: %s (%d) after %s (%d)", l.Cluster, l.Size, sheet[i-1].Cluster, sheet[i-1].Size)
		}
		if l.Cluster != "c"+strconv.Itoa(i+1) || len(l.Samples) == 0 || len(l.Samples) > 5 || l.Intent != "" {
			t.Errorf("line %d: %+v", i, l)
		}
		// the operator fills the clusters of 报销凭证 questions and leaves the others
		if !slices.ContainsFunc(l.Samples, func(s string) bool { return !strings.Contains(s, "报销凭证") }) {
			l.Intent = "invoice"
			filled += l.Size
		} else {
			undecided++
			for _, s := range l.Samples {
				if strings.Contains(s, "报销凭证") && l.Size > 1 {
					t.Errorf("%s mixes 报销凭证 with other questions: %q", l.Cluster, l.Samples)
				}
			}
		}
	}
	if members != len(msgs) || sizes != len(msgs) {
		t.Errorf("%d members, sizes sum to %d, for %d messages", members, sizes, len(msgs))
	}
	if filled < 8 {
		t.Fatalf("the 报销凭证 questions are in clusters of their own only %d times of 12", filled)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, l := range sheet {
		if err := enc.Encode(l); err != nil {
			t.Fatal(err)
		}
	}
	sheetPath := filepath.Join(dir, "sheet.jsonl")
	if err := os.WriteFile(sheetPath, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg.Out, cfg.Labels = filepath.Join(dir, "m2"), []string{sheetPath}
	sum, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Labels.Applied != filled || sum.Labels.Undecided != undecided {
		t.Errorf("labels %+v: want the %d members of the filled clusters applied and %d lines undecided", sum.Labels, filled, undecided)
	}
}

// A follow-up that says little (订单号<ORDER>) means what its conversation is about: the same
// words in conversations about returns and about invoices make two clusters, each naming its
// context, where without context they make one.
func TestClusterFollowUpsByContext(t *testing.T) {
	s := trained(t)
	eng, err := intent.Load(context.Background(), s.out)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	var msgs []ClusterMessage
	for i, text := range []string{"订单号<ORDER>", "订单号是<ORDER>", "订单号:<ORDER>", "单号<ORDER>"} {
		msgs = append(msgs, ClusterMessage{ID: "r" + strconv.Itoa(i), Text: text, Context: "return_goods"},
			ClusterMessage{ID: "i" + strconv.Itoa(i), Text: text, Context: "invoice"})
	}
	clusterOf := func(sheet []SheetLine) map[string]*SheetLine {
		of := map[string]*SheetLine{}
		for i := range sheet {
			for _, id := range sheet[i].Members {
				of[id] = &sheet[i]
			}
		}
		return of
	}
	sheet, err := Cluster(context.Background(), eng, msgs, ClusterConfig{})
	if err != nil {
		t.Fatal(err)
	}
	of := clusterOf(sheet)
	for _, m := range msgs {
		l := of[m.ID]
		if l == nil {
			t.Fatalf("%s in no cluster", m.ID)
		}
		if l.Context != m.Context {
			t.Errorf("%s (%s in a conversation about %s): cluster %s has context %q", m.ID, m.Text, m.Context, l.Cluster, l.Context)
		}
		for _, id := range l.Members {
			if id[0] != m.ID[0] {
				t.Errorf("cluster %s holds %s and %s, of conversations about different intents", l.Cluster, m.ID, id)
			}
		}
	}
	if of["r0"] != of["r1"] {
		t.Errorf("订单号<ORDER> and 订单号是<ORDER> of returns in clusters %s and %s", of["r0"].Cluster, of["r1"].Cluster)
	}
	alone, err := Cluster(context.Background(), eng, msgs, ClusterConfig{ContextWeight: -1})
	if err != nil {
		t.Fatal(err)
	}
	of = clusterOf(alone)
	if of["r0"] != of["i0"] || of["r0"].Context != "" {
		t.Errorf("without context: 订单号<ORDER> in clusters %s and %s, context %q", of["r0"].Cluster, of["i0"].Cluster, of["r0"].Context)
	}
}
