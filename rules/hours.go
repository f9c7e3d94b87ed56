package rules

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // time zones resolve the same on a machine without /usr/share/zoneinfo
)

// DefaultTZ is the time zone of a rule's hours when neither the rule nor the file names one.
const DefaultTZ = "Asia/Shanghai"

// window is a rule's compiled hours: the times at which it is open. A rule with hours applies
// while its window is open, or, with outside, while it is closed.
type window struct {
	loc      *time.Location
	weekdays uint8       // bit per time.Weekday; 0 means every day
	times    []span      // empty means all day
	dates    []dateRange // empty means every date
	holidays map[int32]bool
	outside  bool
}

// span is a time-of-day range in minutes, [start, end); start > end crosses midnight.
type span struct{ start, end int16 }

// dateRange is an inclusive range of civil days (days since 1970-01-01).
type dateRange struct{ from, to int32 }

// applies reports whether a rule with this window applies at t.
func (w *window) applies(t time.Time) bool { return w.open(t) != w.outside }

// open reports whether t falls in the window. The part of a range that crosses midnight after
// midnight belongs to the day the range started: fri 22:00-02:00 covers Saturday 01:00, and a
// holiday or a date range is judged on that day.
func (w *window) open(t time.Time) bool {
	lt := t.In(w.loc)
	y, m, d := lt.Date()
	day := civilDay(y, m, d)
	wd := lt.Weekday()
	if len(w.times) == 0 {
		return w.dayOpen(day, wd)
	}
	hh, mm, _ := lt.Clock()
	minute := int16(hh*60 + mm)
	for _, s := range w.times {
		switch {
		case s.start < s.end:
			if minute >= s.start && minute < s.end && w.dayOpen(day, wd) {
				return true
			}
		case minute >= s.start:
			if w.dayOpen(day, wd) {
				return true
			}
		case minute < s.end:
			if w.dayOpen(day-1, (wd+6)%7) {
				return true
			}
		}
	}
	return false
}

// dayOpen reports whether the window is open on a day at all: within its dates, and either a
// listed working holiday (调休) or not an off holiday and one of its weekdays.
func (w *window) dayOpen(day int32, wd time.Weekday) bool {
	if len(w.dates) > 0 {
		in := false
		for _, r := range w.dates {
			if day >= r.from && day <= r.to {
				in = true
				break
			}
		}
		if !in {
			return false
		}
		if w.weekdays == 0 {
			// dates alone name the days (a promotion, a 春节 shipping notice): holidays, which
			// move working days, do not close them
			return true
		}
	}
	if off, ok := w.holidays[day]; ok {
		return !off
	}
	return w.weekdays == 0 || w.weekdays&(1<<wd) != 0
}

// civilDay is the number of days from 1970-01-01 to the date (Howard Hinnant's days_from_civil).
func civilDay(y int, m time.Month, d int) int32 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (int(m) + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int32(era*146097 + doe - 719468)
}

// weekdayNames maps the names a file may use to weekdays.
var weekdayNames = map[string]time.Weekday{
	"mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday, "thu": time.Thursday,
	"fri": time.Friday, "sat": time.Saturday, "sun": time.Sunday,
	"monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
	"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday, "sunday": time.Sunday,
	"周一": time.Monday, "周二": time.Tuesday, "周三": time.Wednesday, "周四": time.Thursday,
	"周五": time.Friday, "周六": time.Saturday, "周日": time.Sunday, "周天": time.Sunday,
	"星期一": time.Monday, "星期二": time.Tuesday, "星期三": time.Wednesday, "星期四": time.Thursday,
	"星期五": time.Friday, "星期六": time.Saturday, "星期日": time.Sunday, "星期天": time.Sunday,
}

// rangeSeps separate the two ends of a weekday or time range.
var rangeSeps = []string{"-", "–", "—", "~", "～", "至", "到"}

// splitRange splits "a-b" at the first range separator; ok is false when there is none.
func splitRange(s string, seps []string) (a, b string, ok bool) {
	best, sepLen := -1, 0
	for _, sep := range seps {
		if i := strings.Index(s, sep); i >= 0 && (best < 0 || i < best) {
			best, sepLen = i, len(sep)
		}
	}
	if best < 0 {
		return s, "", false
	}
	return strings.TrimSpace(s[:best]), strings.TrimSpace(s[best+sepLen:]), true
}

// parseWeekdays turns entries like "mon", "周一-周五" or "sat-sun" into a weekday bit set.
// A range wraps around the week ("fri-mon").
func parseWeekdays(entry string) (uint8, error) {
	entry = strings.ToLower(strings.TrimSpace(halfWidth(entry)))
	a, b, isRange := splitRange(entry, rangeSeps)
	from, ok := weekdayNames[a]
	if !ok {
		return 0, fmt.Errorf("unknown weekday %q (want mon..sun or 周一..周日)", a)
	}
	if !isRange {
		return 1 << from, nil
	}
	to, ok := weekdayNames[b]
	if !ok {
		return 0, fmt.Errorf("unknown weekday %q (want mon..sun or 周一..周日)", b)
	}
	var bits uint8
	for d := from; ; d = (d + 1) % 7 {
		bits |= 1 << d
		if d == to {
			return bits, nil
		}
	}
}

// parseSpan parses "09:00-23:00" (end exclusive; "24:00" may end a range; a range whose end is
// before its start crosses midnight).
func parseSpan(s string) (span, error) {
	a, b, ok := splitRange(strings.TrimSpace(halfWidth(s)), rangeSeps)
	if !ok {
		// 全天 and 24小时 are what keyword bots export for a rule with no hours
		return span{}, fmt.Errorf("time range %q: want HH:MM-HH:MM (all day: leave times out, or 00:00-24:00)", s)
	}
	start, err := parseClock(a, false)
	if err != nil {
		return span{}, fmt.Errorf("time range %q: %w", s, err)
	}
	end, err := parseClock(b, true)
	if err != nil {
		return span{}, fmt.Errorf("time range %q: %w", s, err)
	}
	if start == end {
		return span{}, fmt.Errorf("time range %q is empty (start equals end; use 00:00-24:00 for all day)", s)
	}
	return span{int16(start), int16(end)}, nil
}

// halfWidth folds full-width forms to ASCII (９：００ is 9:00, ２０２７－０２－０５ is 2027-02-05,
// the ideographic space a space), as messages are folded: a Chinese input method types them,
// and they look like the ASCII ones on the operator's screen.
func halfWidth(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '！' && r <= '～':
			return r - '！' + '!'
		case r == '\u3000':
			return ' '
		}
		return r
	}, s)
}

// parseClock parses H:MM or HH:MM into minutes after midnight; 24:00 only when end.
func parseClock(s string, end bool) (int, error) {
	h, m, ok := strings.Cut(s, ":") // a full-width colon was folded (halfWidth)
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || len(m) != 2 || len(h) < 1 || len(h) > 2 ||
		hh < 0 || mm < 0 || mm > 59 || hh > 24 || hh == 24 && (mm != 0 || !end) {
		return 0, fmt.Errorf("bad time %q (want HH:MM, 00:00 to 23:59, or 24:00 as an end)", s)
	}
	return hh*60 + mm, nil
}

// dateSeps separate the two ends of a date range (a single '-' is part of a date).
var dateSeps = []string{"..", "~", "～", "至", "到", " - ", "–", "—"}

// parseDates parses "2026-11-11" or "2026-11-01..2026-11-11" (inclusive).
func parseDates(s string) (dateRange, error) {
	a, b, isRange := splitRange(strings.TrimSpace(halfWidth(s)), dateSeps)
	from, err := parseDate(a)
	if err != nil {
		return dateRange{}, err
	}
	if !isRange {
		return dateRange{from, from}, nil
	}
	to, err := parseDate(b)
	if err != nil {
		return dateRange{}, err
	}
	if to < from {
		return dateRange{}, fmt.Errorf("date range %q ends before it starts", s)
	}
	return dateRange{from, to}, nil
}

func parseDate(s string) (int32, error) {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		if y, m, d, ok := datePattern(s); ok {
			// the form is right and the day is not on the calendar: "want YYYY-MM-DD" would
			// send the operator looking at the wrong thing
			if m < 1 || m > 12 {
				return 0, fmt.Errorf("no such date %q: there is no month %d", s, m)
			}
			last := time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
			return 0, fmt.Errorf("no such date %q: %04d-%02d has %d days, not %d", s, y, m, last, d)
		}
		if d, _, ok := strings.Cut(s, " "); ok {
			if _, err := time.Parse("2006-01-02", d); err == nil {
				// a keyword bot's 生效时间 (2026-10-24 00:00:00 至 2026-11-11 23:59:59)
				return 0, fmt.Errorf("bad date %q (want YYYY-MM-DD: dates are whole days, %s..; a time of day goes under times)", s, d)
			}
		}
		return 0, fmt.Errorf("bad date %q (want YYYY-MM-DD)", s)
	}
	return civilDay(t.Date()), nil
}

// datePattern reads YYYY-MM-DD's three numbers whether or not they make a date.
func datePattern(s string) (y, m, d int, ok bool) {
	if len(s) != 10 {
		return 0, 0, 0, false
	}
	for i := range len(s) {
		if i == 4 || i == 7 {
			if s[i] != '-' {
				return 0, 0, 0, false
			}
		} else if s[i] < '0' || s[i] > '9' {
			return 0, 0, 0, false
		}
	}
	y, _ = strconv.Atoi(s[:4])
	m, _ = strconv.Atoi(s[5:7])
	d, _ = strconv.Atoi(s[8:])
	return y, m, d, true
}

// maxNeverDays bounds the days never looks at in a window's dates: a span of dates longer
// than this is taken to hold an open day (ten years of days with none is not a mistake worth
// the time to find).
const maxNeverDays = 3660

// never says why a rule's hours cannot be what the operator meant, or returns "": a window of
// dates none of which is open (each on a weekday the window lacks, or an off holiday), which
// never applies (with outside, always), or, with outside, a window that is never closed
// (every day, all day), which never applies. A rule whose dates have all passed is not one of
// these: it applied once (that is a warning: passed).
func (w *window) never() string {
	if len(w.dates) > 0 {
		seen := 0
		for _, r := range w.dates {
			for d := r.from; d <= r.to; d++ {
				// day 0, 1970-01-01, was a Thursday
				if seen++; seen > maxNeverDays || w.dayOpen(d, time.Weekday((int(d)%7+11)%7)) {
					return ""
				}
			}
		}
		const none = "hours: never open: none of its dates falls on one of its weekdays (or is a working holiday, 调休)"
		if w.outside {
			return none + ", so with outside: true the rule applies at all times (leave hours out if that is meant)"
		}
		return none + "; the rule would never apply"
	}
	if !w.outside || w.weekdays != 0 && w.weekdays != 0x7f {
		return ""
	}
	for _, off := range w.holidays {
		if off {
			return "" // closed all day on an off holiday
		}
	}
	var covered [24 * 60]bool
	for _, s := range w.times {
		if s.start < s.end {
			for m := s.start; m < s.end; m++ {
				covered[m] = true
			}
			continue
		}
		// across midnight: every day is open, so the part after midnight is open every day too
		for m := s.start; m < 24*60; m++ {
			covered[m] = true
		}
		for m := int16(0); m < s.end; m++ {
			covered[m] = true
		}
	}
	if len(w.times) > 0 && slices.Contains(covered[:], false) {
		return ""
	}
	return "hours: outside: true, but the window is never closed (every day, all day); the rule would never apply"
}
