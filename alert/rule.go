package alert

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/zhiyi-ai/zhiyi/nlp"
)

// Measure names what a rule watches.
type Measure string

const (
	// MeasureUnrecognised counts messages not understood (Event.Unrecognised) in the window.
	MeasureUnrecognised Measure = "unrecognised"
	// MeasureUnrecognisedShare is the share of messages not understood, over at least MinCount
	// messages in the window: the unrecognised rule for traffic that varies (a count of 20 is
	// half of a small shop's ten minutes and 2 % of a busy one's). Not among DefaultRules; its
	// default threshold, 20 %, is a placeholder: set it above the share a normal day shows.
	MeasureUnrecognisedShare Measure = "unrecognised_share"
	// MeasureHandoffShare is the share of messages routed to a human, over at least MinCount
	// messages in the window. Shares (this, unrecognised_share) fire when the share's Wilson
	// lower bound reaches the threshold, not the share itself; error_rate on the share as it
	// stands: see shareMeasure.
	MeasureHandoffShare Measure = "handoff_share"
	// MeasureBadRatings counts ratings of MaxRating (default 2) or less in the window.
	MeasureBadRatings Measure = "bad_ratings"
	// MeasureCommentKeywords fires at once for a rating comment that contains a word of one of
	// its keyword groups, naming the group's category; within the group's cooldown after that
	// (default DefaultCommentCooldown) further comments of the group are held back, counted and
	// quoted in its next firing. It has no window and no resolved message: a comment is an
	// event, not a condition.
	MeasureCommentKeywords Measure = "comment_keywords"
	// MeasureErrorRate is the share of 5xx responses among answered messages plus 5xx responses,
	// over at least MinCount of them in the window.
	MeasureErrorRate Measure = "error_rate"
	// MeasureP99Latency is the 99th percentile of decision latency over at least MinCount
	// messages in the window; Threshold is in seconds.
	MeasureP99Latency Measure = "p99_latency"
	// MeasureSpool is the decision log's spool size, in records, as last reported.
	MeasureSpool Measure = "spool"
	// MeasureDropped is the number of records the decision log lost in the window
	// (zhiyi_store_dropped_total: the spool full or unwritable, a record the database refused):
	// each is a decision or a rating nobody will see again. The store's log says why each was
	// lost. Spooled feedback whose msg_id never reached the log is not counted: /feedback needs
	// no token, so anyone could page the on-call with made-up ids during an outage.
	MeasureDropped Measure = "dropped"
)

// Severity says how urgent an alert is: SeverityInfo, SeverityWarning (the default) or
// SeverityCritical.
type Severity string

// The severities, from least to most urgent.
const (
	SeverityInfo     Severity = "info"
	SeverityWarning  Severity = "warning"
	SeverityCritical Severity = "critical"
)

// thresholdKind says how a measure's threshold reads: a count, a share, a duration.
type thresholdKind uint8

const (
	thCount thresholdKind = iota
	thShare
	thDuration
)

type measureInfo struct {
	label     string // Chinese name, the default rule name
	windowed  bool
	threshold thresholdKind
	minCount  bool // takes MinCount
	window    time.Duration
	value     float64 // default threshold
	min       int64   // default MinCount
}

var measures = map[Measure]measureInfo{
	MeasureUnrecognised:      {"未识别消息过多", true, thCount, false, 10 * time.Minute, 20, 0},
	MeasureHandoffShare:      {"转人工比例过高", true, thShare, true, 10 * time.Minute, 0.5, 30},
	MeasureUnrecognisedShare: {"未识别比例过高", true, thShare, true, 10 * time.Minute, 0.2, 30},
	MeasureBadRatings:        {"差评增多", true, thCount, false, 30 * time.Minute, 3, 0},
	MeasureCommentKeywords:   {"评价关键词", false, thCount, false, 0, 0, 0},
	MeasureErrorRate:         {"服务错误率过高", true, thShare, true, 5 * time.Minute, 0.01, 100},
	MeasureP99Latency:        {"响应延迟过高", true, thDuration, true, 5 * time.Minute, 0.050, 100},
	MeasureSpool:             {"决策日志积压", false, thCount, false, 0, 10000, 0},
	MeasureDropped:           {"决策日志丢失记录", true, thCount, false, 10 * time.Minute, 1, 0},
}

// MeasureNames lists the measures in the order the documentation gives them.
var MeasureNames = []Measure{MeasureUnrecognised, MeasureUnrecognisedShare, MeasureHandoffShare,
	MeasureBadRatings, MeasureCommentKeywords, MeasureErrorRate, MeasureP99Latency, MeasureSpool, MeasureDropped}

// KeywordGroup is a set of words that mean one thing when a rating comment contains them.
type KeywordGroup struct {
	Category string   // a short id for machines: "staffing", "model"
	Label    string   // what it means, for people: 人手不足
	Words    []string // matched as substrings of the normalised comment
}

// DefaultKeywordGroups are the keyword groups of a comment_keywords rule that lists none.
func DefaultKeywordGroups() []KeywordGroup {
	return []KeywordGroup{
		{Category: "staffing", Label: "人手不足", Words: []string{"回复慢", "回复太慢", "回复很慢", "回复好慢", "回得慢", "回得太慢", "回得很慢",
			"回的太慢", "等太久", "等了好久", "等了半天", "等半天", "没人理", "没人回",
			"回覆慢", "回覆太慢", "回覆很慢", "回覆好慢"}}, // Taiwan's 回覆, which folding keeps
		{Category: "model", Label: "模型需要改进", Words: []string{"听不懂", "答非所问", "机器人", "不智能", "牛头不对马嘴"}},
	}
}

// Rule is one alert rule. The zero value of every field but ID and Measure means the
// measure's default (see DefaultRules); a negative Cooldown means none.
type Rule struct {
	ID      string  // unique, [a-z0-9_-]; used in metrics and payloads
	Name    string  // for people; Chinese is fine; default: the measure's Chinese name
	Measure Measure // what it watches
	Window  time.Duration
	// Threshold is the value at or above which the rule fires: a count (unrecognised,
	// bad_ratings, spool), a share in (0, 1] (handoff_share, unrecognised_share, error_rate;
	// the share's Wilson lower bound must reach it) or seconds (p99_latency). A firing rule
	// resolves when its value is clearly below: see Evaluator. comment_keywords takes none.
	Threshold float64
	// MinCount is how many events the window must hold before a share or a percentile counts
	// (handoff_share, unrecognised_share, error_rate, p99_latency).
	MinCount int64
	// MaxRating is the highest rating that counts as bad (bad_ratings; default 2), or the
	// highest whose comment is read (comment_keywords; default 3: 机器人回答得很好 with five
	// stars is praise; a comment without a rating is always read).
	MaxRating int
	// Keywords are the groups of a comment_keywords rule (default DefaultKeywordGroups).
	Keywords []KeywordGroup
	// OmitComment leaves the comment's words out of a comment_keywords alert (keyword,
	// category and rating stay): customers write addresses, WeChat ids and names into comments,
	// which masking does not catch, and alerts go to group chats.
	OmitComment bool
	// Cooldown is how long after firing the rule may not fire again (default DefaultCooldown,
	// DefaultCommentCooldown for comment_keywords, per keyword group). A condition that holds
	// when it ends fires then; the comments held back fire then as one alert.
	Cooldown time.Duration
	Severity Severity
	// Targets names the targets the rule's alerts go to; empty means every target.
	Targets []string

	file  string         // the file the rule came from, for errors ("" when built in Go)
	line  int            // the line of the rule in that file
	lines map[string]int // the line of each of its fields

	noCooldown bool // Cooldown was negative: none, not the default
}

// DefaultCooldown is the cooldown of a threshold rule that sets none.
const DefaultCooldown = 30 * time.Minute

// DefaultCommentCooldown is the cooldown of a comment_keywords rule that sets none: the first
// comment of a group reaches the operators at once, the rest of a burst at most once per 10
// minutes per group, counted and quoted. Without one, a flood of feedback (300 comments in a
// second, with no token needed) is 300 alerts per group; 10 minutes is the window of the
// message rules, so a digest never lags a complaint by more than an operator's usual view.
const DefaultCommentCooldown = 10 * time.Minute

// DefaultRules are the rules in force without an --alerts file: ≥ 20 unrecognised messages in
// 10 minutes; a handoff share ≥ 50 % over ≥ 30 messages in 10 minutes; ≥ 3 bad ratings (≤ 2)
// in 30 minutes; a rating comment matching a keyword group, at once, then the group's next ones
// grouped for 10 minutes; a 5xx share ≥ 1 % over
// ≥ 100 requests in 5 minutes; p99 latency ≥ 50 ms over ≥ 100 messages in 5 minutes; a spool
// of ≥ 10,000 records; a record the decision log lost (dropped) in 10 minutes.
func DefaultRules() []Rule {
	rules := make([]Rule, 0, len(MeasureNames))
	for _, m := range MeasureNames {
		if m == MeasureUnrecognisedShare {
			continue // opt-in: the default unrecognised rule stays the count operators know
		}
		r := Rule{ID: string(m), Measure: m}
		switch m {
		case MeasureErrorRate, MeasureSpool, MeasureDropped:
			r.Severity = SeverityCritical
		case MeasureCommentKeywords:
			r.Keywords = DefaultKeywordGroups()
		}
		rules = append(rules, r.withDefaults())
	}
	return rules
}

// withDefaults fills the zero fields with the measure's defaults. It leaves an unknown measure
// alone (validate reports it).
func (r Rule) withDefaults() Rule {
	mi, ok := measures[r.Measure]
	if !ok {
		return r
	}
	if r.Name == "" {
		r.Name = mi.label
	}
	if r.Window == 0 {
		r.Window = mi.window
	}
	if r.Threshold == 0 {
		r.Threshold = mi.value
	}
	if r.MinCount == 0 {
		r.MinCount = mi.min
	}
	if r.Measure == MeasureBadRatings && r.MaxRating == 0 {
		r.MaxRating = 2
	}
	if r.Measure == MeasureCommentKeywords && r.MaxRating == 0 {
		r.MaxRating = 3
	}
	if r.Measure == MeasureCommentKeywords && r.Keywords == nil {
		r.Keywords = DefaultKeywordGroups()
	}
	if r.Cooldown == 0 && !r.noCooldown {
		r.Cooldown = DefaultCooldown
		if r.Measure == MeasureCommentKeywords {
			r.Cooldown = DefaultCommentCooldown
		}
	}
	if r.Cooldown < 0 {
		// remembered: NewEvaluator fills the defaults of a file's rules again, and must not
		// turn a written "cooldown: 0" into the default
		r.Cooldown, r.noCooldown = 0, true
	}
	if r.Severity == "" {
		r.Severity = SeverityWarning
	}
	return r
}

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// personalID says what personal data masking finds in a rule id, a category or a target name
// (a phone, ID or bank card number: oncall-13812345678), "" when none: such a name is refused,
// for it is shown unmasked in /metrics' labels, the log and every alert, which hold none (as a
// rules.yaml id holding one is refused). An order number's reading is not: campaign names hold
// dates and numbers.
//
// The refusal names the name masked (oncall-<PHONE>): with its line that finds it, and the
// error is logged, where the number must not be either.
func personalID(id string) string {
	masked, kinds := nlp.MaskExcept(id, nlp.MaskOrder)
	if kinds == 0 {
		return ""
	}
	var what []string
	for _, k := range []nlp.MaskKind{nlp.MaskPhone, nlp.MaskIDCard, nlp.MaskBankCard, nlp.MaskEmail, nlp.MaskURL} {
		if kinds.Has(k) {
			what = append(what, k.String())
		}
	}
	return strconv.Quote(masked) + " holds what masking takes for personal data (" + strings.Join(what, ", ") + "), which metrics, logs and alerts show unmasked: name it otherwise"
}

// shownID is a rule id as a configuration error names it: masked as personalID reads it, for
// the error of a rule refused for its id (or with more problems beside) is logged.
func shownID(id string) string {
	masked, _ := nlp.MaskExcept(id, nlp.MaskOrder)
	return masked
}

// fieldProblem is one thing wrong with a rule, and the field (as spelt in a file) it is about.
type fieldProblem struct{ field, msg string }

// problems lists what is wrong with a rule that has its defaults filled; empty means valid.
func (r *Rule) problems() []fieldProblem {
	var ps []fieldProblem
	add := func(field, format string, args ...any) {
		ps = append(ps, fieldProblem{field, field + ": " + fmt.Sprintf(format, args...)})
	}
	if !idPattern.MatchString(r.ID) {
		add("id", "%q: want 1–64 of a-z, 0-9, _ and -, starting with a letter or digit", r.ID)
	} else if why := personalID(r.ID); why != "" {
		add("id", "%s", why)
	}
	mi, ok := measures[r.Measure]
	if !ok {
		add("measure", "%q: want one of %s", r.Measure, measureList())
		return ps
	}
	if mi.windowed && (r.Window < time.Second || r.Window > 24*time.Hour) {
		add("window", "%s: want between 1s and 24h", r.Window)
	}
	if !mi.windowed && r.Window != 0 {
		add("window", "measure %s has no window", r.Measure)
	}
	switch {
	case math.IsNaN(r.Threshold) || math.IsInf(r.Threshold, 0):
		add("threshold", "%v: want a number", r.Threshold)
	case r.Measure == MeasureCommentKeywords:
		if r.Threshold != 0 {
			add("threshold", "measure comment_keywords fires on a matching comment and takes none")
		}
	case mi.threshold == thShare && (r.Threshold <= 0 || r.Threshold > 1):
		add("threshold", "%v: a share must be in (0, 1], e.g. 0.5 or 50%%", r.Threshold)
	case mi.threshold == thCount && (r.Threshold < 1 || r.Threshold != float64(int64(r.Threshold))):
		add("threshold", "%v: want a whole number ≥ 1", r.Threshold)
	case mi.threshold == thDuration && r.Threshold <= 0:
		add("threshold", "%v: want a positive duration such as 50ms", r.Threshold)
	}
	if !mi.minCount && r.MinCount != 0 {
		add("min_count", "measure %s takes none", r.Measure)
	}
	if r.MinCount < 0 {
		add("min_count", "%d: want ≥ 0", r.MinCount)
	}
	if r.Measure == MeasureBadRatings && (r.MaxRating < 1 || r.MaxRating > 4) {
		add("max_rating", "%d: want 1–4", r.MaxRating)
	}
	if r.Measure == MeasureCommentKeywords && (r.MaxRating < 1 || r.MaxRating > 5) {
		add("max_rating", "%d: want 1–5", r.MaxRating)
	}
	if r.Measure != MeasureBadRatings && r.Measure != MeasureCommentKeywords && r.MaxRating != 0 {
		add("max_rating", "only bad_ratings and comment_keywords take it")
	}
	if r.Measure == MeasureCommentKeywords {
		for _, p := range keywordProblems(r.Keywords) {
			add("keywords", "%s", p)
		}
	} else if r.Keywords != nil {
		add("keywords", "only comment_keywords takes them")
	}
	if r.OmitComment && r.Measure != MeasureCommentKeywords {
		add("omit_comment", "only comment_keywords carries a comment")
	}
	switch r.Severity {
	case SeverityInfo, SeverityWarning, SeverityCritical:
	default:
		add("severity", "%q: want info, warning or critical", r.Severity)
	}
	for _, t := range r.Targets {
		if !idPattern.MatchString(t) {
			add("targets", "%q is not a valid target name", t)
		}
	}
	return ps
}

func keywordProblems(groups []KeywordGroup) []string {
	var ps []string
	if len(groups) == 0 {
		ps = append(ps, "want at least one group")
	}
	seen := map[string]bool{}
	for i, g := range groups {
		if !idPattern.MatchString(g.Category) {
			ps = append(ps, fmt.Sprintf("group %d: category %q: want 1–64 of a-z, 0-9, _ and -", i+1, g.Category))
		} else if why := personalID(g.Category); why != "" {
			ps = append(ps, fmt.Sprintf("group %d: category %s", i+1, why))
		}
		if seen[g.Category] {
			ps = append(ps, fmt.Sprintf("group %d: category %q appears twice", i+1, g.Category))
		}
		seen[g.Category] = true
		if len(g.Words) == 0 {
			ps = append(ps, fmt.Sprintf("group %d (%s): want at least one word", i+1, g.Category))
		}
		for _, w := range g.Words {
			switch {
			case strings.TrimSpace(w) == "":
				ps = append(ps, fmt.Sprintf("group %d (%s): an empty word", i+1, g.Category))
			case strings.ContainsFunc(w, isListSeparator):
				// [回复慢、等太久] is one YAML item: as one word it would match no comment
				ps = append(ps, fmt.Sprintf("group %d (%s): %q holds a separator: one word per item, or one line of words separated by commas", i+1, g.Category, w))
			}
		}
	}
	return ps
}

func measureList() string {
	s := make([]string, len(MeasureNames))
	for i, m := range MeasureNames {
		s[i] = string(m)
	}
	return strings.Join(s, ", ")
}

// lineOf is the line of field in the rule's file, or of the rule when the field is absent.
func (r *Rule) lineOf(field string) int {
	if l, ok := r.lines[field]; ok {
		return l
	}
	return r.line
}
