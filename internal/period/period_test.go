package period

import (
	"testing"
	"time"
)

func TestParsePeriod(t *testing.T) {
	now := time.Date(2026, 11, 11, 12, 30, 0, 0, CST)
	for _, tt := range []struct {
		in   string
		want time.Time
	}{
		{"", time.Time{}},
		{" 7d ", now.AddDate(0, 0, -7)},
		{"0d", now},
		{"24h", now.Add(-24 * time.Hour)},
		{"90m", now.Add(-90 * time.Minute)},
		{"2026-11-01", time.Date(2026, 11, 1, 0, 0, 0, 0, CST)},
		{"2026-11-01T08:00:00Z", time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)},
	} {
		got, err := Parse(tt.in, now)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("Parse(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"-3d", "-1h", "7", "007d", "+7d", "7 days", "forever", "2026-13-01", "99999999999999999999d"} {
		if got, err := Parse(bad, now); err == nil {
			t.Errorf("Parse(%q) = %v, want an error", bad, got)
		}
	}
	if _, err := ParseTime("7d"); err == nil {
		t.Error("ParseTime takes a duration")
	}
}
