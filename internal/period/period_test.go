package period

import (
	"math"
	"testing"
	"time"
	_ "time/tzdata" // the zones below resolve on a machine without /usr/share/zoneinfo
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

// A length of days too long for a time.Duration is the longest one (about 292 years): multiplied
// out it wrapped around, and --retain 213504d kept the decision log for 25 minutes.
func TestParseDurationOverflow(t *testing.T) {
	const maxDays = int64(1<<63-1) / int64(24*time.Hour) // 106751
	for _, tt := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"90d", 90 * 24 * time.Hour, true},
		{"106751d", time.Duration(maxDays) * 24 * time.Hour, true},
		{"106752d", math.MaxInt64, true},
		{"213504d", math.MaxInt64, true},
		{"1000000d", math.MaxInt64, true},
	} {
		got, err := ParseDuration(tt.in)
		if (err == nil) != tt.ok || tt.ok && got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v (ok %v)", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

// Days back from now are China's days, whatever zone now is in (the server's TZ): the same 7d
// read 169 hours on a server in New York the week its clocks went back.
func TestParseDaysIgnoreServerZone(t *testing.T) {
	for _, name := range []string{"America/New_York", "Europe/Berlin", "UTC"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Skipf("no zone %s: %v", name, err)
		}
		for _, now := range []time.Time{
			time.Date(2026, 11, 3, 12, 0, 0, 0, loc),  // New York's clocks went back on November 1
			time.Date(2026, 3, 10, 12, 0, 0, 0, loc),  // and forward on March 8
			time.Date(2026, 10, 28, 12, 0, 0, 0, loc), // Berlin's went back on October 25
		} {
			got, err := Parse("7d", now)
			if err != nil || now.Sub(got) != 7*24*time.Hour {
				t.Errorf("Parse(7d, %v) = %v, %v: %v back, want 168h", now, got, err, now.Sub(got))
			}
		}
	}
}
