package rules

import (
	"strings"
	"testing"
	"time"
)

// FuzzParse feeds Parse arbitrary files (seeded with the valid one and its broken lines): it
// returns a Set or an error naming the file, never panics, and a Set it returns matches
// messages without panicking.
func FuzzParse(f *testing.F) {
	f.Add(validRules)
	for _, line := range []string{"      handoff: urgent", "    hours:", "      dates: [2026-11-01..2026-11-11]",
		"        contains: [投诉, \"12315\"]", "        regex: '(a+)+$'", "      weekdays: [mon-fri]", "      times: [\"22:00-02:00\"]"} {
		f.Add(replaceRuleLine(10, line))
	}
	f.Add("version: 1\nrules:\n  - &a {id: x}\n  - *a\n")
	now := time.Date(2026, 11, 11, 23, 30, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, file string) {
		set, err := Parse([]byte(file), "rules.yaml", Options{Now: func() time.Time { return now }})
		if err != nil {
			if !strings.Contains(err.Error(), "rules.yaml") {
				t.Fatalf("error without the file's name: %v", err)
			}
			return
		}
		for _, text := range []string{"", "我要投诉", "双11 活动", "12315"} {
			set.Match(&Input{Text: text, Terms: strings.Fields(text), Channel: "wecom"})
		}
	})
}
