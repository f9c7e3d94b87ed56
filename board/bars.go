package board

import (
	"fmt"
	"html/template"
	"math"
	"strings"
)

// Bar is one row of a BarChart.
type Bar struct {
	Label string
	Value float64 // NaN and ±Inf draw no bar (NaN reads "–" in the formats here)
	Color string  // as Series.Color; "" = the chart's first colour
	Note  string  // shown after the value ("3.2% 未识别")
	// Low and High are an interval around Value (a 95 % confidence interval), drawn as a
	// whisker when both are finite and Low < High; the zero values draw none.
	Low, High float64
}

// Bars is what BarChart draws: horizontal bars, one per item, in the given order. The zero
// Width means 640; Format nil means Count.
type Bars struct {
	Title  string
	Items  []Bar
	Format func(float64) string
	Width  int
	// Min and Max bound the value axis (a rating's 1–5): bars start at Min. Max 0 (or not
	// above Min) means the largest value; values outside are drawn at the edge.
	Min, Max float64
	// Text is the size of the labels and values in SVG units (the title's is 13/11 of it, and
	// rows grow with it); zero means 11.
	Text float64
	// Stacked writes each item's label and value on a line of their own above its bar, which
	// then takes the chart's whole width: for a chart drawn narrow (a phone's, Phone), where a
	// column of labels and one of values would leave the bars no room.
	Stacked bool
}

// BarChart draws one horizontal bar per item, longest scale first as given, with the label on
// the left and the value (and note) on the right, as inline SVG; an item's interval is a
// whisker over its bar. The value column widens for long notes (to a third of the chart);
// labels and values that do not fit are shortened, and the full text is in the tooltip. The
// SVG is an image (role="img") named by the title, and its <desc> lists every item's value
// for a screen reader.
func BarChart(c Bars) template.HTML {
	w := float64(c.Width)
	if w <= 0 {
		w = 640
	}
	w = max(w, 320)
	format := c.Format
	if format == nil {
		format = Count
	}
	s := textScale(c.Text, 11)
	row, top, font := 22*s, 28*s, 11*s
	h := top + row*float64(len(c.Items)) + 8
	values := make([]string, len(c.Items))
	valueW := 150.0
	for i, it := range c.Items {
		values[i] = format(it.Value)
		if it.Note != "" {
			values[i] += " · " + it.Note
		}
		valueW = max(valueW, textWidth(values[i], font)+8)
	}
	valueW = min(valueW, max(150, w/3))
	left, right := 150.0, w-valueW
	line := 1.3 * font // Stacked: the label's line above each bar
	if c.Stacked {
		row = line + 20*s
		h = top + row*float64(len(c.Items)) + 4
		left, right = 4, w-4
	}
	lo, hi := c.Min, c.Max
	if !finite(lo) {
		lo = 0
	}
	if !finite(hi) || hi <= lo {
		hi = lo
		for _, it := range c.Items {
			if !math.IsInf(it.Value, 0) && it.Value > hi {
				hi = it.Value
			}
		}
		if hi <= lo {
			hi = lo + 1
		}
	}
	// x maps a value to the plot, clamped to its edges; no value is the plot's left edge.
	x := func(v float64) float64 {
		if !finite(v) {
			v = lo
		}
		return left + (right-left)*math.Max(0, math.Min(1, (v-lo)/(hi-lo)))
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s"><desc>%s</desc>`,
		w, h, w, h, esc(c.Title), esc(describeBars(&c, values)))
	fmt.Fprintf(&b, `<text x="4" y="%s" font-size="%s" font-weight="bold">%s</text>`, num(16*s), num(13*s), esc(clipWidth(c.Title, w-8, 13*s)))
	first := color("", 0)
	if len(c.Items) > 0 {
		first = color(c.Items[0].Color, 0)
	}
	for i, it := range c.Items {
		y := top + row*float64(i)
		end := x(it.Value) // the bar's end; the value is written after it, or after the whisker
		col := first
		if colorRe.MatchString(it.Color) {
			col = it.Color
		}
		bar, barH := y+3*s, row-6*s // the bar's top and height
		if c.Stacked {
			bar, barH = y+line, 12*s
			// the label in bold, then the value, shortened to the line: the label to what the
			// value leaves it, but never under 45 % of it
			avail := w - 8
			label := clipWidth(it.Label, max(avail-textWidth("："+values[i], font), 0.45*avail), 1.05*font)
			value := clipWidth(values[i], avail-textWidth(label, 1.05*font)-font, font)
			fmt.Fprintf(&b, `<g><title>%s: %s</title><text x="4" y="%.1f" font-size="%s"><tspan font-weight="bold">%s</tspan>：%s</text>`,
				esc(it.Label), esc(values[i]), y+font, num(font), esc(label), esc(value))
		} else {
			fmt.Fprintf(&b, `<g><title>%s: %s</title><text x="%.1f" y="%.1f" font-size="%s" text-anchor="end">%s</text>`,
				esc(it.Label), esc(values[i]), left-6, y+13*s, num(font), esc(clipWidth(it.Label, left-10, font)))
		}
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`, left, bar, end-left, barH, col)
		if finite(it.Low) && finite(it.High) && it.Low < it.High {
			x0, x1, mid := x(it.Low), x(it.High), bar+barH/2
			// a white halo first, so that the whisker stands out on any bar's colour
			fmt.Fprintf(&b, `<path d="M%.1f %.1fH%.1fM%.1f %.1fV%.1fM%.1f %.1fV%.1f" fill="none" stroke="#fff" stroke-width="4"/>`,
				x0, mid, x1, x0, mid-5*s, mid+5*s, x1, mid-5*s, mid+5*s)
			fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#222" stroke-width="1.5"/>`, x0, x1, mid, mid)
			for _, e := range []float64{x0, x1} {
				fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#222" stroke-width="1.5"/>`, e, e, mid-5*s, mid+5*s)
			}
			end = max(end, x1)
		}
		if !c.Stacked {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="%s">%s</text>`, end+4, y+13*s, num(font), esc(clipWidth(values[i], w-end-6, font)))
		}
		b.WriteString(`</g>`)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
