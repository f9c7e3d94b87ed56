package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/store"
)

// ReplicaOpener opens two stores on one fresh, empty database, as two processes would (two
// handles to one SQLite file, two pools on one PostgreSQL database); the suite closes them.
type ReplicaOpener func(t *testing.T) (a, b store.Store)

// RunReplicas runs the cases that need two processes' worth of stores on one database.
func RunReplicas(t *testing.T, open ReplicaOpener) {
	cases := []struct {
		name string
		fn   func(*testing.T, store.Store, store.Store)
	}{
		{"LabelRace", testLabelRace},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, b := open(t)
			defer a.Close()
			defer b.Close()
			c.fn(t, a, b)
		})
	}
}

func testLabelsUnlessTaken(t *testing.T, s store.Store) {
	since := at(10)
	if err := s.AddLabels(ctx(t), []store.Label{
		{Key: "m1", Text: "要发票", Intent: "shipping", Source: "console", By: "小张", Time: at(12)},
		{Key: "m2", Text: "开专票", Intent: "refund", Source: "console", By: "小王", Time: at(12)}, // his own
		{Key: "m3", Text: "发票抬头", Intent: "refund", Source: "console", By: "小张", Time: at(9)}, // before the page
		{Key: "m5", Text: "电子发票", Intent: "refund", Source: "cluster", Time: since},           // a sheet, at the page's time
		{Text: "东西不要了", Intent: "return_goods", Source: "feedback", By: "agent-7", Time: at(11)},
	}); err != nil {
		t.Fatal(err)
	}
	mine := func(key, text string) store.Label {
		return store.Label{Key: key, Text: text, Intent: "invoice", Source: "console", By: "小王", Time: at(20)}
	}
	ls := []store.Label{mine("m1", "要发票"), mine("m2", "开专票"), mine("m3", "发票抬头"), mine("m4", "发票"),
		mine("m5", "电子发票"), mine("", "东西不要了")}
	added, taken, err := s.AddLabelsUnlessTaken(ctx(t), since, "小王", ls)
	if err != nil {
		t.Fatal(err)
	}
	if len(added) != 3 || added[0] != ls[1] || added[1] != ls[2] || added[2] != ls[3] {
		t.Errorf("added = %+v, want m2, m3, m4 as given", added)
	}
	key := store.LabelKey("东西不要了")
	if len(taken) != 3 || taken["m1"].By != "小张" || taken["m1"].Intent != "shipping" || taken["m1"].Source != "console" ||
		!taken["m1"].Time.Equal(at(12)) || taken["m1"].Text != "要发票" || taken["m5"].Source != "cluster" || taken[key].By != "agent-7" {
		t.Errorf("taken = %+v, want m1 (小张), m5 (a sheet) and %s (agent-7) as stored", taken, key)
	}
	want := map[string]string{"m1": "小张", "m2": "小王", "m3": "小王", "m4": "小王", "m5": "", key: "agent-7"}
	for _, l := range labels(t, s, store.LabelQuery{}) {
		if by, ok := want[l.Key]; !ok || l.By != by {
			t.Errorf("label %s by %q (%s), want by %q", l.Key, l.By, l.Intent, by)
		}
		delete(want, l.Key)
	}
	if len(want) > 0 {
		t.Errorf("labels missing: %v", want)
	}
	// 小王 again, on a newer page: his own labels never keep him out.
	if added, taken, err := s.AddLabelsUnlessTaken(ctx(t), at(15), "小王", []store.Label{mine("m4", "发票")}); err != nil || len(added) != 1 || len(taken) != 0 {
		t.Errorf("relabelling his own: added %v, taken %v, %v", added, taken, err)
	}
	if added, taken, err := s.AddLabelsUnlessTaken(ctx(t), since, "小王", nil); err != nil || added != nil || taken != nil {
		t.Errorf("no labels: %v %v %v", added, taken, err)
	}
	// One bad label: nothing stored.
	bad := []store.Label{mine("m6", "开票"), {Key: "m7", By: "小王"}}
	if _, _, err := s.AddLabelsUnlessTaken(ctx(t), since, "小王", bad); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("label without intent: %v, want ErrInvalid", err)
	}
	for _, l := range labels(t, s, store.LabelQuery{}) {
		if l.Key == "m6" {
			t.Error("a call refused as invalid stored a label")
		}
	}
}

// testLabelRace has two operators, on two replicas, label one message at the same moment
// from pages made at the same time, many times over: each time exactly one label is stored,
// and the other operator is told it was kept — never both told "saved" while one replaces the
// other.
func testLabelRace(t *testing.T, a, b store.Store) {
	const races = 100
	lost := 0
	for i := range races {
		key := fmt.Sprintf("race-%d", i)
		since := time.Now()
		type result struct {
			added []store.Label
			taken map[string]store.Label
			err   error
		}
		var (
			wg    sync.WaitGroup
			start = make(chan struct{})
			res   [2]result
		)
		for j, op := range []struct {
			s      store.Store
			by, to string
		}{{a, "小王", "invoice"}, {b, "小李", "refund"}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				l := store.Label{Key: key, Text: "优惠券怎么领", Intent: op.to, Source: "console", By: op.by}
				<-start
				r := &res[j]
				r.added, r.taken, r.err = op.s.AddLabelsUnlessTaken(ctx(t), since, op.by, []store.Label{l})
			}()
		}
		close(start)
		wg.Wait()
		for _, r := range res {
			if r.err != nil {
				t.Fatalf("race %d: %v", i, r.err)
			}
		}
		var stored []store.Label
		for _, l := range labels(t, b, store.LabelQuery{Since: since}) {
			if l.Key == key {
				stored = append(stored, l)
			}
		}
		if len(stored) != 1 {
			t.Fatalf("race %d: %d labels stored for %s", i, len(stored), key)
		}
		w, l := res[0], res[1]
		if len(w.added) == 0 {
			w, l = l, w
		}
		switch {
		case len(w.added) != 1 || len(w.taken) != 0:
			t.Errorf("race %d: neither label was stored: %+v", i, res)
		case len(l.added) != 0:
			lost++ // both told their label was saved; one was replaced
		case len(l.taken) != 1 || l.taken[key].By != stored[0].By || w.added[0].By != stored[0].By:
			t.Errorf("race %d: %s's label stored, the other told %+v was kept", i, stored[0].By, l.taken)
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d races: both operators were told their label was saved, and one silently replaced the other", lost, races)
	}
}
