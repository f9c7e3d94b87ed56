package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// The report names --since in China's clock, as the command reads a date: an RFC 3339 time of
// 20:00 UTC is the next day in China, and the report said "scored from" the day before.
func TestEvalConversationsSinceNamedInCST(t *testing.T) {
	_, bundle, _ := tinyShop(t)
	for _, tt := range []struct{ since, want string }{
		{"2026-08-20", "scored from 2026-08-20"},
		{"2026-08-20T20:00:00Z", "scored from 2026-08-21 04:00:00 CST"},
	} {
		code, stdout, stderr := runCLI(t, "", "eval", "--model", bundle, "--data", filepath.Join(fixture, "data.jsonl"),
			"--conversations", "--since", tt.since, "--json", "--full")
		if code != 0 {
			t.Fatalf("eval --since %s: exit %d\n%s", tt.since, code, stderr)
		}
		var rep struct{ Data string }
		if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
			t.Fatalf("eval --since %s: %v\n%s", tt.since, err, stdout)
		}
		if !strings.HasSuffix(rep.Data, tt.want) {
			t.Errorf("eval --since %s: data %q, want it to end %q", tt.since, rep.Data, tt.want)
		}
	}
}
