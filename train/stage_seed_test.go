package train

import (
	"fmt"
	"io"
	"testing"

	"github.com/zhiyi-ai/zhiyi/index"
	"github.com/zhiyi-ai/zhiyi/intent"
)

// TestNoneSeedsWeight: the built-in out-of-scope examples stand in for the class at full weight
// while a shop labels few out-of-scope messages, and count NoneSeedWeight beside enough of its
// own; without a knowledge base (a public benchmark's taxonomy) there are none.
func TestNoneSeedsWeight(t *testing.T) {
	kb := &index.KB{Intents: []index.Intent{{ID: "track_parcel", Examples: []string{"快递到哪了"}}}}
	for _, tc := range []struct {
		name      string
		kb        *index.KB
		ownNone   int
		wantW     float32 // 0: no seeds
		wantShare bool
	}{
		{"few own", kb, 10, 1, true},
		{"enough own", kb, 200, NoneSeedWeight, true},
		{"no knowledge base", nil, 10, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &run{cfg: Config{Weak: DefaultWeakConfig()}, kb: tc.kb, sum: &Summary{}, prog: io.Discard,
				data: imported{byText: map[string]int{}}}
			for i := range tc.ownNone {
				r.data.recs = append(r.data.recs, record{text: fmt.Sprintf("闲聊%d", i), intent: intent.NoneIntent})
			}
			if _, err := r.addSeeds(); err != nil {
				t.Fatal(err)
			}
			seeds := 0
			for _, rec := range r.data.recs[tc.ownNone:] {
				if rec.origin != fromNoneSeed {
					continue
				}
				seeds++
				if rec.weight != tc.wantW {
					t.Fatalf("seed %q weighs %v, want %v", rec.text, rec.weight, tc.wantW)
				}
			}
			if got := seeds > 0; got != tc.wantShare || r.sum.NoneSeeds != seeds {
				t.Fatalf("%d out-of-scope seeds (summary %d), want some: %v", seeds, r.sum.NoneSeeds, tc.wantShare)
			}
		})
	}
}
