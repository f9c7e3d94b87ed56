package rules

import (
	"fmt"
	"strings"
	"time"
)

// passed says, when every one of the window's dates is over at now (and the part after midnight
// of a range that crosses it, which belongs to the last day), that the rule will never apply
// again, or with outside that it now applies at all times; "" while a date is to come, or
// without dates. Not an error: the file served while the dates ran, and a rule kept for next
// year loads (enabled: false silences the warning).
func (w *window) passed(now time.Time) string {
	if len(w.dates) == 0 {
		return ""
	}
	last := w.dates[0].to
	for _, r := range w.dates[1:] {
		last = max(last, r.to)
	}
	closesAt := int16(0) // the minute of the day after the last at which the window is shut for good
	for _, s := range w.times {
		if s.start > s.end {
			closesAt = max(closesAt, s.end)
		}
	}
	lt := now.In(w.loc)
	y, m, d := lt.Date()
	today := civilDay(y, m, d)
	hh, mm, _ := lt.Clock()
	if today <= last || today == last+1 && int16(hh*60+mm) < closesAt {
		return ""
	}
	if w.outside {
		return fmt.Sprintf("hours: every one of its dates has passed (the last was %s), so with outside: true the rule now applies at all times; delete it, or set enabled: false to keep it", dayString(last))
	}
	return fmt.Sprintf("hours: every one of its dates has passed (the last was %s): the rule will never apply again; delete it, or set enabled: false to keep it for next time", dayString(last))
}

// outsideOtherDays warns of outside: true beside dates and times. The window is closed all day
// on every day but its dates, so the rule applies on all of those days too, at any hour: written
// for the closed hours of 初四 to 初六 (dates, times 10:00-18:00, outside), it would answer "closed"
// at noon all year. The closed hours of the dates alone are times without outside, which the
// message spells out.
func (w *window) outsideOtherDays() string {
	if !w.outside || len(w.dates) == 0 || len(w.times) == 0 {
		return ""
	}
	msg := fmt.Sprintf("hours: outside: true applies while the window is closed, and it is closed all day on every day but %s: the rule applies on all those other days too, at any hour", datesString(w.dates))
	if closed := w.closedTimes(); closed != "" {
		msg += fmt.Sprintf("; for the closed hours of its dates alone, write times: [%s] and leave out outside", closed)
	}
	return msg
}

// closedTimes is the complement of the window's times within a day, quoted as a file writes
// it ("00:00-10:00", "18:00-24:00"); "" when a range crosses midnight (whose part after midnight
// belongs to the day before) or nothing is left.
func (w *window) closedTimes() string {
	var open [24 * 60]bool
	for _, s := range w.times {
		if s.start > s.end {
			return ""
		}
		for m := s.start; m < s.end; m++ {
			open[m] = true
		}
	}
	var spans []string
	for m := 0; m < len(open); {
		if open[m] {
			m++
			continue
		}
		start := m
		for m < len(open) && !open[m] {
			m++
		}
		spans = append(spans, fmt.Sprintf("%q", clockString(start)+"-"+clockString(m)))
	}
	return strings.Join(spans, ", ")
}

func clockString(minute int) string { return fmt.Sprintf("%02d:%02d", minute/60, minute%60) }

// dayString writes a civil day as YYYY-MM-DD.
func dayString(day int32) string {
	return time.Unix(int64(day)*86400, 0).UTC().Format(time.DateOnly)
}

// datesString writes a window's dates as a file does, the first three of them.
func datesString(dates []dateRange) string {
	var parts []string
	for i, r := range dates {
		if i == 3 {
			parts = append(parts, "…")
			break
		}
		if r.from == r.to {
			parts = append(parts, dayString(r.from))
		} else {
			parts = append(parts, dayString(r.from)+".."+dayString(r.to))
		}
	}
	return strings.Join(parts, ", ")
}
