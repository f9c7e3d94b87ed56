package period

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// CST is China Standard Time (Asia/Shanghai, UTC+8, no daylight saving): the shops' clock,
// in which dates, hours of day and days are read and shown.
var CST = time.FixedZone("CST", 8*3600)

// Parse reads the start (or end) of a period of the decision log: a duration back from
// now (90m, 24h, 7d, 30d; days are China's, 24 hours each), a date (2026-10-17, midnight China Standard Time) or an RFC 3339
// time; "" is the zero time. The CLI's --since and --until, the admin routes' since= and the
// console's since= all take it.
func Parse(v string, now time.Time) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, nil
	}
	if days, ok := strings.CutSuffix(v, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n >= 0 && strconv.Itoa(n) == days {
			// China's days (no daylight saving: 24 hours each), not those of now's zone,
			// which is the server's TZ: in New York 7d was 169 hours the week clocks went back.
			return now.In(CST).AddDate(0, 0, -n).In(now.Location()), nil
		}
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return ParseTime(v)
}

// maxDays is the most whole days a time.Duration holds (106751, about 292 years).
const maxDays = math.MaxInt64 / int64(24*time.Hour)

// ParseDuration reads a length of time as Parse does (7d, 24h, 90m), days counted as 24 hours.
// More days than a time.Duration holds read as the longest Duration: multiplied out they wrapped
// around, to a negative length or to a few minutes (213504d was 25m26s, and --retain kept the
// decision log that long).
func ParseDuration(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if days, ok := strings.CutSuffix(v, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n >= 0 && strconv.Itoa(n) == days && n <= 1e6 {
			if int64(n) > maxDays {
				return math.MaxInt64, nil
			}
			return time.Duration(n) * 24 * time.Hour, nil
		}
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return d, nil
	}
	return 0, fmt.Errorf("%q: want a duration such as 90d or 720h", v)
}

// ParseTime reads a date (2026-10-17, midnight China Standard Time) or an RFC 3339 time.
func ParseTime(v string) (time.Time, error) {
	if t, err := time.ParseInLocation(time.DateOnly, v, CST); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q: want a duration such as 30d or 24h, a date like 2026-10-17, or an RFC 3339 time", v)
}

// LastWeek is the last whole week before now in China Standard Time, Monday 00:00 to the next
// Monday 00:00 (exclusive): what a weekly report run on Monday morning covers, whatever the
// zone of the machine's clock. A cron line computing the dates with date(1) took the server's
// zone: on a UTC machine, 07:00 on a Monday in China is still Sunday, and the "week" ended a
// day early.
func LastWeek(now time.Time) (since, until time.Time) {
	c := now.In(CST)
	day := time.Date(c.Year(), c.Month(), c.Day(), 0, 0, 0, 0, CST)
	sinceMonday := (int(day.Weekday()) + 6) % 7
	until = day.AddDate(0, 0, -sinceMonday)
	return until.AddDate(0, 0, -7), until
}
