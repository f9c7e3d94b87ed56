package experiment

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"reflect"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/zhiyi-ai/zhiyi/internal/yamlnode"
	"github.com/zhiyi-ai/zhiyi/nlp"
)

// Defaults of the experiments file's gray settings.
const (
	// DefaultGrayMargin is how much lower, in rating points on the 1–5 scale, a gray answer's
	// mean rating may be than the control's and still count as not worse: its 95 % lower bound
	// of the difference must not be below −DefaultGrayMargin.
	DefaultGrayMargin = 0.3
	// DefaultGrayMinRated is how many ratings the gray answer and the control each need before
	// the gray answer is judged.
	DefaultGrayMinRated = 30
)

// Overrides are the operator's changes to the experiments without a retrain: the
// experiments file (experiments.yaml). Parse one with ParseOverrides or LoadOverrides; it is
// immutable afterwards. A nil *Overrides changes nothing.
//
//	version: 1                     # required
//	exclude_senders:               # always get the control and never count: the boss, test accounts
//	  - wmBossAccount0001
//	stop: [hurry_shipment.b]       # answers no longer served; their share goes to the others
//	release: [track_parcel.b]      # gray answers released now, whatever their ratings
//	weights:                       # per experiment (intent id): every answer's share
//	  size_advice: {size_advice.a: 80, size_advice.b: 20}
//	gray_margin: 0.3               # rating points a gray answer may be below the control
//	gray_min_rated: 30             # ratings each side needs before a gray answer is judged
type Overrides struct {
	ExcludeSenders []string
	Stop           []string
	Release        []string
	// Weights replace the knowledge base's weights of an experiment: experiment id → answer id
	// → weight (every answer of the experiment named; 0 = not served, written 0: a blank or ~
	// is refused, not read as 0).
	Weights      map[string]map[string]float64
	GrayMargin   float64 // DefaultGrayMargin when the file does not say
	GrayMinRated int     // DefaultGrayMinRated when the file does not say

	name  string
	lines map[string]int // where each stop, release and weights entry is, for New's errors
}

type overridesDoc struct {
	Version        int                           `yaml:"version"`
	ExcludeSenders yamlnode.Strings              `yaml:"exclude_senders"`
	Stop           yamlnode.Strings              `yaml:"stop"`
	Release        yamlnode.Strings              `yaml:"release"`
	Weights        map[string]map[string]float64 `yaml:"weights"`
	GrayMargin     *float64                      `yaml:"gray_margin"`
	GrayMinRated   *int                          `yaml:"gray_min_rated"`
}

// overridesFields are the experiments file's top-level fields: overridesDoc's yaml names.
var overridesFields = func() []string {
	t := reflect.TypeFor[overridesDoc]()
	out := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		out = append(out, name)
	}
	return out
}()

// LoadOverrides reads and validates the experiments file at path. A missing file is an error
// that wraps fs.ErrNotExist (a caller that treats it as "no overrides" checks for it).
func LoadOverrides(path string) (*Overrides, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("experiment: cannot read %s: %w", path, err)
	}
	return ParseOverrides(data, path)
}

// ParseOverrides validates an experiments file. name (usually its path) prefixes the errors,
// name:line: problem, all of them (errors.Join): unknown fields, wrong types, a version other
// than 1, empty or repeated senders and answer ids, weights that are negative, not numbers,
// blank or ~ (yaml.v3 would read them as 0, the answer silently not served) or all 0, a
// gray_margin below 0 or from 4 (every gray answer released), a gray_min_rated below 2 (or not
// a whole number); a second YAML document is refused alone. Whether the ids exist in the knowledge base is checked when a
// Set is built (New).
func ParseOverrides(data []byte, name string) (*Overrides, error) {
	if err := nlp.CheckUTF8Lines(name, data); err != nil {
		return nil, err
	}
	// The node tree first: its aliases are counted before decoding expands them.
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlnode.Error(name, data, err)
	}
	if err := yamlnode.CheckAliases(name, &root); err != nil {
		return nil, err
	}
	var doc overridesDoc
	// Unknown fields and wrong types are reported with the other problems (below), not one
	// stage before them: yaml.v3 decodes the rest of the file past a wrong type, so the rest is
	// checked too.
	var typeErrs []string
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		var te *yaml.TypeError
		switch {
		case errors.Is(err, io.EOF):
			return nil, fmt.Errorf("%s:1: empty experiments file (want at least version: 1)", name)
		case errors.As(err, &te):
			typeErrs = te.Errors
		default:
			return nil, yamlnode.Error(name, data, err)
		}
	}
	if err := yamlnode.OneDocument(dec, name, "an experiments file"); err != nil {
		return nil, err
	}
	top := yamlnode.Top(&root)
	o := &Overrides{ExcludeSenders: doc.ExcludeSenders, Stop: doc.Stop, Release: doc.Release, Weights: doc.Weights,
		GrayMargin: DefaultGrayMargin, GrayMinRated: DefaultGrayMinRated, name: name, lines: map[string]int{}}
	probs := &problems{name: name}
	fail := probs.add
	typed := map[int]bool{} // lines with a wrong type: what failed there is not checked again
	for _, msg := range typeErrs {
		line, rest := yamlnode.SplitLine(msg)
		typed[line] = true
		fail(line, "%s", yamlnode.Readable(rest))
	}
	if top != nil && top.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(top.Content); i += 2 {
			if k := top.Content[i]; !slices.Contains(overridesFields, k.Value) {
				fail(k.Line, "unknown field %s (known: %s)", k.Value, strings.Join(overridesFields, ", "))
			}
		}
	}
	if vl := yamlnode.Line(yamlnode.Value(top, "version"), top); doc.Version != 1 && !typed[vl] {
		fail(vl, "version %d: want version: 1", doc.Version)
	}
	ids := func(key string, list []string, what string) {
		n := yamlnode.Value(top, key)
		seen := map[string]int{}
		for i, id := range list {
			line := yamlnode.Line(yamlnode.Item(n, i), n)
			switch {
			case strings.TrimSpace(id) == "":
				fail(line, "%s #%d: empty %s", key, i+1, what)
			case id != strings.TrimSpace(id):
				fail(line, "%s: %q has spaces at its ends", key, id)
			case seen[id] > 0:
				fail(line, "%s: %q listed twice (first at line %d)", key, id, seen[id])
			default:
				seen[id] = line
				o.lines[key+"\x00"+id] = line
			}
		}
	}
	ids("exclude_senders", doc.ExcludeSenders, "sender id")
	ids("stop", doc.Stop, "answer id")
	ids("release", doc.Release, "answer id")
	wn := yamlnode.Value(top, "weights")
	for exp, ws := range doc.Weights {
		en := yamlnode.Value(wn, exp)
		line := yamlnode.Line(yamlnode.Key(wn, exp), wn)
		o.lines["weights\x00"+exp] = line
		if len(ws) == 0 {
			fail(line, "weights: experiment %q: no answers", exp)
			continue
		}
		served, null := 0, false
		for id, w := range ws {
			vn := yamlnode.Value(en, id)
			al := yamlnode.Line(vn, en)
			o.lines["weights\x00"+exp+"\x00"+id] = al
			switch {
			case isNull(vn):
				// yaml.v3 reads a null value (~, or nothing after the colon) into a float64
				// as 0: an answer left blank would silently not be served.
				null = true
				fail(al, "weights: experiment %q: answer %q: no weight: a weight is a number (0 is written 0)", exp, id)
			case math.IsNaN(w) || math.IsInf(w, 0) || w < 0:
				fail(al, "weights: experiment %q: answer %q: weight %v: want a number ≥ 0 (0: not served)", exp, id, w)
			case w > 0:
				served++
			}
		}
		// (A weight that is not a number was left out of ws and reported, a null one reported;
		// the rest may be 0.)
		if served == 0 && !null && (en == nil || len(en.Content)/2 == len(ws)) {
			fail(line, "weights: experiment %q: every weight is 0: at least one answer must be served", exp)
		}
	}
	if doc.GrayMargin != nil {
		if m := *doc.GrayMargin; math.IsNaN(m) || math.IsInf(m, 0) || m < 0 {
			fail(yamlnode.Line(yamlnode.Value(top, "gray_margin"), top), "gray_margin %v: want rating points ≥ 0", m)
		} else if m >= 4 {
			// ratings run 1–5: no difference of means is below −4, so every gray answer would be
			// released however it is rated
			fail(yamlnode.Line(yamlnode.Value(top, "gray_margin"), top), "gray_margin %v: want rating points under 4 (ratings run 1–5: a margin of 4 releases a gray answer however it is rated)", m)
		} else {
			o.GrayMargin = m
		}
	}
	if doc.GrayMinRated != nil {
		mn := yamlnode.Value(top, "gray_min_rated")
		if m := *doc.GrayMinRated; yamlnode.Fractional(mn) {
			// yaml.v3 truncates a fraction into an int: 30.5 would be 30, 1.5 refused as "1"
			fail(mn.Line, "gray_min_rated %s: want a whole number", mn.Value)
		} else if m < 2 {
			fail(yamlnode.Line(mn, top), "gray_min_rated %d: want at least 2 (a variance needs two ratings)", m)
		} else {
			o.GrayMinRated = m
		}
	}
	if err := probs.err(); err != nil {
		return nil, err
	}
	return o, nil
}

// problems collects a file's problems; err reports them in line order, each as name:line: …
type problems struct {
	name string
	list []problem
}

type problem struct {
	line int
	msg  string
}

func (p *problems) add(line int, format string, args ...any) {
	p.list = append(p.list, problem{line, fmt.Sprintf(format, args...)})
}

func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	slices.SortStableFunc(p.list, func(a, b problem) int { return cmp.Compare(a.line, b.line) })
	errs := make([]error, len(p.list))
	for i, q := range p.list {
		errs[i] = fmt.Errorf("%s:%d: %s", p.name, q.line, q.msg)
	}
	return errors.Join(errs...)
}

// line returns where key (e.g. "stop\x00id") is in the file, or 0.
func (o *Overrides) line(key string) int { return o.lines[key] }

// Name is the file the overrides were read from (for messages).
func (o *Overrides) Name() string { return o.name }

// isNull reports whether n is a null scalar (~, null, or no value at all), following an alias.
func isNull(n *yaml.Node) bool {
	if n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n != nil && n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}
