package rules

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/shoptest"
	"github.com/zhiyi-ai/zhiyi/nlp"
)

// shopAnalyzer is the sample shop's analyzer (its dictionaries, no subword model): loaded once
// per test binary (gse's dictionary takes about a second).
var shopAnalyzer = sync.OnceValues(func() (*nlp.Analyzer, error) {
	return nlp.New(nlp.Config{DictDir: shoptest.Path("dict")})
})

func analyzer(tb testing.TB) *nlp.Analyzer {
	tb.Helper()
	a, err := shopAnalyzer()
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// shopVocabulary is the sample shop's domain words: its user dictionary and canonical terms.
func shopVocabulary(tb testing.TB) []string {
	tb.Helper()
	d, err := nlp.LoadDictionaries(shoptest.Path("dict"))
	if err != nil {
		tb.Fatal(err)
	}
	seen := map[string]bool{}
	var words []string
	a := analyzer(tb)
	add := func(w string) {
		// Stop words (请问, 亲) have no terms: a terms keyword of one is refused.
		if w = nlp.Normalize(w); w != "" && !seen[w] && len(a.Analyze(w).Terms) > 0 {
			seen[w] = true
			words = append(words, w)
		}
	}
	for _, w := range d.UserWords {
		add(w.Word)
	}
	for _, r := range d.Rules {
		add(r.Canonical)
	}
	return words
}

// Request-field values the generated rules and messages draw from.
var (
	genChannels = []string{"wecom", "kf", "mp"}
	genKfIDs    = []string{"wkAbC123Dq7XmR2tLp9VsN4eKy", "wkAbC123Hj5WcZ8uFn3GbT6rQa", "wkAbC123Zz0YyXxWwVvUuTtSs"}
	genTags     = []string{"VIP", "新客", "老客", "黑名单", "批发"}
	genDepts    = []string{"1", "2", "3", "7", "12"}
	genAgents   = []string{"zhangsan", "lisi", "wangwu"}
	genSenders  = []string{"wmTest0001", "wmBoss0001", "wmAbCdEf0001", "wmAbCdEf0002"}
)

// genRules writes a rules file of n rules of mixed kinds, scopes and windows, drawn from words
// (and, for exact text keywords, from messages). About 2 % are checked on every message (any:
// true, a regex without a required literal), as an operator's after-hours and holiday rules are;
// each any: true rule is a dated notice with a window of its own, so that none leaves another
// rule dead (Set.Warnings would name it; TestIndexMatchesNaive checks there is none).
func genRules(rng *rand.Rand, n int, words, messages []string) string {
	pick := func(list []string) string { return list[rng.IntN(len(list))] }
	quote := func(s string) string { return fmt.Sprintf("%q", s) }
	some := func(list []string, k int) string {
		out := make([]string, 0, k)
		for range k {
			out = append(out, quote(pick(list)))
		}
		return "[" + strings.Join(out, ", ") + "]"
	}
	var b strings.Builder
	b.WriteString("version: 1\nrules:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - id: r%03d\n    priority: %d\n", i, rng.IntN(20))
		if rng.IntN(50) == 0 {
			b.WriteString("    enabled: false\n")
		}
		b.WriteString("    match:\n")
		k := rng.IntN(100)
		anyRule := k < 1
		switch {
		case anyRule:
			b.WriteString("      any: true\n")
		case k < 2:
			fmt.Fprintf(&b, "      text: {regex: [%s]}\n", quote("("+regexp.QuoteMeta(pick(words))+"|"+regexp.QuoteMeta(pick(words))+")"))
		case k < 32:
			fmt.Fprintf(&b, "      text: {contains: %s}\n", some(words, 1+rng.IntN(3)))
		case k < 45:
			word := pick(words)
			msg, _ := nlp.Mask(nlp.Normalize(pick(messages))) // a whole message as rules see it: masked
			fmt.Fprintf(&b, "      text: {exact: [%s, %s]}\n", quote(word), quote(msg))
		case k < 67:
			fmt.Fprintf(&b, "      terms: {contains: %s}\n", some(words, 1+rng.IntN(2)))
		case k < 77:
			fmt.Fprintf(&b, "      terms: {exact: [%s]}\n", quote(pick(words)+" "+pick(words)))
		case k < 92:
			fmt.Fprintf(&b, "      text: {regex: [%s]}\n", quote(regexp.QuoteMeta(pick(words))+".{0,6}"+regexp.QuoteMeta(pick(words))))
		default:
			fmt.Fprintf(&b, "      terms: {regex: [%s]}\n", quote("^"+regexp.QuoteMeta(pick(words))))
		}
		if rng.IntN(10) < 4 {
			b.WriteString("    scope:\n")
			switch rng.IntN(6) {
			case 0:
				fmt.Fprintf(&b, "      channels: [%s]\n", pick(genChannels))
			case 1:
				fmt.Fprintf(&b, "      open_kfids: [%s]\n", pick(genKfIDs))
			case 2:
				fmt.Fprintf(&b, "      tags: %s\n", some(genTags, 2))
			case 3:
				fmt.Fprintf(&b, "      departments: %s\n      agents: %s\n", some(genDepts, 2), some(genAgents, 2))
			case 4:
				fmt.Fprintf(&b, "      exclude_senders: %s\n", some(genSenders, 2))
			default:
				fmt.Fprintf(&b, "      channels: [kf]\n      senders: %s\n", some(genSenders, 1))
			}
		}
		// The window is drawn for every rule, so that the draws (and the messages genInputs
		// draws after them) stay what they were before any: true rules got windows of their own.
		window := -1
		if rng.IntN(10) < 3 {
			window = rng.IntN(5)
		}
		switch {
		case anyRule:
			// A dated notice, open three hours on one day of the messages' week: each any: true
			// rule's window is its own ((i%7, i/7%6) is i%42, and i/42 shifts the minute), so it
			// never has another rule's very hours, and Parse finds no rule it leaves dead. Drawn
			// windows made one (any: true, no scope, no hours) that decided most messages and
			// left most rules untested.
			fmt.Fprintf(&b, "    hours:\n      dates: [2026-11-%02d]\n      times: [\"%02d:%02d-%02d:%02d\"]\n",
				9+i%7, i/7%6*4, i/42, i/7%6*4+3, i/42)
		case window == 0:
			b.WriteString("    hours:\n      times: [\"09:00-23:00\"]\n      outside: true\n")
		case window == 1:
			b.WriteString("    hours:\n      weekdays: [mon-fri]\n      times: [\"09:00-12:00\", \"13:30-18:00\"]\n")
		case window == 2:
			b.WriteString("    hours:\n      times: [\"22:00-02:00\"]\n      tz: Asia/Hong_Kong\n")
		case window == 3:
			b.WriteString("    hours:\n      dates: [2026-11-01..2026-11-11]\n")
		case window == 4:
			b.WriteString("    hours:\n      weekdays: [sat-sun]\n      holidays: [{date: 2026-11-14, off: false}]\n")
		}
		switch rng.IntN(4) {
		case 0:
			fmt.Fprintf(&b, "    action: {answer: %s}\n", quote("{{nickname|亲}}，关于"+pick(words)+"给您说明一下"))
		case 1:
			b.WriteString("    action: {intent: human_agent}\n")
		case 2:
			b.WriteString("    action: {handoff: high}\n")
		default:
			b.WriteString("    action: {silent: true}\n")
		}
	}
	return b.String()
}

// genInputs analyses the messages and gives each random request fields and a time in the week
// of 2026-11-09 (Shanghai), so scopes and windows both pass and fail.
func genInputs(tb testing.TB, rng *rand.Rand, messages []string) []Input {
	a := analyzer(tb)
	pick := func(list []string) string { return list[rng.IntN(len(list))] }
	week := time.Date(2026, 11, 9, 0, 0, 0, 0, time.FixedZone("CST", 8*3600)).UnixMilli()
	out := make([]Input, len(messages))
	for i, m := range messages {
		an := a.Analyze(m)
		in := Input{Text: an.Text, Terms: an.Terms, SentAt: week + rng.Int64N(7*24*3600*1000)}
		if rng.IntN(4) > 0 {
			in.Channel = pick(genChannels)
		}
		if in.Channel == "kf" {
			in.OpenKfID = pick(genKfIDs)
		}
		if rng.IntN(2) == 0 {
			in.Tags = []string{pick(genTags)}
		}
		if rng.IntN(2) == 0 {
			in.AgentID, in.DeptIDs = pick(genAgents), []string{pick(genDepts)}
		}
		if rng.IntN(3) > 0 {
			in.SenderID = pick(genSenders)
		}
		out[i] = in
	}
	return out
}
