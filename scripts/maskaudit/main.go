package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/zhiyi-ai/zhiyi/nlp"
)

func main() {
	shop := flag.String("shop", "corpora/shop", "the sample shop's directory")
	probe := flag.Bool("probe", false, "write the shop's words where a name or address may stand, instead of reading its messages")
	flag.Parse()
	if err := run(*shop, *probe, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "maskaudit:", err)
		os.Exit(1)
	}
}

// message is one text to mask and where it came from (file:line, or the probe's template).
type message struct{ source, text string }

// listed are the kinds listed: the ones a rule, not a format, recognises.
var listed = []nlp.MaskKind{nlp.MaskName, nlp.MaskAddress}

func run(shop string, probe bool, out io.Writer) error {
	msgs, err := messages(shop)
	if err != nil {
		return err
	}
	if probe {
		if msgs, err = probes(shop, msgs); err != nil {
			return err
		}
	}
	counts := make([]int, len(listed))
	for _, m := range msgs {
		masked, set := nlp.Mask(nlp.Fold(nlp.Normalize(m.text)))
		for i, kind := range listed {
			if set.Has(kind) {
				counts[i] += strings.Count(masked, kind.Placeholder())
				fmt.Fprintf(out, "%s\t%s\t%s\t%s\n", kind, m.source, m.text, masked)
			}
		}
	}
	for i, kind := range listed {
		fmt.Fprintf(out, "# %s: %d masks in %d texts\n", kind, counts[i], len(msgs))
	}
	return nil
}

// messages reads the customer lines of src/*.txt and the texts of holdout/*.jsonl.
func messages(shop string) ([]message, error) {
	src, _ := filepath.Glob(filepath.Join(shop, "src", "*.txt"))
	holdout, _ := filepath.Glob(filepath.Join(shop, "holdout", "*.jsonl"))
	if len(src) == 0 || len(holdout) == 0 {
		return nil, fmt.Errorf("cannot find src/*.txt and holdout/*.jsonl under %s", shop)
	}
	var out []message
	for _, path := range append(src, holdout...) {
		err := eachLine(path, func(n int, line string) error {
			source := fmt.Sprintf("%s:%d", filepath.Base(path), n)
			if strings.HasSuffix(path, ".jsonl") {
				var r struct{ Text string }
				if err := json.Unmarshal([]byte(line), &r); err != nil {
					return fmt.Errorf("cannot read %s: %w", source, err)
				}
				out = append(out, message{source, r.Text})
			} else if rest, ok := strings.CutPrefix(line, "C "); ok {
				if _, text, ok := strings.Cut(rest, " | "); ok {
					out = append(out, message{source, text})
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

var (
	hanRun     = regexp.MustCompile(`\p{Han}+`)
	latinWord  = regexp.MustCompile(`[A-Za-z]{2,20}`)
	placeMarks = []string{"路", "街", "大道", "广场", "花园", "小区", "大厦", "村", "苑"}
)

// probes returns the shop's words in the places the masker looks for names and addresses.
func probes(shop string, msgs []message) ([]message, error) {
	words := map[string]bool{}
	add := func(s string) {
		for _, w := range hanRun.FindAllString(s, -1) {
			if n := len([]rune(w)); n >= 2 && n <= 4 {
				words[w] = true
			}
		}
		for _, w := range latinWord.FindAllString(s, -1) {
			words[strings.ToLower(w)] = true
		}
	}
	dicts, _ := filepath.Glob(filepath.Join(shop, "dict", "*.txt"))
	for _, path := range append(dicts, filepath.Join(shop, "kb.yaml")) {
		err := eachLine(path, func(_ int, line string) error {
			// comments, section headers and YAML keys are no words of the shop's customers
			if !strings.HasPrefix(line, "#") && hanRun.MatchString(line) {
				if strings.HasSuffix(path, "userdict.txt") {
					line, _, _ = strings.Cut(line, " ") // the word, not its part of speech
				}
				add(line)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	for _, m := range msgs {
		add(m.text)
	}
	sorted := make([]string, 0, len(words))
	for w := range words {
		sorted = append(sorted, w)
	}
	slices.Sort(sorted)
	var out []message
	for _, w := range sorted {
		if latinWord.MatchString(w) {
			out = append(out, message{"after a cue", "姓名 " + w})
			continue
		}
		out = append(out, message{"beside a phone", w + " 13812345678"})
		for _, m := range placeMarks {
			if strings.HasSuffix(w, m) {
				out = append(out, message{"before a number", w + "2号线"})
				break
			}
		}
	}
	return out, nil
}

func eachLine(path string, fn func(n int, line string) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		if err := fn(n, sc.Text()); err != nil {
			return err
		}
	}
	return sc.Err()
}
