package alert

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/zhiyi-ai/zhiyi/internal/yamlnode"
	"github.com/zhiyi-ai/zhiyi/nlp"
)

// File is a parsed --alerts file:
//
//	group_wait: 200ms                # optional, Config.GroupWait
//	shop: 衣橱小铺（杭州店）           # optional, Config.Shop: the name alerts carry (zhiyi serve: kb.yaml's shop)
//	targets:                         # name → where alerts go
//	  ops-robot:
//	    type: wecom                    # wecom | webhook | email
//	    url: https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${WECOM_KEY}
//	  oncall:
//	    type: email
//	    smtp: smtp://alert:${SMTP_PASSWORD}@smtp.example.com:587
//	    from: zhiyi@example.com
//	    to: [ops@example.com, lead@example.com]
//	rules:                           # optional: without it, DefaultRules()
//	  - id: unrecognised
//	    name: 未识别消息过多
//	    measure: unrecognised          # see Measure
//	    window: 10m
//	    threshold: 20                  # a count; 50% or 0.5 for shares; 50ms for p99_latency
//	                                   # (or measure: unrecognised_share, threshold: 20%)
//	    cooldown: 30m                  # 0: none
//	    severity: warning              # info | warning | critical
//	    targets: [ops-robot]           # default: every target
//	  - id: comments
//	    measure: comment_keywords
//	    cooldown: 10m                  # the default: a group's next comments are grouped for 10m; 0: each fires
//	    keywords:
//	      - {category: staffing, label: 人手不足, words: [回复慢, 等太久, 没人理]}
//	      - {category: model, label: 模型需要改进, words: [听不懂, 答非所问, 机器人]}
//
// ${VAR} in url, smtp, from and to is replaced by the environment variable VAR, so that robot
// keys and passwords need not live in the file; an unset VAR is an error.
type File struct {
	Path      string
	Rules     []Rule // nil when the file has no rules section
	Targets   []Target
	GroupWait time.Duration
	Shop      string // the shop: line, "" when absent

	broken []string // targets the file defines that did not parse (reported already)
}

// LoadFile reads and checks an --alerts file. Every problem is reported, each with file:line,
// in one *ConfigError; the *File then holds what did parse (Flags.Config checks its rules'
// targets too), and is nil only when nothing could be read.
func LoadFile(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, err) // the caller names what it is (--alerts)
	}
	return ParseFile(path, data)
}

// ParseFile parses data as the --alerts file path.
func ParseFile(path string, data []byte) (*File, error) {
	if err := nlp.CheckUTF8Lines(path, data); err != nil {
		return nil, err
	}
	p := &fileParser{f: &File{Path: path}}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line, msg := yamlnode.SyntaxIn(data, err)
		p.ce.add(path, line, "%s", msg)
		return nil, &p.ce
	}
	if len(doc.Content) == 0 {
		p.ce.add(path, 0, "empty file")
		return nil, &p.ce
	}
	p.document(doc.Content[0])
	sort.SliceStable(p.ce.Problems, func(i, j int) bool { return p.ce.Problems[i].Line < p.ce.Problems[j].Line })
	if err := p.ce.err(); err != nil {
		return p.f, err // what did parse, so that Flags.Config checks its rules' targets too
	}
	return p.f, nil
}

type fileParser struct {
	f   *File
	ce  ConfigError
	at  int            // the line of the mapping being read: where a missing key is reported
	ids map[string]int // rule id → the line of the rule that took it
}

func (p *fileParser) bad(n *yaml.Node, format string, args ...any) {
	p.ce.add(p.f.Path, n.Line, format, args...)
}

// fields checks that n is a mapping with only the allowed keys, each once, and returns
// key → value node.
func (p *fileParser) fields(n *yaml.Node, what string, allowed ...string) map[string]*yaml.Node {
	if n.Kind != yaml.MappingNode {
		p.bad(n, "%s: want a mapping (key: value lines)", what)
		return nil
	}
	out := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case !contains(allowed, k.Value):
			p.bad(k, "%s: unknown key %q (want %s)", what, k.Value, strings.Join(allowed, ", "))
		case out[k.Value] != nil:
			p.bad(k, "%s: %s given twice", what, k.Value)
		default:
			out[k.Value] = v
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (p *fileParser) document(n *yaml.Node) {
	top := p.fields(n, "file", "group_wait", "shop", "targets", "rules")
	if v := top["shop"]; v != nil {
		if v.Kind != yaml.ScalarNode || strings.TrimSpace(v.Value) == "" {
			p.bad(v, "shop: want the shop's name, as its alerts should show it")
		} else {
			p.f.Shop = strings.TrimSpace(v.Value)
		}
	}
	if v := top["group_wait"]; v != nil {
		if d, ok := p.duration(v, "group_wait"); ok {
			p.f.GroupWait = d
			if d == 0 {
				p.f.GroupWait = -1 // written 0: no wait (a zero Config field means the default)
			}
		}
	}
	if v := top["targets"]; v != nil {
		p.targets(v)
	}
	if v := top["rules"]; v != nil {
		if v.Kind != yaml.SequenceNode {
			p.bad(v, "rules: want a list of rules (lines starting with -)")
		} else {
			p.f.Rules = []Rule{}
			for _, rn := range v.Content {
				p.rule(rn)
			}
			if len(p.f.Rules) == 0 && len(p.ce.Problems) == 0 {
				p.bad(v, "rules: empty; leave the section out to use the default rules")
			}
		}
	}
	// Rules naming a target the file does not define may name one given by a flag: Flags.Config
	// and New check them once every target is known.
}

func (p *fileParser) targets(n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		p.bad(n, "targets: want name: {type: …} entries")
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		before := len(p.ce.Problems)
		name := k.Value
		if !idPattern.MatchString(name) {
			p.bad(k, "target %q: want a name of 1–64 of a-z, 0-9, _ and -", name)
		}
		if seen[name] {
			p.bad(k, "target %s defined twice", name)
		}
		seen[name] = true
		what := "target " + name
		p.f.broken = append(p.f.broken, name) // until it has parsed, below
		fs := p.fields(v, what, "type", "url", "smtp", "from", "to")
		if fs == nil {
			continue
		}
		p.at = k.Line
		t := Target{Name: name, file: p.f.Path, line: k.Line}
		typ, ok := p.str(fs["type"], what+": type", true)
		if !ok {
			continue
		}
		t.Type = typ
		var keys []string
		switch typ {
		case TypeWeCom, TypeWebhook:
			keys = []string{"url"}
			t.URL, _ = p.envStr(fs["url"], what+": url", true)
		case TypeEmail:
			keys = []string{"smtp", "from", "to"}
			t.Email.SMTP, _ = p.envStr(fs["smtp"], what+": smtp", true)
			t.Email.From, _ = p.envStr(fs["from"], what+": from", true)
			p.at = k.Line
			t.Email.To = p.list(fs["to"], what+": to", true)
			for i, s := range t.Email.To {
				t.Email.To[i], _ = p.expand(fs["to"], what+": to", s)
			}
		default:
			p.bad(fs["type"], "%s: type %q: want wecom, webhook or email", what, typ)
			continue
		}
		for _, key := range []string{"url", "smtp", "from", "to"} {
			if fs[key] != nil && !contains(keys, key) {
				p.bad(fs[key], "%s: %s does not apply to type %s", what, key, typ)
			}
		}
		if len(p.ce.Problems) > before {
			continue
		}
		if _, err := t.notifier(nil, nil, nil); err != nil {
			line := k
			if u := fs["url"]; u != nil {
				line = u
			} else if u := fs["smtp"]; u != nil {
				line = u
			}
			p.bad(line, "%s: %v", what, err)
			continue
		}
		p.f.Targets = append(p.f.Targets, t)
		p.f.broken = p.f.broken[:len(p.f.broken)-1]
	}
}

var ruleKeys = []string{"id", "name", "measure", "window", "threshold", "min_count", "max_rating",
	"keywords", "omit_comment", "cooldown", "severity", "targets"}

func (p *fileParser) rule(n *yaml.Node) {
	fs := p.fields(n, fmt.Sprintf("rule at line %d", n.Line), ruleKeys...)
	if fs == nil {
		return
	}
	before := len(p.ce.Problems)
	p.at = n.Line
	r := Rule{file: p.f.Path, line: n.Line, lines: map[string]int{}}
	for k, v := range fs {
		r.lines[k] = v.Line
	}
	r.ID, _ = p.str(fs["id"], "rule: id", true)
	what := "rule " + shownID(r.ID)
	if r.ID == "" {
		what = fmt.Sprintf("rule at line %d", n.Line)
	} else if line, ok := p.ids[r.ID]; ok {
		p.bad(fs["id"], "%s: id already used at line %d", what, line)
	} else {
		if p.ids == nil {
			p.ids = map[string]int{}
		}
		p.ids[r.ID] = n.Line
	}
	r.Name, _ = p.str(fs["name"], what+": name", false)
	m, _ := p.str(fs["measure"], what+": measure", true)
	r.Measure = Measure(m)
	mi, known := measures[r.Measure]
	if fs["measure"] != nil && !known {
		p.bad(fs["measure"], "%s: measure %q: want one of %s", what, m, measureList())
	}
	// A written 0 would read as "not given" and become the default: refused, as min_count's.
	if v := fs["window"]; v != nil {
		var ok bool
		if r.Window, ok = p.duration(v, what+": window"); ok && r.Window == 0 {
			p.bad(v, "%s: window 0: want a length such as 10m", what)
		}
	}
	if v := fs["threshold"]; v != nil && known {
		if r.Threshold = p.threshold(v, what, mi.threshold); r.Threshold == 0 {
			p.bad(v, "%s: threshold 0 would fire on anything: want more than 0", what)
		}
	}
	if v := fs["min_count"]; v != nil {
		r.MinCount = int64(p.integer(v, what+": min_count"))
		if r.MinCount == 0 {
			// 0 would read as "not given" and become the default: say so rather than surprise
			p.bad(v, "%s: min_count 0: want 1 or more (a share or a percentile needs messages)", what)
		}
	}
	if v := fs["max_rating"]; v != nil {
		if r.MaxRating = p.integer(v, what+": max_rating"); r.MaxRating == 0 {
			p.bad(v, "%s: max_rating 0: ratings are 1 to 5", what)
		}
	}
	if v := fs["cooldown"]; v != nil {
		if d, ok := p.duration(v, what+": cooldown"); ok {
			r.Cooldown = d
			if d == 0 {
				r.Cooldown = -1 // written 0: no cooldown
			}
		}
	}
	if v := fs["severity"]; v != nil {
		s, _ := p.str(v, what+": severity", false)
		r.Severity = Severity(s)
	}
	if v := fs["targets"]; v != nil {
		r.Targets = p.list(v, what+": targets", true)
	}
	if v := fs["keywords"]; v != nil {
		r.Keywords = p.keywords(v, what)
	}
	if v := fs["omit_comment"]; v != nil {
		switch v.Value {
		case "true":
			r.OmitComment = true
		case "false":
		default:
			p.bad(v, "%s: omit_comment %q: want true or false", what, v.Value)
		}
	}
	if !known || r.ID == "" {
		return // already reported; the checks below would only repeat it
	}
	r = r.withDefaults()
	reported := map[int]bool{} // a line already reported is not reported again (a bad threshold)
	for _, pr := range p.ce.Problems[before:] {
		reported[pr.Line] = true
	}
	for _, fp := range r.problems() {
		if line := r.lineOf(fp.field); !reported[line] {
			p.ce.add(p.f.Path, line, "%s: %s", what, fp.msg)
		}
	}
	p.f.Rules = append(p.f.Rules, r)
}

func (p *fileParser) keywords(n *yaml.Node, what string) []KeywordGroup {
	if n.Kind != yaml.SequenceNode {
		p.bad(n, "%s: keywords: want a list of {category, label, words}", what)
		return nil
	}
	groups := []KeywordGroup{}
	for _, gn := range n.Content {
		fs := p.fields(gn, what+": keywords", "category", "label", "words")
		if fs == nil {
			continue
		}
		p.at = gn.Line
		var g KeywordGroup
		g.Category, _ = p.str(fs["category"], what+": keywords: category", true)
		g.Label, _ = p.str(fs["label"], what+": keywords: label", false)
		g.Words = p.list(fs["words"], what+": keywords: words", true)
		if g.Label == "" {
			g.Label = g.Category
		}
		groups = append(groups, g)
	}
	return groups
}

// str reads a scalar string; a missing required one is reported at the line of the mapping
// being read (p.at).
func (p *fileParser) str(n *yaml.Node, what string, required bool) (string, bool) {
	if n == nil {
		if required {
			p.ce.add(p.f.Path, p.at, "%s missing", what)
		}
		return "", false
	}
	if n.Kind != yaml.ScalarNode {
		p.bad(n, "%s: want a single value", what)
		return "", false
	}
	if required && strings.TrimSpace(n.Value) == "" {
		p.bad(n, "%s: empty", what)
		return "", false
	}
	return n.Value, true
}

func (p *fileParser) envStr(n *yaml.Node, what string, required bool) (string, bool) {
	s, ok := p.str(n, what, required)
	if !ok {
		return s, false
	}
	return p.expand(n, what, s)
}

// expand replaces ${VAR} and $VAR by the environment, and $$ by $; an unset variable is a
// problem.
func (p *fileParser) expand(n *yaml.Node, what, s string) (string, bool) {
	ok := true
	out := os.Expand(s, func(name string) string {
		if name == "$" {
			return "$" // $$: a literal dollar (a password's)
		}
		v, set := os.LookupEnv(name)
		if !set {
			p.bad(n, "%s: environment variable %s is not set", what, name)
			ok = false
		}
		return v
	})
	return out, ok
}

// list reads a list of strings: [a, b], one "- a" per line, or one scalar separated by commas —
// ASCII or Chinese (，、；), as a Chinese keyboard types them: read as one word, 回复慢，等太久
// matched no comment.
func (p *fileParser) list(n *yaml.Node, what string, required bool) []string {
	if n == nil {
		if required {
			p.ce.add(p.f.Path, p.at, "%s missing", what)
		}
		return nil
	}
	var out []string
	switch n.Kind {
	case yaml.ScalarNode:
		for _, s := range strings.FieldsFunc(n.Value, isListSeparator) {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode || strings.TrimSpace(c.Value) == "" {
				p.bad(c, "%s: want plain words", what)
				continue
			}
			out = append(out, strings.TrimSpace(c.Value))
		}
	default:
		p.bad(n, "%s: want a list", what)
	}
	if required && len(out) == 0 {
		p.bad(n, "%s: empty", what)
	}
	return out
}

func (p *fileParser) duration(n *yaml.Node, what string) (time.Duration, bool) {
	s, ok := p.str(n, what, true)
	if !ok {
		return 0, false
	}
	if s == "0" {
		return 0, true
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		p.bad(n, "%s: %q: want a duration such as 30s, 10m or 1h", what, s)
		return 0, false
	}
	return d, true
}

func (p *fileParser) integer(n *yaml.Node, what string) int {
	s, ok := p.str(n, what, true)
	if !ok {
		return 0
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		p.bad(n, "%s: %q: want a whole number", what, s)
	}
	return v
}

// threshold reads a rule's threshold in its measure's unit: a count, a share (50% or 0.5) or a
// duration (50ms, stored in seconds).
func (p *fileParser) threshold(n *yaml.Node, what string, kind thresholdKind) float64 {
	s, ok := p.str(n, what+": threshold", true)
	if !ok {
		return 0
	}
	switch kind {
	case thShare:
		if pct, isPct := strings.CutSuffix(s, "%"); isPct {
			v, err := strconv.ParseFloat(strings.TrimSpace(pct), 64)
			if err == nil {
				return v / 100
			}
		} else if v, err := strconv.ParseFloat(s, 64); err == nil {
			return v
		}
		p.bad(n, "%s: threshold %q: want a share such as 50%% or 0.5", what, s)
	case thDuration:
		d, err := time.ParseDuration(s)
		if err == nil {
			return d.Seconds()
		}
		p.bad(n, "%s: threshold %q: want a duration such as 50ms", what, s)
	default:
		v, err := strconv.ParseFloat(s, 64)
		if err == nil {
			return v
		}
		p.bad(n, "%s: threshold %q: want a number", what, s)
	}
	return -1 // reported; -1 keeps withDefaults from putting the default in its place
}

// isListSeparator reports whether r separates the items of a list written as one scalar.
func isListSeparator(r rune) bool {
	switch r {
	case ',', '，', '、', ';', '；':
		return true
	}
	return false
}
