package main

import (
	"bufio"
	"cmp"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"

	"github.com/zhiyi-ai/zhiyi/train"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "labelsim:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("want a command: measure, fill or random")
	}
	fs := flag.NewFlagSet("labelsim "+args[0], flag.ContinueOnError)
	sheetPath := fs.String("sheet", "", "cluster sheet (zhiyi cluster --out)")
	goldPath := fs.String("gold", "", "gold labels: {\"msgid\",\"intent\"} JSON lines")
	n := fs.Int("n", 60, "decisions: the largest clusters considered, or messages labelled")
	minShare := fs.Float64("min-share", 0.6, "fill a cluster only when its majority gold intent holds this share")
	seed := fs.Uint64("seed", 1, "random seed (random)")
	out := fs.String("out", "", "labels file to write")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	sheet, err := readSheet(*sheetPath)
	if err != nil {
		return err
	}
	gold, err := readGold(*goldPath)
	if err != nil {
		return err
	}
	switch args[0] {
	case "measure":
		m := measure(sheet, gold)
		_, err := fmt.Fprintf(stdout, "clusters %d  messages %d  coverage %.3f  purity %.3f\n", m.clusters, m.messages, m.coverage, m.purity)
		return err
	case "fill":
		filled, labelled := fill(sheet, gold, *n, *minShare)
		fmt.Fprintf(os.Stderr, "%d of the %d largest clusters filled: %d messages labelled\n", filled, min(*n, len(sheet)), labelled)
		return writeLines(*out, sheet)
	case "random":
		return writeLines(*out, random(sheet, gold, *n, *seed))
	}
	return fmt.Errorf("unknown command %q", args[0])
}

type metrics struct {
	clusters, messages int
	coverage, purity   float64
}

// measure: coverage is the share of messages in clusters of three or more; purity the share of
// those messages whose gold intent is their cluster's majority.
func measure(sheet []train.SheetLine, gold map[string]string) metrics {
	m := metrics{clusters: len(sheet)}
	inThree, majority := 0, 0
	for _, l := range sheet {
		m.messages += l.Size
		if l.Size < 3 {
			continue
		}
		inThree += l.Size
		_, c := majorityOf(l, gold)
		majority += c
	}
	if m.messages > 0 {
		m.coverage = float64(inThree) / float64(m.messages)
	}
	if inThree > 0 {
		m.purity = float64(majority) / float64(inThree)
	}
	return m
}

func majorityOf(l train.SheetLine, gold map[string]string) (string, int) {
	count := map[string]int{}
	for _, id := range l.Members {
		count[gold[id]]++
	}
	best := ""
	for it, c := range count {
		if c > count[best] || c == count[best] && it < best {
			best = it
		}
	}
	return best, count[best]
}

// fill decides the n largest clusters (the sheet is largest first) and returns how many it
// filled and how many messages they hold.
func fill(sheet []train.SheetLine, gold map[string]string, n int, minShare float64) (filled, labelled int) {
	for i := range sheet[:min(n, len(sheet))] {
		l := &sheet[i]
		it, c := majorityOf(*l, gold)
		if it != "" && float64(c) >= minShare*float64(len(l.Members)) {
			l.Intent = it
			filled++
			labelled += len(l.Members)
		}
	}
	return filled, labelled
}

type msgLabel struct {
	MsgID  string `json:"msgid"`
	Intent string `json:"intent"`
}

// random labels n members of the sheet chosen at random.
func random(sheet []train.SheetLine, gold map[string]string, n int, seed uint64) []msgLabel {
	var ids []string
	for _, l := range sheet {
		ids = append(ids, l.Members...)
	}
	slices.Sort(ids)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	var out []msgLabel
	for _, id := range ids[:min(n, len(ids))] {
		out = append(out, msgLabel{id, gold[id]})
	}
	slices.SortFunc(out, func(a, b msgLabel) int { return cmp.Compare(a.MsgID, b.MsgID) })
	return out
}

func readSheet(path string) ([]train.SheetLine, error) {
	var out []train.SheetLine
	err := eachLine(path, func(line []byte) error {
		var l train.SheetLine
		if err := json.Unmarshal(line, &l); err != nil {
			return err
		}
		out = append(out, l)
		return nil
	})
	return out, err
}

func readGold(path string) (map[string]string, error) {
	out := map[string]string{}
	err := eachLine(path, func(line []byte) error {
		var l msgLabel
		if err := json.Unmarshal(line, &l); err != nil {
			return err
		}
		out[l.MsgID] = l.Intent
		return nil
	})
	return out, err
}

func eachLine(path string, fn func([]byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for n := 1; sc.Scan(); n++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		if err := fn(sc.Bytes()); err != nil {
			return fmt.Errorf("%s:%d: %w", path, n, err)
		}
	}
	return sc.Err()
}

func writeLines[T any](path string, lines []T) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, l := range lines {
		if err := enc.Encode(l); err != nil {
			f.Close()
			return err
		}
	}
	return errors.Join(w.Flush(), f.Close())
}
