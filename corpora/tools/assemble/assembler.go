package main

import (
	"math/rand/v2"
	"slices"
	"time"
)

type assembler struct {
	rng *rand.Rand
	ids map[string]bool // every generated id, to keep them unique
	seq int
}

// startTimes draws n conversation start times (unix ms), sorted.
func (a *assembler) startTimes(n int) []int64 {
	var days []time.Time
	var cum []float64
	total := 0.0
	for d := periodStart; d.Before(periodEnd); d = d.AddDate(0, 0, 1) {
		w := 1.0
		if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
			w = 1.15
		}
		if d.Month() == time.September {
			switch d.Day() {
			case 8, 13:
				w = 1.8
			case 9, 12:
				w = 2.6
			case 10, 11:
				w = 3.2
			}
		}
		total += w
		days = append(days, d)
		cum = append(cum, total)
	}
	hourTotal := 0.0
	for _, w := range hourWeight {
		hourTotal += w
	}
	out := make([]int64, n)
	for i := range out {
		x := a.rng.Float64() * total
		d := days[min(len(days)-1, sortSearch(cum, x))]
		y := a.rng.Float64() * hourTotal
		h := 0
		for ; h < 23 && y >= hourWeight[h]; h++ {
			y -= hourWeight[h]
		}
		t := d.Add(time.Duration(h)*time.Hour + time.Duration(a.rng.Int64N(int64(time.Hour))))
		out[i] = t.UnixMilli()
	}
	slices.Sort(out)
	return out
}

// sortSearch returns the first index with cum[i] > x.
func sortSearch(cum []float64, x float64) int {
	i, _ := slices.BinarySearch(cum, x)
	for i < len(cum) && cum[i] <= x {
		i++
	}
	return i
}

func (a *assembler) channel() channel {
	switch x := a.rng.Float64(); {
	case x < 0.60:
		return chWeCom
	case x < 0.88:
		return chKf
	}
	return chCRM
}

const (
	idChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
	alnum   = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	digits  = "0123456789"
)

// uniqueID returns prefix plus n random characters of set, never repeating.
func (a *assembler) uniqueID(prefix, set string, n int) string {
	for {
		b := []byte(prefix)
		for range n {
			b = append(b, set[a.rng.IntN(len(set))])
		}
		if s := string(b); !a.ids[s] {
			a.ids[s] = true
			return s
		}
	}
}

func (a *assembler) randBytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(a.rng.UintN(256))
	}
	return b
}

// items lays out the lines of a conversation with noise and timestamps.
func (a *assembler) items(c *conversation, start int64, ch channel) []item {
	var its []item
	if ch == chKf && a.rng.Float64() < pEnter {
		its = append(its, item{kind: kEvent})
	}
	for i := range c.msgs {
		m := &c.msgs[i]
		its = append(its, item{kind: kText, customer: m.customer, msg: m})
		if ch == chCRM {
			continue
		}
		if ch == chWeCom && m.customer && a.rng.Float64() < pRecall {
			its = append(its, item{kind: kRecall, customer: true, recallOf: len(its) - 1})
		}
		switch x := a.rng.Float64(); {
		case x < pImage:
			its = append(its, item{kind: kImage, customer: true})
		case x < pImage+pVoice:
			its = append(its, item{kind: kVoice, customer: true})
		}
	}
	t := start + int64(a.rng.IntN(1000))
	for i := range its {
		if i > 0 {
			t += a.gap(its[i-1], its[i])
		}
		its[i].ms = t
	}
	if last := its[len(its)-1].ms; last >= periodEnd.UnixMilli() {
		shift := last - periodEnd.UnixMilli() + 1000 + a.rng.Int64N(3600_000)
		for i := range its {
			its[i].ms -= shift
		}
	}
	return its
}

// gap is the time in ms between two consecutive lines of a conversation.
func (a *assembler) gap(prev, cur item) int64 {
	exp := func(minS, meanS, maxS float64) int64 {
		return int64(min(maxS, minS+a.rng.ExpFloat64()*meanS) * 1000)
	}
	var d int64
	switch {
	case prev.kind == kEvent:
		d = exp(1, 8, 60)
	case cur.kind == kRecall:
		d = exp(4, 25, 110)
	case cur.customer && prev.customer:
		d = exp(3, 12, 120)
	case cur.customer:
		d = exp(8, 50, 900)
	case prev.customer:
		d = exp(12, 40, 600)
		if a.rng.Float64() < 0.1 {
			d += exp(120, 240, 1500)
		}
	default:
		d = exp(4, 15, 90)
	}
	return d + int64(a.rng.IntN(1000))
}

func (a *assembler) record(ms int64, line []byte, it item) record {
	a.seq++
	r := record{ms: ms, seq: a.seq, line: line, kind: it.kind}
	if it.kind == kText && it.customer {
		r.msg, r.msgid = it.msg, it.msgid
	}
	return r
}
