package train

import (
	"slices"
	"testing"
)

func TestIDTexts(t *testing.T) {
	x := NewIDTexts()
	for _, n := range []struct{ id, text string }{
		{"1", "我要退货"}, {"1", "我要退货"}, // the same export read twice: one text
		{"2", "发票怎么开"}, {"2", "运费多少"}, {"2", "发票怎么开"}, // a.csv, b.csv and a.csv again: two texts
		{"3", "在吗"}, {"", "没有 id"},
	} {
		x.Note(n.id, n.text)
	}
	for id, want := range map[string]int{"1": 1, "2": 2, "3": 1, "4": 0, "": 0} {
		if got := x.Texts(id); got != want {
			t.Errorf("Texts(%q) = %d, want %d", id, got, want)
		}
	}
	if got := x.Shared(); !slices.Equal(got, []string{"2"}) {
		t.Errorf("Shared() = %v, want [2]", got)
	}
}
