package train

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSplitDev(t *testing.T) {
	day := 24 * time.Hour
	start := time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)
	var timed, untimed []record
	for i := range 28 {
		timed = append(timed, record{text: fmt.Sprint("消息", i), intent: "a", time: start.Add(time.Duration(i) * day)})
		untimed = append(untimed, record{text: fmt.Sprint("消息", i), intent: "a"})
	}
	cfg := DefaultConfig()
	cfg.DevDays = 7
	train, dev, how := splitDev(timed, nil, cfg)
	if len(dev) != 7 || len(train) != 21 || !strings.HasPrefix(how, "by time") {
		t.Errorf("by time: %d train, %d dev (%s); want the newest 7 days as dev", len(train), len(dev), how)
	}
	for _, r := range dev {
		for _, q := range train {
			if !r.time.After(q.time) {
				t.Fatalf("dev message at %v is not newer than training message at %v", r.time, q.time)
			}
		}
	}
	// Without times: a share of the messages, the same every time.
	cfg.DevShare = 0.25
	train, dev, how = splitDev(untimed, nil, cfg)
	train2, dev2, _ := splitDev(untimed, nil, cfg)
	if len(train)+len(dev) != 28 || len(dev) == 0 || !strings.HasPrefix(how, "by hash") ||
		!slices.Equal(dev, dev2) || !slices.Equal(train, train2) {
		t.Errorf("by hash: %d train, %d dev (%s)", len(train), len(dev), how)
	}
	// An explicit dev file wins.
	explicit := []record{{text: "x", intent: "a"}}
	cfg.Dev = "dev.jsonl"
	train, dev, _ = splitDev(timed, explicit, cfg)
	if len(train) != 28 || len(dev) != 1 {
		t.Errorf("explicit dev: %d train, %d dev", len(train), len(dev))
	}
}

// Messages labelled by cluster train but never judge; without a dev split the run says so and
// how to get one.
func TestSplitSaysSheetLabelsNeverJudge(t *testing.T) {
	var prog strings.Builder
	r := &run{cfg: DefaultConfig(), sum: &Summary{}, prog: &prog}
	for i := range 40 {
		r.data.recs = append(r.data.recs, record{text: fmt.Sprint("消息", i), intent: "a", origin: fromSheet})
	}
	if _, err := r.split(); err != nil {
		t.Fatal(err)
	}
	if len(r.devSplit) != 0 || !strings.Contains(prog.String(), "40 messages labelled by cluster train but never judge") {
		t.Errorf("dev %d; progress %q", len(r.devSplit), prog.String())
	}
}
