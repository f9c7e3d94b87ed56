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

// The last whole week is China's, Monday to Monday, wherever the report runs: at 07:30 on a
// Monday in China a UTC machine's date(1) still says Sunday, and the cron line built on it
// reported Monday to Saturday.
func TestLastWeek(t *testing.T) {
	week := [2]time.Time{time.Date(2026, 11, 30, 0, 0, 0, 0, CST), time.Date(2026, 12, 7, 0, 0, 0, 0, CST)}
	for _, now := range []time.Time{
		time.Date(2026, 12, 6, 23, 30, 0, 0, time.UTC),                     // Monday 07:30 in China, Sunday on the server
		time.Date(2026, 12, 7, 9, 0, 0, 0, CST),                            // Monday 09:00
		time.Date(2026, 12, 7, 0, 0, 0, 0, CST),                            // Monday midnight
		time.Date(2026, 12, 13, 23, 59, 0, 0, CST),                         // Sunday night: the week before is still the last whole one
		time.Date(2026, 12, 7, 1, 0, 0, 0, time.FixedZone("EST", -5*3600)), // Monday 14:00 in China
	} {
		since, until := LastWeek(now)
		if !since.Equal(week[0]) || !until.Equal(week[1]) {
			t.Errorf("LastWeek(%s) = %s – %s, want %s – %s", now, since, until, week[0], week[1])
		}
	}
	since, until := LastWeek(time.Date(2026, 12, 6, 20, 0, 0, 0, CST)) // Sunday evening in China
	if !since.Equal(time.Date(2026, 11, 23, 0, 0, 0, 0, CST)) || !until.Equal(week[0]) {
		t.Errorf("LastWeek(Sunday 20:00) = %s – %s, want 11-23 – 11-30", since, until)
	}
}
