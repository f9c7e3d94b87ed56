package reply

import (
	"strings"
	"sync"
	"sync/atomic"

	"github.com/VictoriaMetrics/metrics"

	"github.com/zhiyi-ai/zhiyi/rules"
)

// ruleHitsFamily counts, per rule id, the messages each rule decided.
const ruleHitsFamily = "zhiyi_rule_hits_total"

// ruleHits keeps zhiyi_rule_hits_total{rule} in step with the rules in force: one series per
// enabled rule of the Set, made (at 0, so that a rule that never fires shows) when a Replier
// first sees the Set, and unregistered when a reload drops the rule or disables it. Ids come
// from the operator's file (rules refuses one holding personal data), so the series are as many
// as its enabled rules, and edits in the console or renames sent with SIGHUP do not add up until
// a restart. Kept, the counter of a rule gone would stay unchanged forever, as an intent's does
// after a retrained bundle drops it; metrics.Set.UnregisterMetric removes it cleanly, the scrape
// no longer shows it, and a rule added back starts at 0, a counter reset that rate() and
// increase() read as one.
type ruleHits struct {
	set   *metrics.Set
	rules func() *rules.Set // the rules in force (Config.Rules); nil: none
	table atomic.Pointer[ruleTable]
}

// ruleTable is the counters of one Set's enabled rules, by id.
type ruleTable struct {
	rules *rules.Set
	byID  map[string]*metrics.Counter
}

// ruleSyncMu serialises the tables' rebuilds, across Repliers and sets: each reads the Set in
// force under it, so that of two rebuilds racing across a reload the later is the newer Set's,
// and none unregisters a counter the other has just made for it.
var ruleSyncMu sync.Mutex

func newRuleHits(set *metrics.Set, current func() *rules.Set) *ruleHits {
	h := &ruleHits{set: set, rules: current}
	if current != nil {
		h.sync() // the rules' series from the start, before the first message
	}
	return h
}

// of returns the counters for matched, the Set a message was matched with: the table, rebuilt
// first when the rules in force have changed since it was made. A message matched with a Set a
// reload has just replaced is counted under the same id in the new one's table, or not at all
// when its rule is gone.
func (h *ruleHits) of(matched *rules.Set) *ruleTable {
	if t := h.table.Load(); t != nil && t.rules == matched {
		return t // the common case: an atomic load and a comparison
	}
	return h.sync()
}

// sync rebuilds the table for the rules in force, unless it is theirs already, and unregisters
// the series of rules they no longer hold (whichever Replier or reload made them).
func (h *ruleHits) sync() *ruleTable {
	ruleSyncMu.Lock()
	defer ruleSyncMu.Unlock()
	var cur *rules.Set
	if h.rules != nil {
		cur = h.rules()
	}
	if t := h.table.Load(); t != nil && t.rules == cur {
		return t
	}
	t := &ruleTable{rules: cur, byID: map[string]*metrics.Counter{}}
	keep := map[string]bool{}
	if cur != nil {
		for _, r := range cur.Rules() {
			if r.Enabled {
				name := ruleHitsFamily + `{rule="` + r.ID + `"}` // ids need no escaping: [A-Za-z0-9_.-]
				t.byID[r.ID] = h.set.GetOrCreateCounter(name)
				keep[name] = true
			}
		}
	}
	for _, name := range h.set.ListMetricNames() {
		if strings.HasPrefix(name, ruleHitsFamily+"{") && !keep[name] {
			h.set.UnregisterMetric(name)
		}
	}
	h.table.Store(t)
	return t
}
