package console

import (
	"strings"
	"testing"
	"time"
)

// The console reads periods as the commands do (period.Parse), bounded to the past
// maxPeriod — what 看板 can report, so 380d and 0d no longer reach board.Build to be refused
// there as if the decision log had failed; a bad one falls back to the page's default and
// says why.
func TestPeriodOf(t *testing.T) {
	now := time.Date(2026, 11, 11, 12, 0, 0, 0, cst)
	for _, tt := range []struct {
		in, value string
		since     time.Time
		problem   string
	}{
		{"", "7d", now.AddDate(0, 0, -7), ""},
		{"24h", "24h", now.Add(-24 * time.Hour), ""},
		{"2026-11-01", "2026-11-01", time.Date(2026, 11, 1, 0, 0, 0, 0, cst), ""},
		{"366d", "366d", now.AddDate(0, 0, -366), ""},
		{"367d", "7d", now.AddDate(0, 0, -7), "最多往前 366 天"},
		{"380d", "7d", now.AddDate(0, 0, -7), "最多往前 366 天"},
		{"0d", "7d", now.AddDate(0, 0, -7), "空的时间段"},
		{"2027-01-01", "7d", now.AddDate(0, 0, -7), "在将来"},
		{"forever", "7d", now.AddDate(0, 0, -7), "“forever”看不懂"},
		// what the page quotes back is masked, as every page shows a message
		{"13912345678", "7d", now.AddDate(0, 0, -7), "“<PHONE>”看不懂"},
		{"我的QQ邮箱是987654321", "7d", now.AddDate(0, 0, -7), "“我的qq邮箱是<EMAIL>”看不懂"},
	} {
		since, value, problem := periodOf(tt.in, "7d", now)
		if !since.Equal(tt.since) || value != tt.value || !strings.Contains(problem, tt.problem) || (tt.problem == "") != (problem == "") {
			t.Errorf("periodOf(%q) = %v, %q, %q; want %v, %q, a problem with %q", tt.in, since, value, problem, tt.since, tt.value, tt.problem)
		}
	}
}
