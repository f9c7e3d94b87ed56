package train

import (
	"bytes"
	"io"
	"runtime"
	"strings"
	"testing"
)

// repeatReader yields b over and over, n bytes in all, without holding them.
type repeatReader struct {
	b      []byte
	n, off int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	k := 0
	for k < len(p) && r.n > 0 {
		c := copy(p[k:min(len(p), k+r.n)], r.b[r.off:])
		k, r.n, r.off = k+c, r.n-c, (r.off+c)%len(r.b)
	}
	return k, nil
}

// TestReadLabelsBoundsALine: a label file whose line is over MaxLabelLineBytes — an export
// written as one JSON array passed as --labels by mistake — is refused at its line without
// being held in memory (it was read whole, then decoded: gigabytes for a big export), and the
// lines around it still count.
func TestReadLabelsBoundsALine(t *testing.T) {
	defer func(v int) { labelLineLimit = v }(labelLineLimit)
	labelLineLimit = 1 << 20 // MaxLabelLineBytes, made small: the line read past is 32 times it
	huge := 32 << 20
	r := io.MultiReader(strings.NewReader(`{"msgid":"c1","intent":"invoice"}`+"\n"+`[{"msgid":"x",`),
		&repeatReader{b: []byte(`"text":"我要退货"},{`), n: huge}, strings.NewReader("\n"+`{"msgid":"c2","intent":"invoice"}`+"\n"))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	labels, err := readLabels(r, "l.jsonl")
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "l.jsonl:2: a line of") {
		t.Errorf("error %v, want the long line named", err)
	}
	if len(labels) != 2 || labels[1].Source != "l.jsonl:3" {
		t.Errorf("labels %+v, want lines 1 and 3", labels)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 8<<20 {
		t.Errorf("reading a line of %d MiB allocated %d MiB, want it streamed past", huge>>20, got>>20)
	}
	// A sheet line of a big cluster (100,000 members) is well within the bound.
	labelLineLimit = MaxLabelLineBytes
	var b bytes.Buffer
	b.WriteString(`{"cluster":"c1","intent":"invoice","members":[`)
	for i := range 100_000 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"0123456789abcdef0123456789abcdef"`)
	}
	b.WriteString("]}\n")
	if labels, err := readLabels(&b, "sheet.jsonl"); err != nil || len(labels) != 1 || len(labels[0].MsgIDs) != 100_000 {
		t.Errorf("a sheet line of 100,000 members: %d labels, %v", len(labels), err)
	}
}

// A label's text that is only white space or zero-width characters names no message, as
// /intent's empty_text refuses it: a label of "\u200b" was read, and learn counted it nowhere.
func TestReadLabelsRefusesEmptyText(t *testing.T) {
	for _, text := range []string{"", "  ", "\u200b", "\u3000\ufeff"} {
		line := `{"text":"` + text + `","intent":"invoice"}` + "\n"
		labels, err := readLabels(strings.NewReader(line), "l.jsonl")
		if err == nil || !strings.Contains(err.Error(), "l.jsonl:1:") || len(labels) != 0 {
			t.Errorf("text %q: labels %+v, error %v; want refused at line 1", text, labels, err)
		}
	}
}
