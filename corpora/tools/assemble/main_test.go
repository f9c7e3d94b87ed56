package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// srcLine is one message of a test conversation.
type srcLine struct {
	who    string // "C" or "A"
	intent string // customer lines only
	text   string
}

// srcConv is one test conversation.
type srcConv struct {
	header string // text after "=== "
	lines  []srcLine
}

// renderOpts controls how a test source file is spelled.
type renderOpts struct {
	bom      bool // leading UTF-8 BOM
	crlf     bool // CRLF line ends
	comments bool // comments and blank lines between the messages
}

func cust(intent, text string) srcLine { return srcLine{"C", intent, text} }
func agt(text string) srcLine          { return srcLine{"A", "", text} }

// render spells convs in the authoring format.
func render(convs []srcConv, o renderOpts) string {
	var b strings.Builder
	if o.bom {
		b.WriteString("\ufeff")
	}
	nl := "\n"
	if o.crlf {
		nl = "\r\n"
	}
	if o.comments {
		b.WriteString("# sample chats for the assembler test" + nl + nl)
	}
	for i, cv := range convs {
		if cv.header == "" {
			b.WriteString("===" + nl)
		} else {
			b.WriteString("=== " + cv.header + nl)
		}
		for j, l := range cv.lines {
			if o.comments && j == 1 {
				b.WriteString("  # an indented comment inside a conversation" + nl + nl)
			}
			if l.who == "C" {
				b.WriteString("C " + l.intent + " | " + l.text + nl)
			} else {
				b.WriteString("A | " + l.text + nl)
			}
		}
		if o.comments && i%2 == 0 {
			b.WriteString(nl + "# next one" + nl + "   " + nl)
		}
	}
	return b.String()
}

// handwritten is a small valid source: labels incl. none, agent lines, a text
// containing " | ", commas and quotes, and a conversation opened by the agent.
var handwritten = []srcConv{
	{"普通话 买家", []srcLine{
		cust("greeting", "在吗"),
		agt("亲，在的，请问有什么可以帮您？"),
		cust("track_parcel", "我的快递到哪了？都三天了"),
		agt("麻烦提供一下订单号，这边帮您查询哦"),
		cust("none", "你们老板是哪里人啊"),
	}},
	{"粤语", []srcLine{
		cust("return_goods", "东西唔要喇 点寄返去"),
		agt("亲，七天无理由退货，在订单里申请就可以"),
		cust("thanks_goodbye", "好嘅 唔该"),
	}},
	{"", []srcLine{
		agt("欢迎光临，有什么可以帮您"),
		cust("size_advice", `175 70kg 穿什么码, "宽松" 一点`),
		cust("price_coupon", "券用不了，怎么回事 | 急"),
		agt("亲，这张券满199才能用哦"),
	}},
}

// second is the one conversation of a second file, written with BOM and CRLF.
var second = []srcConv{
	{"催发货", []srcLine{
		cust("hurry_shipment", "怎么还没发货"),
		agt("已经帮您催仓库了"),
		cust("human_agent", "转人工"),
	}},
}

// generated returns n conversations over all intents, with unique texts, so
// that every channel and month gets lines.
func generated(n int) []srcConv {
	ids := strings.Fields(intentIDs)
	var convs []srcConv
	for i := range n {
		cv := srcConv{header: fmt.Sprintf("gen %d", i)}
		for j := range 2 + i%4 {
			cv.lines = append(cv.lines,
				cust(ids[(i*7+j)%len(ids)], fmt.Sprintf("生成的问题 %d-%d 怎么办", i, j)),
				agt(fmt.Sprintf("生成的回答 %d-%d", i, j)))
		}
		convs = append(convs, cv)
	}
	return convs
}

// writeSrc writes the files into a new temp folder and returns it.
func writeSrc(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// assemble runs the assembler and returns the out folder and the summary.
func assemble(t *testing.T, src string, seed uint64) (string, string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "chats")
	var summary bytes.Buffer
	if err := run(src, out, goldPath(out), seed, &summary); err != nil {
		t.Fatalf("run(seed %d): %v", seed, err)
	}
	return out, summary.String()
}

var outNames = []string{
	"crm_export_2026-08_10.csv",
	"kf_sync_msg_2026-08_10.jsonl",
	"wecom_2026-08.jsonl",
	"wecom_2026-09.jsonl",
	"wecom_2026-10.jsonl",
}

// goldPath is where a test's gold labels go for exports in out: beside it, not inside.
func goldPath(out string) string { return filepath.Join(filepath.Dir(out), "gold", "labels.jsonl") }

// readGold reads a gold file into msgid → intent, failing on repeats.
func readGold(t *testing.T, path string) map[string]string {
	t.Helper()
	gold := map[string]string{}
	for n, line := range readLines(t, path) {
		var g goldLabel
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&g); err != nil || g.MsgID == "" || g.Intent == "" {
			t.Errorf("%s:%d: bad gold line %s (%v)", path, n+1, line, err)
			continue
		}
		if _, dup := gold[g.MsgID]; dup {
			t.Errorf("%s:%d: msgid %s repeats", path, n+1, g.MsgID)
		}
		gold[g.MsgID] = g.Intent
	}
	return gold
}

func TestAssemble(t *testing.T) {
	t.Parallel()
	gen := generated(120)
	tests := []struct {
		name   string
		files  map[string]string
		convs  []srcConv
		nFiles int // chats_*.txt files
		seeds  []uint64
		full   bool // expect lines in every file and hidden and shown labels
	}{
		{
			name: "handwritten",
			files: map[string]string{
				"chats_a.txt":  render(handwritten, renderOpts{comments: true}),
				"chats_b.txt":  render(second, renderOpts{bom: true, crlf: true, comments: true}),
				"notes.txt":    "not a chats file\n",
				"chats_c.txt~": "C greeting | ignored backup\n",
			},
			convs:  append(slices.Clone(handwritten), second...),
			nFiles: 2,
			seeds:  []uint64{1, 20260801, 42},
		},
		{
			name: "generated",
			files: map[string]string{
				"chats_a.txt":   render(handwritten, renderOpts{comments: true}),
				"chats_b.txt":   render(second, renderOpts{crlf: true}),
				"chats_gen.txt": render(gen, renderOpts{bom: true}),
			},
			convs:  slices.Concat(handwritten, second, gen),
			nFiles: 3,
			seeds:  []uint64{7, 20260801},
			full:   true,
		},
	}
	for _, tt := range tests {
		src := writeSrc(t, tt.files)
		for _, seed := range tt.seeds {
			t.Run(fmt.Sprintf("%s/seed=%d", tt.name, seed), func(t *testing.T) {
				out, summary := assemble(t, src, seed)
				ck := checkOutputs(t, out, tt.convs)
				if want := fmt.Sprintf("assemble: %d source files, %d conversations", tt.nFiles, len(tt.convs)); !strings.HasPrefix(summary, want) {
					t.Errorf("summary starts %q, want %q", firstLine(summary), want)
				}
				if tt.full {
					for _, name := range outNames {
						if ck.perFile[name] == 0 {
							t.Errorf("%s has no lines", name)
						}
					}
					if ck.labels[0] == 0 || ck.labels[1] == 0 {
						t.Errorf("customer texts hidden/shown labels %v, want both", ck.labels)
					}
				}
				if testing.Verbose() {
					t.Logf("lines per file %v, garbled %d, labels hidden/shown %v", ck.perFile, ck.garbled, ck.labels)
				}
			})
		}
	}
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

func readOuts(t *testing.T, out string) map[string][]byte {
	t.Helper()
	m := map[string][]byte{}
	for _, name := range outNames {
		data, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		m[name] = data
	}
	return m
}

func TestDeterminism(t *testing.T) {
	t.Parallel()
	src := writeSrc(t, map[string]string{
		"chats_a.txt":   render(handwritten, renderOpts{comments: true}),
		"chats_b.txt":   render(second, renderOpts{crlf: true}),
		"chats_gen.txt": render(generated(40), renderOpts{}),
	})
	tests := []struct {
		seed1, seed2 uint64
		same         bool
	}{
		{1, 1, true},
		{20260801, 20260801, true},
		{1, 2, false},
		{20260801, 20260802, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d_%d", tt.seed1, tt.seed2), func(t *testing.T) {
			out1, sum1 := assemble(t, src, tt.seed1)
			out2, sum2 := assemble(t, src, tt.seed2)
			f1, f2 := readOuts(t, out1), readOuts(t, out2)
			differ := []string{}
			for _, name := range outNames {
				if !bytes.Equal(f1[name], f2[name]) {
					differ = append(differ, name)
				}
			}
			if tt.same {
				if len(differ) > 0 {
					t.Errorf("same seed, different %v", differ)
				}
				if sum1 != sum2 {
					t.Errorf("same seed, different summaries:\n%s\n%s", sum1, sum2)
				}
			} else if len(differ) == 0 {
				t.Errorf("seeds %d and %d give identical exports", tt.seed1, tt.seed2)
			}
		})
	}
	t.Run("overwrite", func(t *testing.T) {
		// Re-running into a filled folder replaces the files and leaves no temporaries.
		out, _ := assemble(t, src, 3)
		want := readOuts(t, out)
		if err := run(src, out, goldPath(out), 4, io.Discard); err != nil {
			t.Fatal(err)
		}
		if err := run(src, out, goldPath(out), 3, io.Discard); err != nil {
			t.Fatal(err)
		}
		got := readOuts(t, out)
		for _, name := range outNames {
			if !bytes.Equal(got[name], want[name]) {
				t.Errorf("%s differs after re-running with the same seed", name)
			}
		}
		entries, _ := os.ReadDir(out)
		if len(entries) != len(outNames) {
			t.Errorf("out folder holds %d entries, want %d", len(entries), len(outNames))
		}
	})
}

// TestIntentList checks intentIDs against the table in INTENTS.md.
func TestIntentList(t *testing.T) {
	data, err := os.ReadFile("../../shop/src/INTENTS.md")
	if err != nil {
		t.Skip(err)
	}
	var ids []string
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Split(line, "|")
		if len(f) < 3 || !strings.HasPrefix(line, "| ") {
			continue
		}
		id := strings.TrimSpace(f[1])
		if id == "id" || strings.Trim(id, "-") == "" {
			continue
		}
		ids = append(ids, id)
	}
	if got := strings.Fields(intentIDs); !slices.Equal(got, ids) {
		t.Errorf("intentIDs = %q\nINTENTS.md has %q", got, ids)
	}
}

// TestCommittedExports checks that corpora/shop/chats is what the sources and
// the default seed give.
func TestCommittedExports(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("short")
	}
	src, chats := "../../shop/src", "../../shop/chats"
	if _, err := os.Stat(chats); err != nil {
		t.Skip(err)
	}
	out, _ := assemble(t, src, 20260801)
	got, want := readOuts(t, out), readOuts(t, chats)
	for _, name := range outNames {
		if !bytes.Equal(got[name], want[name]) {
			t.Errorf("corpora/shop/chats/%s is stale: run go run ./corpora/tools/assemble", name)
		}
	}
	gotGold, err := os.ReadFile(goldPath(out))
	if err != nil {
		t.Fatal(err)
	}
	if wantGold, err := os.ReadFile("../../shop/gold/labels.jsonl"); err != nil || !bytes.Equal(gotGold, wantGold) {
		t.Errorf("corpora/shop/gold/labels.jsonl is stale (%v): run go run ./corpora/tools/assemble", err)
	}
}
