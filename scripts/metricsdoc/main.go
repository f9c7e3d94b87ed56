package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/promtext"
)

const prefix = "zhiyi_"

func main() {
	src := flag.String("metrics", "http://localhost:8080/metrics", "the scrape: a URL, a file, or - for stdin")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: metricsdoc [-metrics URL|FILE|-] DOC.md…  (default doc: docs/operations.md)")
		flag.PrintDefaults()
	}
	flag.Parse()
	docs := flag.Args()
	if len(docs) == 0 {
		docs = []string{"docs/operations.md"}
	}
	ok, err := run(os.Stdout, *src, docs)
	if err != nil {
		fmt.Fprintln(os.Stderr, "metricsdoc:", err)
		os.Exit(2)
	}
	if !ok {
		os.Exit(1)
	}
}

// run writes the comparison of the scrape src with docs to w; ok is false when a family is
// undocumented or breaks a convention.
func run(w io.Writer, src string, docs []string) (ok bool, err error) {
	body, err := read(src)
	if err != nil {
		return false, err
	}
	fams, err := promtext.Parse(bytes.NewReader(body))
	if err != nil {
		return false, fmt.Errorf("%s: %w", src, err)
	}
	var names []string
	for _, d := range docs {
		b, err := os.ReadFile(d)
		if err != nil {
			return false, err
		}
		for _, n := range promtext.DocNames(string(b), prefix) {
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	undocumented, unseen := promtext.Diff(fams, names, prefix)
	problems := promtext.Check(fams, prefix)
	n := 0
	for _, f := range fams {
		if strings.HasPrefix(f.Name, prefix) {
			n++
		}
	}
	fmt.Fprintf(w, "%d %s* families scraped from %s; %d names in %s\n", n, prefix, src, len(names), strings.Join(docs, ", "))
	list := func(title string, items []string) {
		if len(items) == 0 {
			return
		}
		fmt.Fprintf(w, "%s (%d):\n", title, len(items))
		for _, it := range items {
			fmt.Fprintf(w, "  %s\n", it)
		}
	}
	list("undocumented", undocumented)
	list("documented, not in this scrape", unseen)
	list("conventions", problems)
	return len(undocumented) == 0 && len(problems) == 0, nil
}

// read returns the scrape: fetched when src is a URL, stdin for -, else the file.
func read(src string) ([]byte, error) {
	switch {
	case src == "-":
		return io.ReadAll(os.Stdin)
	case strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://"):
		c := http.Client{Timeout: 10 * time.Second}
		resp, err := c.Get(src)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("GET %s: %s", src, resp.Status)
		}
		return io.ReadAll(resp.Body)
	}
	return os.ReadFile(src)
}
