package promtext

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Family is one metric family of an exposition.
type Family struct {
	Name   string
	Type   string // counter, gauge, histogram, summary; "" when no # TYPE line named it
	Series int    // sample lines (a histogram's _bucket, _sum and _count lines included)
}

// Parse reads an exposition and returns its families in the order they appear. A family whose
// lines are split by another's, or given two # TYPE lines, is an error (the text format wants
// them together, and Prometheus rejects the scrape).
func Parse(r io.Reader) ([]Family, error) {
	var out []Family
	index := map[string]int{}
	types := map[string]string{}
	last := ""
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if f, ok := strings.CutPrefix(line, "# TYPE "); ok {
			name, typ, _ := strings.Cut(f, " ")
			if types[name] != "" {
				return nil, fmt.Errorf("%s: two # TYPE lines", name)
			}
			types[name] = typ
			continue
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name := familyOf(line, types)
		i, seen := index[name]
		switch {
		case seen && name != last:
			return nil, fmt.Errorf("%s: its lines are split by another family's", name)
		case !seen:
			index[name] = len(out)
			out = append(out, Family{Name: name})
			i = len(out) - 1
		}
		out[i].Type = types[name]
		out[i].Series++
		last = name
	}
	return out, sc.Err()
}

// familyOf returns the family of a sample line: its metric name without labels, and without a
// histogram's or summary's _bucket, _sum or _count.
func familyOf(line string, types map[string]string) string {
	name := line
	if i := strings.IndexAny(name, "{ "); i >= 0 {
		name = name[:i]
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok {
			if t := types[base]; t == "histogram" || t == "summary" {
				return base
			}
		}
	}
	return name
}

// Check returns what in fams breaks the naming conventions, for the families whose names start
// with prefix: no # TYPE line, a counter without _total, anything else with it.
func Check(fams []Family, prefix string) []string {
	var out []string
	for _, f := range fams {
		if !strings.HasPrefix(f.Name, prefix) {
			continue
		}
		switch {
		case f.Type == "":
			out = append(out, f.Name+": no # TYPE line")
		case f.Type == "counter" && !strings.HasSuffix(f.Name, "_total"):
			out = append(out, f.Name+": a counter whose name does not end in _total")
		case f.Type != "counter" && strings.HasSuffix(f.Name, "_total"):
			out = append(out, f.Name+": a "+f.Type+" named like a counter (_total)")
		}
	}
	return out
}

// DocNames returns the metric names a document mentions with prefix, in order, once each:
// tokens such as zhiyi_store_up; one written with a trailing * (zhiyi_alert_*) stands for every
// name it begins and is returned with the *.
func DocNames(doc, prefix string) []string {
	var out []string
	seen := map[string]bool{}
	for i := 0; ; {
		j := strings.Index(doc[i:], prefix)
		if j < 0 {
			return out
		}
		start := i + j
		end := start + len(prefix)
		for end < len(doc) && (doc[end] == '_' || doc[end] >= 'a' && doc[end] <= 'z' || doc[end] >= '0' && doc[end] <= '9') {
			end++
		}
		name := doc[start:end]
		if end < len(doc) && doc[end] == '*' {
			name += "*"
		}
		// a word that merely contains the prefix (not_zhiyi_x) is no metric name
		if before := start - 1; (before < 0 || !isNameByte(doc[before])) && len(name) > len(prefix) && !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
		i = end
	}
}

func isNameByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// Diff compares the families of a scrape that start with prefix with the names a document gives
// (DocNames): undocumented are the families no name or name* covers; unseen are the names, and
// the name*s matching nothing, that the scrape lacks — a metric gone, misspelt, or one that only
// some configurations export (--learn, --adapt-mix, Redis or not).
func Diff(fams []Family, doc []string, prefix string) (undocumented, unseen []string) {
	scraped := map[string]bool{}
	for _, f := range fams {
		if strings.HasPrefix(f.Name, prefix) {
			scraped[f.Name] = true
		}
	}
	types := map[string]string{}
	for _, f := range fams {
		types[f.Name] = f.Type
	}
	// a histogram's _bucket, _sum or _count (a query in the docs) is its family's
	covered := func(name string) bool {
		for _, d := range doc {
			if p, ok := strings.CutSuffix(d, "*"); ok && strings.HasPrefix(name, p) || familyOf(d, types) == name {
				return true
			}
		}
		return false
	}
	for _, f := range fams {
		if scraped[f.Name] && !covered(f.Name) {
			undocumented = append(undocumented, f.Name)
		}
	}
	for _, d := range doc {
		p, wild := strings.CutSuffix(d, "*")
		found := scraped[familyOf(d, types)]
		for name := range scraped {
			found = found || wild && strings.HasPrefix(name, p)
		}
		if !found {
			unseen = append(unseen, d)
		}
	}
	return undocumented, unseen
}
