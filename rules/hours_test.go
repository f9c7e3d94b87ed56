package rules

import (
	"strings"
	"testing"
	"time"
)

// hoursSet compiles one rule that matches every message at the given hours block (YAML flow
// mapping) under a file-level prefix (tz, holidays), with a clock fixed at now.
func hoursSet(t *testing.T, prefix, hours string, now *time.Time) *Set {
	t.Helper()
	src := "version: 1\n" + prefix + "rules:\n  - id: r\n    match: {any: true}\n    hours: " + hours + "\n    action: {silent: true}\n"
	s, err := Parse([]byte(src), "rules.yaml", Options{Now: func() time.Time { return *now }})
	if err != nil {
		t.Fatalf("Parse:\n%s\n%v", src, err)
	}
	return s
}

func TestHours(t *testing.T) {
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	newYork, _ := time.LoadLocation("America/New_York")
	// at parses a wall-clock time in loc: "2026-11-13 22:59" (2026-11-13 is a Friday).
	at := func(loc *time.Location, s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	type check struct {
		at   string
		loc  *time.Location
		want bool
	}
	tests := []struct {
		name, prefix, hours string
		checks              []check
	}{
		{"office hours, Shanghai by default", "", `{times: ["09:00-23:00"]}`, []check{
			{"2026-11-13 08:59", shanghai, false},
			{"2026-11-13 09:00", shanghai, true},
			{"2026-11-13 22:59", shanghai, true},
			{"2026-11-13 23:00", shanghai, false}, // the end is exclusive
			// 09:30 in New York is 22:30 in Shanghai: open; 11:30 there is 00:30 here: closed.
			{"2026-11-13 09:30", newYork, true},
			{"2026-11-13 11:30", newYork, false},
		}},
		{"after hours", "", `{times: ["09:00-23:00"], outside: true}`, []check{
			{"2026-11-13 08:59", shanghai, true},
			{"2026-11-13 09:00", shanghai, false},
			{"2026-11-13 23:00", shanghai, true},
			{"2026-11-14 03:00", shanghai, true},
		}},
		{"another zone for the rule", "", `{tz: America/New_York, times: ["09:00-17:00"]}`, []check{
			{"2026-11-13 09:00", newYork, true},
			{"2026-11-13 21:59", shanghai, false}, // 08:59 in New York
			{"2026-11-13 22:00", shanghai, true},  // 09:00 in New York
		}},
		{"the file's zone", "tz: America/New_York\n", `{times: ["09:00-17:00"]}`, []check{
			{"2026-11-13 16:59", newYork, true},
			{"2026-11-13 17:00", newYork, false},
		}},
		{"weekdays", "", `{weekdays: [mon-fri], times: ["09:00-18:00"]}`, []check{
			{"2026-11-13 17:59", shanghai, true},  // Friday
			{"2026-11-14 10:00", shanghai, false}, // Saturday
			{"2026-11-16 09:00", shanghai, true},  // Monday
			// Friday 20:00 in New York is already Saturday 09:00 in Shanghai: closed.
			{"2026-11-13 20:00", newYork, false},
		}},
		{"weekday names in Chinese and a wrapping range", "", `{weekdays: [周五至周一]}`, []check{
			{"2026-11-12 12:00", shanghai, false}, // Thursday
			{"2026-11-13 00:00", shanghai, true},  // Friday
			{"2026-11-15 23:59", shanghai, true},  // Sunday
			{"2026-11-16 12:00", shanghai, true},  // Monday
			{"2026-11-17 00:00", shanghai, false}, // Tuesday
		}},
		{"a range across midnight belongs to the day it starts", "", `{weekdays: [fri], times: ["22:00-02:00"]}`, []check{
			{"2026-11-13 21:59", shanghai, false}, // Friday
			{"2026-11-13 22:00", shanghai, true},
			{"2026-11-14 01:59", shanghai, true},  // Saturday, still Friday's night
			{"2026-11-14 02:00", shanghai, false}, // end exclusive
			{"2026-11-14 22:30", shanghai, false}, // Saturday night is not open
			{"2026-11-13 01:00", shanghai, false}, // Friday 01:00 belongs to Thursday night
		}},
		{"24:00 ends a day", "", `{times: ["18:00-24:00"]}`, []check{
			{"2026-11-13 23:59", shanghai, true},
			{"2026-11-14 00:00", shanghai, false},
		}},
		{"several ranges", "", `{times: ["09:00-12:00", "13:30-18:00"]}`, []check{
			{"2026-11-13 12:30", shanghai, false},
			{"2026-11-13 13:30", shanghai, true},
		}},
		{"a date range", "", `{dates: [2026-11-01..2026-11-11]}`, []check{
			{"2026-10-31 23:59", shanghai, false},
			{"2026-11-01 00:00", shanghai, true},
			{"2026-11-11 23:59", shanghai, true},
			{"2026-11-12 00:00", shanghai, false},
			// 2026-11-11 12:00 in New York is already the 12th in Shanghai.
			{"2026-11-11 12:00", newYork, false},
		}},
		{"dates and times", "", `{dates: ["2026-11-11", 2026-12-12], times: ["20:00-02:00"]}`, []check{
			{"2026-11-11 20:00", shanghai, true},
			{"2026-11-12 01:00", shanghai, true}, // the night of the 11th
			{"2026-11-12 20:00", shanghai, false},
			{"2026-12-12 21:00", shanghai, true},
		}},
		{"holidays close the window and working days open it", "holidays:\n  - {date: 2026-10-01..2026-10-07, name: 国庆}\n  - {date: 2026-10-10, off: false, name: 调休}\n",
			`{weekdays: [mon-fri], times: ["09:00-18:00"]}`, []check{
				{"2026-09-30 10:00", shanghai, true},  // Wednesday
				{"2026-10-01 10:00", shanghai, false}, // Thursday, a holiday
				{"2026-10-07 17:00", shanghai, false},
				{"2026-10-08 10:00", shanghai, true},
				{"2026-10-10 10:00", shanghai, true},  // Saturday worked
				{"2026-10-11 10:00", shanghai, false}, // Sunday
			}},
		{"after hours all day on a holiday", "holidays: [{date: 2027-02-06..2027-02-12, name: 春节}]\n",
			`{times: ["09:00-23:00"], outside: true}`, []check{
				{"2027-02-05 12:00", shanghai, false},
				{"2027-02-06 12:00", shanghai, true},
				{"2027-02-12 12:00", shanghai, true},
				{"2027-02-13 12:00", shanghai, false},
			}},
		{"dates alone stay open on holidays", "holidays: [{date: 2027-02-06..2027-02-12, name: 春节}]\n",
			`{dates: [2027-02-06..2027-02-12]}`, []check{
				{"2027-02-05 12:00", shanghai, false},
				{"2027-02-08 12:00", shanghai, true},
				{"2027-02-12 23:00", shanghai, true},
			}},
		// What a Chinese input method types: full-width digits, colon, hyphen and space read as
		// their ASCII forms (the full-width colon alone used to be taken).
		{"full-width times", "", `{times: ["９：００-２３：００"]}`, []check{
			{"2026-11-13 08:59", shanghai, false},
			{"2026-11-13 09:00", shanghai, true},
			{"2026-11-13 22:59", shanghai, true},
			{"2026-11-13 23:00", shanghai, false},
		}},
		{"full-width times with a full-width hyphen, across midnight", "", `{times: ["２２：００－０２：００"]}`, []check{
			{"2026-11-13 21:59", shanghai, false},
			{"2026-11-13 22:00", shanghai, true},
			{"2026-11-14 01:59", shanghai, true},
			{"2026-11-14 02:00", shanghai, false},
		}},
		{"full-width dates across the new year", "", `{dates: ["２０２６－１２－２８..２０２７－０１－０３"], weekdays: [ｍｏｎ－ｆｒｉ]}`, []check{
			{"2026-12-27 12:00", shanghai, false}, // Sunday, before the dates
			{"2026-12-28 00:00", shanghai, true},  // Monday
			{"2026-12-31 23:59", shanghai, true},
			{"2027-01-01 00:00", shanghai, true},  // Friday, in the new year
			{"2027-01-02 12:00", shanghai, false}, // Saturday
			{"2027-01-04 00:00", shanghai, false}, // past the dates
		}},
		{"a rule's own holidays override the file's", "holidays: [{date: 2026-10-01}]\n",
			`{times: ["09:00-18:00"], holidays: [{date: 2026-10-01, off: false}, {date: 2026-10-02}]}`, []check{
				{"2026-10-01 10:00", shanghai, true},
				{"2026-10-02 10:00", shanghai, false},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var now time.Time
			s := hoursSet(t, tt.prefix, tt.hours, &now)
			for _, c := range tt.checks {
				tm := at(c.loc, c.at)
				// The same moment through the injected clock and through sent_at.
				now = tm
				byClock := s.Match(&Input{Text: "在吗"}) != nil
				bySentAt := s.Match(&Input{Text: "在吗", SentAt: tm.UnixMilli()}) != nil
				if byClock != c.want || bySentAt != c.want {
					t.Errorf("%s %s: applies (clock %v, sent_at %v), want %v", c.at, c.loc, byClock, bySentAt, c.want)
				}
			}
		})
	}
}

func TestSentAtBeatsClock(t *testing.T) {
	now := time.Date(2026, 11, 13, 3, 0, 0, 0, time.UTC) // 11:00 in Shanghai
	s := hoursSet(t, "", `{times: ["09:00-23:00"], outside: true}`, &now)
	if s.Match(&Input{Text: "在吗"}) != nil {
		t.Errorf("11:00 by the clock: after-hours rule applied")
	}
	night := time.Date(2026, 11, 13, 17, 0, 0, 0, time.UTC) // 01:00 in Shanghai
	if s.Match(&Input{Text: "在吗", SentAt: night.UnixMilli()}) == nil {
		t.Errorf("sent at 01:00: after-hours rule did not apply")
	}
}

func TestParseHoursErrors(t *testing.T) {
	f := func(hours, want string) {
		t.Helper()
		src := "version: 1\nrules:\n  - id: r\n    match: {any: true}\n    hours: " + hours + "\n    action: {silent: true}\n"
		_, err := Parse([]byte(src), "rules.yaml", Options{})
		if err == nil || !strings.Contains(err.Error(), "rules.yaml:5: ") || !strings.Contains(err.Error(), want) {
			t.Errorf("hours %s: error %v, want rules.yaml:5 and %q", hours, err, want)
		}
	}
	f(`{times: ["9:00-25:00"]}`, `bad time "25:00"`)
	f(`{times: ["09:60-10:00"]}`, `bad time "09:60"`)
	f(`{times: ["24:00-02:00"]}`, `bad time "24:00"`)
	f(`{times: ["09:00"]}`, "want HH:MM-HH:MM")
	f(`{times: ["9-18"]}`, `bad time "9"`)
	f(`{times: ["全天"]}`, "all day: leave times out, or 00:00-24:00") // a keyword bot's 生效时间
	f(`{dates: ["2026-10-24 00:00:00 至 2026-11-11 23:59:59"]}`, `bad date "2026-10-24 00:00:00" (want YYYY-MM-DD: dates are whole days, 2026-10-24..; a time of day goes under times)`)
	f(`{times: ["10:00-10:00"]}`, "is empty")
	f(`{weekdays: [funday]}`, `unknown weekday "funday"`)
	f(`{weekdays: [mon-xyz]}`, `unknown weekday "xyz"`)
	// a date of the right form that is not on the calendar says so, not "want YYYY-MM-DD"
	f(`{dates: [2026-02-30]}`, `no such date "2026-02-30": 2026-02 has 28 days, not 30`)
	f(`{dates: [2027-02-05..2027-02-30]}`, `no such date "2027-02-30": 2027-02 has 28 days, not 30`)
	f(`{dates: [2026-11-31]}`, `no such date "2026-11-31": 2026-11 has 30 days, not 31`)
	f(`{dates: [2026-13-01]}`, `no such date "2026-13-01": there is no month 13`)
	f(`{holidays: [{date: 2027-02-29}]}`, `no such date "2027-02-29": 2027-02 has 28 days, not 29`)
	f(`{times: ["９：００-２５：００"]}`, `time range "９：００-２５：００": bad time "25:00"`)
	f(`{dates: [2026-11-11..2026-11-01]}`, "ends before it starts")
	f(`{dates: [11/11/2026]}`, "want YYYY-MM-DD")
	f(`{tz: Mars/Olympus, times: ["09:00-18:00"]}`, `unknown time zone "Mars/Olympus"`)
	f(`{tz: Local, times: ["09:00-18:00"]}`, `unknown time zone "Local"`)
	f(`{outside: true}`, "hours: no weekdays, times, dates or holidays")
	f(`{holidays: [{date: 2026-10-01..2028-10-01}]}`, "spans more than a year")
	f(`{times: ["09:00-18:00"], when: always}`, "field when unknown in hours")
	// Hours that can never be what was meant: they loaded, and the rule silently never applied
	// (or, with outside, always did).
	f(`{weekdays: [sat-sun], dates: [2026-12-07]}`, "never open: none of its dates falls on one of its weekdays") // a Monday
	f(`{weekdays: [mon-fri], dates: [2026-10-01..2026-10-02], holidays: [{date: 2026-10-01..2026-10-07}]}`, "never open")
	f(`{weekdays: [mon], dates: [2026-12-12], outside: true}`, "with outside: true the rule applies at all times")
	f(`{times: ["00:00-24:00"], outside: true}`, "window is never closed")
	f(`{times: ["09:00-23:00", "22:00-09:30"], outside: true}`, "window is never closed")
	f(`{weekdays: [mon-sun], outside: true}`, "window is never closed")
}

// TestParseHoursThatCanApply: windows near the refused ones, which open (or close) at some
// time, load; so do dates that have all passed.
func TestParseHoursThatCanApply(t *testing.T) {
	now := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	for _, hours := range []string{
		`{weekdays: [sat], dates: [2026-12-07..2026-12-12]}`,
		`{weekdays: [mon-fri], dates: [2026-10-11], holidays: [{date: 2026-10-11, off: false}]}`, // 调休 on a Sunday
		`{times: ["00:00-24:00"], outside: true, holidays: [{date: 2026-10-01}]}`,
		`{times: ["09:00-23:00", "23:00-08:59"], outside: true}`,
		`{weekdays: [mon-sat], outside: true}`,
		`{dates: [2020-01-01]}`,
		`{dates: [1969-12-28], weekdays: [sun]}`,
	} {
		hoursSet(t, "", hours, &now)
	}
}

func TestCivilDay(t *testing.T) {
	for _, d := range []time.Time{
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC),
		time.Date(2000, 2, 29, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 11, 11, 0, 0, 0, 0, time.UTC),
		time.Date(2100, 3, 1, 0, 0, 0, 0, time.UTC),
	} {
		want := int32(d.Unix() / 86400)
		if d.Unix() < 0 {
			want = int32((d.Unix() - 86399) / 86400)
		}
		if got := civilDay(d.Date()); got != want {
			t.Errorf("civilDay(%s) = %d, want %d", d.Format("2006-01-02"), got, want)
		}
	}
}

func TestParseWeekdays(t *testing.T) {
	f := func(s string, want ...time.Weekday) {
		t.Helper()
		bits, err := parseWeekdays(s)
		var w uint8
		for _, d := range want {
			w |= 1 << d
		}
		if err != nil || bits != w {
			t.Errorf("parseWeekdays(%q) = %07b, %v; want %07b", s, bits, err, w)
		}
	}
	f("mon", time.Monday)
	f("Sat", time.Saturday)
	f("mon-fri", time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday)
	f("周六~周日", time.Saturday, time.Sunday)
	f("星期天", time.Sunday)
	f("sun - mon", time.Sunday, time.Monday)
}

// TestEveryBadTimeZoneReported: a time-zone typo repeated in two rules is reported at each, with
// the rule's id. Before, the failed lookup was cached and only the first line was named: the
// operator fixed it, reloaded, and was refused again for the other.
func TestEveryBadTimeZoneReported(t *testing.T) {
	src := `version: 1
tz: Asia/Peking
rules:
  - id: a
    match: {any: true}
    hours: {tz: Asia/Beijing, times: ["09:00-18:00"]}
    action: {silent: true}
  - id: b
    match: {any: true}
    hours: {tz: Asia/Beijing, times: ["09:00-18:00"]}
    action: {silent: true}
  - id: c
    match: {any: true}
    hours: {times: ["09:00-18:00"]}
    action: {silent: true}
`
	_, err := Parse([]byte(src), "rules.yaml", Options{})
	if err == nil {
		t.Fatal("an unknown time zone loads")
	}
	for _, want := range []string{
		`rules.yaml:2: unknown time zone "Asia/Peking"`,
		`rules.yaml:6: rule "a": hours.tz: unknown time zone "Asia/Beijing"`,
		`rules.yaml:10: rule "b": hours.tz: unknown time zone "Asia/Beijing"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %s:\n%v", want, err)
		}
	}
	// the file's tz is named once, at its own line, not again for each rule that inherits it
	if n := strings.Count(err.Error(), "Asia/Peking"); n != 1 {
		t.Errorf("the file's tz is reported %d times:\n%v", n, err)
	}
}

// TestHoursWarnings: hours that load but are seldom what the operator meant are warnings at the
// hours' line: dates that have all passed (judged in the rule's time zone, a range across
// midnight running into the morning after its last day), and outside: true beside dates and
// times, which also applies all day on every other day of the year.
func TestHoursWarnings(t *testing.T) {
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	cst := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, shanghai)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	const (
		passed  = `rules.yaml:5: rule "r": hours: every one of its dates has passed (the last was `
		otherDs = `rules.yaml:5: rule "r": hours: outside: true applies while the window is closed, and it is closed all day on every day but `
	)
	tests := []struct {
		name, rule string // the rule's lines after its match
		now        time.Time
		want       []string // substrings of the warnings, in order; none when empty
	}{
		{"a promotion last year", `hours: {dates: [2025-11-11]}`, cst("2026-12-07 12:00"),
			[]string{passed + `2025-11-11): the rule will never apply again`}},
		{"its last minute", `hours: {dates: [2026-12-10..2026-12-12]}`, cst("2026-12-12 23:59"), nil},
		{"the minute after", `hours: {dates: [2026-12-10..2026-12-12]}`, cst("2026-12-13 00:00"),
			[]string{passed + `2026-12-12)`}},
		// the machine runs UTC: 16:00 UTC on the 12th is already the 13th in Shanghai
		{"judged in the rule's zone, not the machine's", `hours: {dates: [2026-12-10..2026-12-12]}`,
			time.Date(2026, 12, 12, 16, 0, 0, 0, time.UTC), []string{passed + `2026-12-12)`}},
		{"before that in UTC", `hours: {dates: [2026-12-10..2026-12-12]}`,
			time.Date(2026, 12, 12, 15, 59, 0, 0, time.UTC), nil},
		{"a night across midnight still runs", `hours: {dates: [2026-12-12], times: ["22:00-02:00"]}`, cst("2026-12-13 01:59"), nil},
		{"and then ends", `hours: {dates: [2026-12-12], times: ["22:00-02:00"]}`, cst("2026-12-13 02:00"),
			[]string{passed + `2026-12-12)`}},
		{"with outside, passed dates mean always", `hours: {dates: [2025-11-11], outside: true}`, cst("2026-12-07 12:00"),
			[]string{passed + `2025-11-11), so with outside: true the rule now applies at all times`}},
		{"a disabled rule is kept on purpose", "hours: {dates: [2025-11-11]}\n    enabled: false", cst("2026-12-07 12:00"), nil},
		{"dates to come", `hours: {dates: [2027-02-05..2027-02-08]}`, cst("2026-12-07 12:00"), nil},
		{"reduced hours written with outside", `hours: {dates: [2027-02-09..2027-02-11], times: ["10:00-18:00"], outside: true}`, cst("2026-12-07 12:00"),
			[]string{otherDs + `2027-02-09..2027-02-11: the rule applies on all those other days too, at any hour; for the closed hours of its dates alone, write times: ["00:00-10:00", "18:00-24:00"] and leave out outside`}},
		{"several dates and ranges", `hours: {dates: [2026-12-24, 2026-12-31, 2027-02-09..2027-02-11, 2027-05-01], times: ["09:00-12:00", "13:00-18:00"], outside: true}`, cst("2026-12-07 12:00"),
			[]string{otherDs + `2026-12-24, 2026-12-31, 2027-02-09..2027-02-11, …: the rule applies on all those other days too, at any hour; for the closed hours of its dates alone, write times: ["00:00-09:00", "12:00-13:00", "18:00-24:00"]`}},
		{"a range across midnight gets no suggestion", `hours: {dates: [2027-02-09..2027-02-11], times: ["22:00-02:00"], outside: true}`, cst("2026-12-07 12:00"),
			[]string{otherDs + `2027-02-09..2027-02-11: the rule applies on all those other days too, at any hour` + "\x00"}},
		{"both", `hours: {dates: [2025-02-09..2025-02-11], times: ["10:00-18:00"], outside: true}`, cst("2026-12-07 12:00"),
			[]string{passed + `2025-02-11), so with outside: true`, otherDs + `2025-02-09..2025-02-11`}},
		// what the operator means by outside: weekdays' closed hours, the weekend all day
		{"weekdays with outside", `hours: {weekdays: [mon-fri], times: ["09:00-18:00"], outside: true}`, cst("2026-12-07 12:00"), nil},
		{"the closed hours of the dates, written as times", `hours: {dates: [2027-02-09..2027-02-11], times: ["00:00-10:00", "18:00-24:00"]}`, cst("2026-12-07 12:00"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "version: 1\nrules:\n  - id: r\n    match: {any: true}\n    " + tt.rule + "\n    action: {silent: true}\n"
			s, err := Parse([]byte(src), "rules.yaml", Options{Now: func() time.Time { return tt.now }})
			if err != nil {
				t.Fatalf("Parse:\n%s\n%v", src, err)
			}
			got := s.Warnings()
			if len(got) != len(tt.want) {
				t.Fatalf("warnings %q, want %d", got, len(tt.want))
			}
			for i, w := range tt.want {
				// a trailing NUL: the warning ends there
				if end := strings.TrimSuffix(w, "\x00"); end != w {
					if !strings.HasSuffix(got[i], end) {
						t.Errorf("warning %q, want it to end %q", got[i], end)
					}
					w = end
				}
				if !strings.Contains(got[i], w) {
					t.Errorf("warning %q, want %q", got[i], w)
				}
			}
		})
	}
}
