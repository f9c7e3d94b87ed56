package train

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/period"
	"github.com/zhiyi-ai/zhiyi/nlp"
)

// split separates labelled from unlabelled messages, leaves out labels the knowledge base does
// not know, and picks the dev split (splitDev).
func (r *run) split() (bool, error) {
	var labelled, extra []record
	unknown := map[string]int{}
	var unknownAt []string // the first few, file:line
	inDev := r.inDevFile()
	devOverlap := 0
	for i, rec := range r.data.recs {
		switch {
		case inDev[i]:
			devOverlap++ // judged by dev: trained on, it would be judged by rote
		case !rec.origin.representative() && rec.intent != "" && r.known(rec.intent):
			extra = append(extra, rec) // trains, never judges
		case rec.intent == "":
			r.unlabelled = append(r.unlabelled, rec)
		case r.known(rec.intent):
			labelled = append(labelled, rec)
		default:
			unknown[rec.intent]++
			if r.sum.Dropped++; len(unknownAt) < maxNamed {
				unknownAt = append(unknownAt, fmt.Sprintf("%s: %q", rec.source, rec.intent))
			}
		}
	}
	if len(unknown) > 0 {
		// An export's tags outlive a rename or deletion in kb.yaml: name the intents and where.
		fmt.Fprintf(r.prog, "warning: %d labelled messages name intents missing from the knowledge base and were left out (renamed or deleted? give their messages the new id with --labels): %s; e.g. %s\n",
			r.sum.Dropped, countsByName(unknown), strings.Join(unknownAt, ", ")+more(r.sum.Dropped, len(unknownAt)))
	}
	if devOverlap > 0 {
		fmt.Fprintf(r.prog, "split: %d exported messages are in the dev file %s too (by text or msgid): left out of training and self-training, so dev judges messages the model has not seen\n", devOverlap, r.cfg.Dev)
	}
	r.sum.DevOverlap = devOverlap
	r.trainRecs, r.devSplit, r.how = splitDev(labelled, r.devRecs, r.cfg)
	if r.devRecs == nil && len(r.devSplit) > 0 && len(r.devSplit) < minDev {
		// Too few to measure anything: train on them, and estimate by cross-validation instead.
		n := len(r.devSplit)
		r.trainRecs = append(r.trainRecs, r.devSplit...)
		r.devSplit = nil
		r.how = fmt.Sprintf("none (%d labelled messages in the dev period, fewer than %d: labels of the export or given one by one, and exported messages a knowledge-base or built-in example names word for word)", n, minDev)
	}
	if len(r.devSplit) == 0 && r.devRecs == nil {
		sheet := 0
		for _, rec := range extra {
			if rec.origin == fromSheet {
				sheet++
			}
		}
		if sheet > 0 {
			// A cluster sheet labels what was easy to group: it teaches, but a dev split must
			// sample messages as they come.
			fmt.Fprintf(r.prog, "note: the %d messages labelled by cluster train but never judge the model; for a dev split, label some of the newest messages one by one (--labels lines with msg_id) or give --dev\n", sheet)
		}
	}
	r.trainRecs = append(r.trainRecs, extra...)
	r.timeSplit = strings.HasPrefix(r.how, splitByTime)
	var unknownDev []string
	devUnknown := 0
	r.devSplit = slices.DeleteFunc(r.devSplit, func(rec record) bool {
		if rec.intent != "" && !r.known(rec.intent) {
			if devUnknown++; len(unknownDev) < maxNamed {
				unknownDev = append(unknownDev, fmt.Sprintf("%s: unknown intent %q", rec.source, rec.intent))
			}
			return true
		}
		return rec.intent == ""
	})
	if devUnknown > 0 {
		if r.devRecs != nil && len(r.devSplit) == 0 {
			return false, fmt.Errorf("train: --dev %s: none of its labels names an intent of the knowledge base (%d do not):\n  %s",
				r.cfg.Dev, devUnknown, strings.Join(unknownDev, "\n  "))
		}
		fmt.Fprintf(r.prog, "warning: %d dev messages name intents missing from the knowledge base and were left out:\n  %s\n", devUnknown, strings.Join(unknownDev, "\n  "))
	}
	r.sum.DevSplit = r.how
	if len(r.trainRecs) == 0 {
		return false, fmt.Errorf("train: no labelled messages to train on (%s)", r.sum.Import)
	}
	fmt.Fprintf(r.prog, "split: %d train, %d dev (%s), %d unlabelled\n", len(r.trainRecs), len(r.devSplit), r.how, len(r.unlabelled))
	return false, nil
}

// inDevFile marks the records of the exports and labels that are messages of the dev file
// (Config.Dev), by masked text, or by msgid when the texts agree too (sameText): an operator who labels a week of the exports into
// dev.jsonl and trains on the exports too would otherwise have dev measure memorised messages,
// and the auto threshold chosen on them fall short of TargetPrecision on new ones (the tiny shop:
// dev accuracy 0.92 → 0.98, 13 % → 48 % answered alone "at precision 1.0"). Seeds (kb.yaml's
// and the built-in examples) stay: they are the shop's own text, not messages. A msgid alone is
// no proof: dev sets made by hand and CRM CSVs number their messages 1, 2, 3 …, so another
// export's message 1 is not this one's. nil without a dev file.
func (r *run) inDevFile() map[int]bool {
	if r.devRecs == nil {
		return nil
	}
	out := map[int]bool{}
	mark := func(i int, ok bool) {
		if ok && (r.data.recs[i].origin.exported() || r.data.recs[i].origin == fromText) {
			out[i] = true
		}
	}
	for _, d := range r.devRecs {
		i, ok := r.data.byText[d.text]
		mark(i, ok)
	}
	for id, j := range r.devIDs {
		i, ok := r.data.byMsgID[id]
		mark(i, ok && sameText(r.data.recs[i].text, r.devRecs[j].text))
	}
	return out
}

// sameText reports whether two masked texts are one message's: equal but for spaces (an input
// method's, or an editor's) and script (帳戶 is 账户).
func sameText(a, b string) bool {
	if a == b {
		return true
	}
	key := func(s string) string { return strings.Join(strings.Fields(nlp.Fold(s)), "") }
	return key(a) == key(b)
}

// minDev is the fewest labelled messages a dev split carved from the data may hold.
const minDev = 30

// splitByTime starts the description of a dev split made of the newest messages.
const splitByTime = "by time:"

// splitDev picks the dev split: an explicit dev file; else the newest DevDays days when every
// message has a time; else a deterministic DevShare of the messages chosen by a hash of the text.
func splitDev(labelled, explicit []record, cfg Config) (train, dev []record, how string) {
	if explicit != nil {
		return labelled, explicit, "dev file " + cfg.Dev
	}
	if len(labelled) == 0 {
		return nil, nil, "none"
	}
	timed := true
	var newest time.Time
	for _, r := range labelled {
		if r.time.IsZero() {
			timed = false
			break
		}
		if r.time.After(newest) {
			newest = r.time
		}
	}
	if timed && cfg.DevDays > 0 {
		// Days in China's clock: the times come from time.Unix in the server's zone, whose
		// daylight saving moved the cut (and the model) with TZ.
		cut := newest.In(period.CST).AddDate(0, 0, -cfg.DevDays)
		for _, r := range labelled {
			if r.time.After(cut) {
				dev = append(dev, r)
			} else {
				train = append(train, r)
			}
		}
		share := float64(len(dev)) / float64(len(labelled))
		if share >= 0.05 && share <= 0.5 {
			return train, dev, fmt.Sprintf("%s messages after %s", splitByTime, cut.Format("2006-01-02 15:04 MST"))
		}
		train, dev = nil, nil
	}
	if cfg.DevShare <= 0 {
		return labelled, nil, "none"
	}
	for _, r := range labelled {
		h := fnv.New32a()
		h.Write([]byte(r.text))
		if float64(h.Sum32()%10000)/10000 < cfg.DevShare {
			dev = append(dev, r)
		} else {
			train = append(train, r)
		}
	}
	return train, dev, fmt.Sprintf("by hash: %.0f%% of messages", 100*cfg.DevShare)
}

// countsByName lists counts as "a (23), b (5)", the largest first.
func countsByName(counts map[string]int) string {
	names := byCount(counts)
	for i, k := range names {
		names[i] = fmt.Sprintf("%s (%d)", k, counts[k])
	}
	return strings.Join(names, ", ")
}

// byCount returns the keys of counts, the largest count first and equal counts by name.
func byCount(counts map[string]int) []string {
	names := make([]string, 0, len(counts))
	for k := range counts {
		names = append(names, k)
	}
	slices.SortFunc(names, func(a, b string) int { return cmp.Or(cmp.Compare(counts[b], counts[a]), strings.Compare(a, b)) })
	return names
}
