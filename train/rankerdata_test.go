package train

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestRankerDataRoundTrip(t *testing.T) {
	ids := []uint32{3, 10, 70, 500, 1 << 31}
	d := &rankerData{C: 0.5, Seed: 7, MinCount: 2, Examples: []Example{
		{Features: []uint32{500, 10, 10, 9, 1 << 31}, Label: 2, Weight: 0.5}, // 9 has no row: left out
		{Features: []uint32{8}, Label: 0},                                    // nothing the ranker knows; weight 0 is 1
		{Features: []uint32{3, 70}, Label: 1, Weight: 1},
	}}
	got, err := decodeRankerData(d.encode(nil, ids, 3), ids, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprint(&rankerData{C: 0.5, Seed: 7, MinCount: 2, Examples: []Example{
		{Features: []uint32{10, 10, 500, 1 << 31}, Label: 2, Weight: 0.5},
		{Features: []uint32{}, Label: 0, Weight: 1},
		{Features: []uint32{3, 70}, Label: 1, Weight: 1},
	}})
	if fmt.Sprint(got) != want {
		t.Errorf("decoded %v, want %v", got, want)
	}
}

func TestRankerDataCorrupt(t *testing.T) {
	ids := []uint32{3, 10, 70}
	good := (&rankerData{C: 1, Seed: 1, MinCount: 1, Examples: []Example{{Features: []uint32{3, 70}, Label: 1, Weight: 1}}}).encode(nil, ids, 2)
	edit := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	for _, c := range []struct {
		name string
		data []byte
		ids  []uint32
		want string
	}{
		{"empty", nil, ids, "not a ranker data file"},
		{"another magic", edit(func(b []byte) []byte { b[0] = 'X'; return b }), ids, "not a ranker data file"},
		{"a newer version", edit(func(b []byte) []byte { b[4] = 9; return b }), ids, "format version 9"},
		{"truncated", good[:len(good)-1], ids, "example 0"},
		{"a byte after", append(append([]byte(nil), good...), 0), ids, "1 bytes after the last example"},
		{"another ranker's labels", good, ids, "2 labels, the ranker has 3"},
		{"a feature past the ranker's", good, ids[:2], "feature index out of range"},
		{"an infinite weight", edit(func(b []byte) []byte { copy(b[25:], []byte{0, 0, 0x80, 0x7f}); return b }), ids, "bad weight"},
	} {
		labels := 2
		if c.name == "another ranker's labels" {
			labels = 3
		}
		_, err := decodeRankerData(c.data, c.ids, labels)
		if !errors.Is(err, errRankerData) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error saying %q", c.name, err, c.want)
		}
	}
}
