package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/zhiyi-ai/zhiyi/internal/atomicfile"
)

// goldLabel is one line of the gold file: a customer text message's true intent, by message id.
type goldLabel struct {
	MsgID  string `json:"msgid"`
	Intent string `json:"intent"`
}

// writeGold writes the true intent of every customer text message that survived export (garbled
// lines are lost to every reader), in the order of the export files.
func writeGold(path string, names []string, outs map[string][]record) error {
	var buf bytes.Buffer
	for _, name := range names {
		for _, r := range outs[name] {
			if r.msg != nil && !r.garbled {
				buf.Write(encodeJSON(goldLabel{r.msgid, r.msg.intent}))
			}
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return atomicfile.WriteFile(path, buf.Bytes(), 0o644)
}

func summarize(w io.Writer, nFiles, nConvs int, perChannel [3]int, dups, emptied int, names []string, outs map[string][]record) {
	fmt.Fprintf(w, "assemble: %d source files, %d conversations (WeCom %d, 微信客服 %d, CRM %d)\n",
		nFiles, nConvs, perChannel[chWeCom], perChannel[chKf], perChannel[chCRM])
	fmt.Fprintf(w, "duplicate customer texts dropped: %d (conversations emptied: %d)\n", dups, emptied)

	fmt.Fprintf(w, "%-30s %7s %9s %8s %6s %6s %6s %6s %7s\n",
		"file", "lines", "cust.text", "labelled", "image", "voice", "recall", "event", "garbled")
	total, labelled, none := 0, 0, 0
	perIntent, perIntentLabelled := map[string]int{}, map[string]int{}
	lost := 0
	for _, name := range names {
		var n [5]int
		texts, lab, garbled := 0, 0, 0
		for _, r := range outs[name] {
			if r.garbled {
				garbled++
				if r.msg != nil {
					lost++
				}
				continue
			}
			if r.kind != kText {
				n[r.kind]++
			}
			if r.msg == nil {
				continue
			}
			texts++
			perIntent[r.msg.intent]++
			if r.msg.intent == "none" {
				none++
			}
			if r.msg.labelled {
				lab++
				perIntentLabelled[r.msg.intent]++
			}
		}
		total += texts
		labelled += lab
		fmt.Fprintf(w, "%-30s %7d %9d %8d %6d %6d %6d %6d %7d\n", name, len(outs[name]), texts, lab,
			n[kImage], n[kVoice], n[kRecall], n[kEvent], garbled)
	}
	fmt.Fprintf(w, "customer text messages: %d (%d more lost in garbled lines), labelled %.1f %%, out of scope %.1f %%\n",
		total, lost, pct(labelled, total), pct(none, total))
	fmt.Fprintln(w, "per intent (customer text messages / labelled):")
	for _, id := range strings.Fields(intentIDs) {
		fmt.Fprintf(w, "  %-22s %6d %6d\n", id, perIntent[id], perIntentLabelled[id])
	}
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}
