package rules

import (
	"time"

	"gopkg.in/yaml.v3"

	"github.com/zhiyi-ai/zhiyi/internal/yamlnode"
)

// hours compiles a rule's hours. What can never be meant fails (fail); what loads but is
// seldom meant is a warning (warn): dates that have all passed at Options.Now, and outside: true
// beside dates and times, which applies on every other day too.
func (c *compiler) hours(d *hoursDoc, n, parent *yaml.Node, fail, warn func(int, string, ...any)) *window {
	line := yamlnode.Line(n, parent)
	before := len(c.errs)
	w := &window{outside: d.Outside}
	tz := c.tz
	if d.TZ != "" {
		tz = d.TZ
	}
	if w.loc = c.location(tz); w.loc == nil {
		if d.TZ != "" { // the file's tz is reported once, at its own line
			fail(yamlnode.Line(yamlnode.Value(n, "tz"), n), "hours.tz: %s", unknownTZ(tz))
		}
		w.loc = time.UTC // keep checking the rest
	}
	each := func(field string, vals []string, parse func(string) error) {
		ln := yamlnode.Value(n, field)
		for j, v := range vals {
			if err := parse(v); err != nil {
				fail(yamlnode.Line(yamlnode.Item(ln, j), yamlnode.Or(ln, n)), "hours.%s: %v", field, err)
			}
		}
	}
	each("weekdays", d.Weekdays, func(v string) error {
		bits, err := parseWeekdays(v)
		w.weekdays |= bits
		return err
	})
	each("times", d.Times, func(v string) error {
		s, err := parseSpan(v)
		w.times = append(w.times, s)
		return err
	})
	each("dates", d.Dates, func(v string) error {
		r, err := parseDates(v)
		w.dates = append(w.dates, r)
		return err
	})
	w.holidays = c.holidayMap(d.Holidays, yamlnode.Value(n, "holidays"), n, c.holidays)
	if len(d.Weekdays)+len(d.Times)+len(d.Dates)+len(d.Holidays)+len(c.holidays) == 0 {
		fail(line, "hours: no weekdays, times, dates or holidays (leave hours out for a rule that applies at all times)")
	} else if len(c.errs) == before {
		if msg := w.never(); msg != "" {
			fail(line, "%s", msg)
		} else {
			now := time.Now
			if c.opt.Now != nil {
				now = c.opt.Now
			}
			if msg := w.passed(now()); msg != "" {
				warn(line, "%s", msg)
			}
			if msg := w.outsideOtherDays(); msg != "" {
				warn(line, "%s", msg)
			}
		}
	}
	return w
}

// holidayMap adds holiday entries to a copy of base (day → off).
func (c *compiler) holidayMap(list []holidayDoc, n, parent *yaml.Node, base map[int32]bool) map[int32]bool {
	hns := mappings(n, len(list), "holiday", c.fail)
	if len(list) == 0 {
		return base
	}
	m := make(map[int32]bool, len(base)+len(list))
	for k, v := range base {
		m[k] = v
	}
	for j, h := range list {
		hn := hns[j]
		r, err := parseDates(h.Date)
		if err != nil {
			c.fail(yamlnode.Line(yamlnode.Value(hn, "date"), yamlnode.Or(hn, parent)), "holidays: %v", err)
			continue
		}
		off := h.Off == nil || *h.Off
		if r.to-r.from > 366 {
			c.fail(yamlnode.Line(yamlnode.Value(hn, "date"), yamlnode.Or(hn, parent)), "holidays: %q spans more than a year", h.Date)
			continue
		}
		for d := r.from; d <= r.to; d++ {
			m[d] = off
		}
	}
	return m
}
