package board

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/zhiyi-ai/zhiyi/internal/fnv64"
	"github.com/zhiyi-ai/zhiyi/internal/stat"
)

// Series is one line of a LineChart or one layer of a ColumnChart: a name for the legend, a
// colour, and one value per x label. NaN is "no value" (a rate whose denominator is zero): a
// gap in a line, nothing in a column.
type Series struct {
	Name   string
	Color  string // "#rgb" or "#rrggbb"; anything else (or "") takes the palette's next colour
	Values []float64
}

// Chart is what LineChart and ColumnChart draw: x labels, one value per label in each series,
// a y axis. The zero Width and Height mean 640×240; Format nil means Count.
type Chart struct {
	Title  string   // drawn above the plot; also the SVG's aria-label
	Labels []string // x labels, one per point; thinned to what fits
	Series []Series
	Format func(float64) string // y ticks and tooltips
	// Min and Max bound the y axis. Max 0 means from the data, rounded up to a round number;
	// values outside are drawn at the edge.
	Min, Max      float64
	Width, Height int
	// Text is the size of the axis labels in SVG units; the legend's is 1.1 times it and the
	// title's 1.3 times, and the margins grow with it. Zero means 10. A chart drawn narrow for
	// a phone sets it larger than a unit's share of the screen would give (Phone).
	Text float64
	// Plain leaves out the tooltips on points and columns, and a line's dots past 60 points:
	// for a phone, which has no pointer to hover with (the description still gives the
	// numbers), at half the size.
	Plain bool
}

// Count formats a number of messages: 950, 1.2k, 3.4万.
func Count(v float64) string {
	a := math.Abs(v)
	switch {
	case math.IsNaN(v):
		return "–"
	case a >= 1e4:
		return trimZero(strconv.FormatFloat(v/1e4, 'f', 1, 64)) + "万"
	case a >= 1e3:
		return trimZero(strconv.FormatFloat(v/1e3, 'f', 1, 64)) + "k"
	case v == math.Trunc(v):
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return trimZero(strconv.FormatFloat(v, 'f', 2, 64))
}

// Percent formats a share (0.125) as a percentage: 12.5%. A share strictly between 0 and 1
// that would round to 100 % or 0 % reads >99.9% or <0.1% (stat.PercentText).
func Percent(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return trimZero(stat.PercentText(v, 1)) + "%"
}

// Micros formats a latency given in microseconds: 85µs, 1.2ms, 2.5s.
func Micros(v float64) string {
	switch {
	case math.IsNaN(v):
		return "–"
	case v >= 1e6:
		return trimZero(strconv.FormatFloat(v/1e6, 'f', 2, 64)) + "s"
	case v >= 1e3:
		return trimZero(strconv.FormatFloat(v/1e3, 'f', 1, 64)) + "ms"
	}
	return strconv.FormatFloat(v, 'f', 0, 64) + "µs"
}

// Rating formats a mean rating (1–5): 4.25.
func Rating(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return trimZero(strconv.FormatFloat(v, 'f', 2, 64))
}

func trimZero(s string) string {
	if strings.IndexByte(s, '.') < 0 {
		return s
	}
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// esc escapes text for an SVG text node or attribute value: HTML's escapes (valid in XML too),
// and control characters, which XML 1.0 does not allow at all, dropped.
func esc(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	s = strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF {
			return -1
		}
		return r
	}, s)
	return template.HTMLEscapeString(s)
}

// clip shortens a label to n runes, ending it with "…".
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// textWidth estimates how wide s is drawn at a font size: wide (CJK) characters take an em,
// the others about 0.62 em, a sans-serif font's average — enough to keep text in its column.
func textWidth(s string, size float64) float64 {
	w := 0.0
	for _, r := range s {
		if wide(r) {
			w += size
		} else {
			w += 0.62 * size
		}
	}
	return w
}

// wide reports whether r is drawn an em wide: Hangul Jamo, CJK, Hangul, fullwidth forms.
func wide(r rune) bool {
	return r >= 0x1100 && r <= 0x115f || r >= 0x2e80 && r <= 0xa4cf || r >= 0xac00 && r <= 0xd7a3 ||
		r >= 0xf900 && r <= 0xfaff || r >= 0xfe30 && r <= 0xfe4f || r >= 0xff00 && r <= 0xff60 ||
		r >= 0xffe0 && r <= 0xffe6 || r >= 0x20000
}

// clipWidth shortens s, ending it with "…", to what fits in w at a font size (textWidth).
func clipWidth(s string, w, size float64) string {
	if textWidth(s, size) <= w {
		return s
	}
	used := textWidth("…", size)
	var b strings.Builder
	for _, r := range s {
		if used += textWidth(string(r), size); used > w {
			break
		}
		b.WriteRune(r)
	}
	return b.String() + "…"
}

// niceCeil returns the axis top and tick step for data up to max: at most five steps of 1, 2,
// 2.5 or 5 times a power of ten.
func niceCeil(max float64) (top, step float64) {
	if !(max > 0) || math.IsInf(max, 0) {
		return 1, 0.2
	}
	raw := max / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if step = m * mag; step >= raw {
			break
		}
	}
	return step * math.Ceil(max/step-1e-9), step
}

// frame is a chart's geometry: the SVG box and the plot inside it.
type frame struct {
	w, h                     float64
	left, right, top, bottom float64 // the plot area's edges
	min, max                 float64 // the y range
	n                        int     // x slots
	format                   func(float64) string
	s                        float64     // the text's scale: Chart.Text / 10
	legend                   []legendKey // where the legend's keys go
	lines                    bool        // a LineChart's: the keys are dashed lines, not swatches
	id                       string      // a ColumnChart's patterns' ids start with it
}

// legendKey is one series' key in the legend: a swatch (or a line) and the series' name, at
// x, y; k is the series' place in the chart, which sets its dashes or its pattern.
type legendKey struct {
	x, y        float64
	name, color string
	k           int
}

// newFrame lays out a chart drawn as lines (LineChart) or as columns up to stackedMax.
func newFrame(c *Chart, stackedMax float64, lines bool) frame {
	f := frame{w: float64(c.Width), h: float64(c.Height), format: c.Format, n: len(c.Labels), s: textScale(c.Text, 10), lines: lines}
	if f.w <= 0 {
		f.w = 640
	}
	if f.h <= 0 {
		f.h = 240
	}
	f.w, f.h = max(f.w, 160), max(f.h, 120*f.s)
	if f.format == nil {
		f.format = Count
	}
	for _, s := range c.Series {
		f.n = max(f.n, len(s.Values))
	}
	f.min, f.max = c.Min, c.Max
	if math.IsNaN(f.min) || math.IsInf(f.min, 0) {
		f.min = 0
	}
	if math.IsNaN(f.max) || math.IsInf(f.max, 0) {
		f.max = 0
	}
	if f.max <= f.min {
		f.max, _ = niceCeil(stackedMax - f.min)
		f.max += f.min
	}
	// The y ticks are written right-aligned 4 units left of the plot: it starts past the widest.
	f.left, f.right, f.bottom = 52, f.w-12, f.h-26*f.s
	for _, v := range f.ticks() {
		f.left = max(f.left, textWidth(f.format(v), 10*f.s)+8)
	}
	f.left = min(f.left, f.w/3)
	f.top = (46 + 16*float64(f.layLegend(c))) * f.s
	if !lines {
		key := c.Title + "\x00" + strconv.FormatFloat(f.w, 'f', -1, 64) + "x" + strconv.FormatFloat(f.h, 'f', -1, 64) + "x" + num(f.s) + "x" + strconv.Itoa(f.n)
		for i, s := range c.Series {
			key += "\x00" + s.Name + "\x00" + color(s.Color, i)
		}
		f.id = "zc" + strconv.FormatUint(fnv64.String(key), 36)
	}
	return f
}

// keyW is how wide a legend's key is: a line long enough to show its dashes, or a square.
func (f *frame) keyW() float64 {
	if f.lines {
		return 16 * f.s
	}
	return 10 * f.s
}

// paint is what the k-th series of a ColumnChart is filled with: its colour, or its pattern
// (patterns) in it. The pattern's id is a hash of the chart's title, size, series and colours
// (f.id), so that the wide drawing and the phone's, shown one at a time (the other is
// display:none, where a pattern is not drawn), and a page's other charts each have their own.
func (f *frame) paint(col string, k int) string {
	if patterns[k%len(patterns)] == "" {
		return col
	}
	return "url(#" + f.id + "-" + strconv.Itoa(k) + ")"
}

// defs writes a ColumnChart's patterns, one per series that has one.
func (f *frame) defs(b *strings.Builder, c *Chart) {
	if f.lines || len(c.Series) < 2 {
		return
	}
	b.WriteString(`<defs>`)
	for k, s := range c.Series {
		if p := patterns[k%len(patterns)]; p != "" {
			fmt.Fprintf(b, `<pattern id="%s-%d" width="5" height="5" patternUnits="userSpaceOnUse">`, f.id, k)
			fmt.Fprintf(b, p, color(s.Color, k))
			b.WriteString(`</pattern>`)
		}
	}
	b.WriteString(`</defs>`)
}

// textScale is a chart's text size over the size it is drawn at by default (def), for a
// Text field: 1 when it is zero, not a number or not positive; at most 4.
func textScale(text, def float64) float64 {
	if !(text > 0) || math.IsInf(text, 0) {
		return 1
	}
	return min(text/def, 4)
}

// layLegend places the legend's keys in a row from the plot's left edge, and starts another
// row when a key would pass the chart's right edge (three rows at most: keys beyond are left
// out). It returns the rows past the first.
func (f *frame) layLegend(c *Chart) int {
	lx, row := f.left, 0
	for i, s := range c.Series {
		name := clip(s.Name, 14)
		if lx > f.left && lx+f.keyW()+4*f.s+textWidth(name, 11*f.s) > f.w-4 {
			if row == 2 {
				break
			}
			lx, row = f.left, row+1
		}
		f.legend = append(f.legend, legendKey{x: lx, y: (26 + 16*float64(row)) * f.s, name: name, color: color(s.Color, i), k: i})
		lx += f.keyW() + (4+12*float64(utf8.RuneCountInString(name))+14)*f.s
	}
	return row
}

// ticks are the y axis's values: the range's bottom and round steps up to its top.
func (f *frame) ticks() []float64 {
	_, step := niceCeil(f.max - f.min)
	var out []float64
	for k := 0; k <= 20; k++ {
		v := f.min + float64(k)*step
		if v > f.max+step*1e-6 {
			break
		}
		out = append(out, v)
	}
	return out
}

// num writes a size or a coordinate to a tenth, without trailing zeros: 13, 15.6.
func num(v float64) string {
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
}

// x is the centre of slot i.
func (f *frame) x(i int) float64 {
	return f.left + (float64(i)+0.5)*(f.right-f.left)/float64(max(f.n, 1))
}

// slot is the width of one x slot.
func (f *frame) slot() float64 { return (f.right - f.left) / float64(max(f.n, 1)) }

// y maps a value to the plot, clamped to its edges.
func (f *frame) y(v float64) float64 {
	t := (v - f.min) / (f.max - f.min)
	t = math.Max(0, math.Min(1, t))
	return f.bottom - t*(f.bottom-f.top)
}

// open writes the svg element, its description (describe), the title, the legend, the grid
// with its y ticks and the x labels.
func (f *frame) open(b *strings.Builder, c *Chart, totals bool) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s">`,
		f.w, f.h, f.w, f.h, esc(c.Title))
	b.WriteString(`<desc>`)
	b.WriteString(esc(describe(c, f.format, totals)))
	b.WriteString(`</desc>`)
	f.defs(b, c)
	// The title starts over the plot, or further left when it would not fit there.
	size := 13 * f.s
	x := f.left
	if w := textWidth(c.Title, size); x+w > f.w-4 {
		x = max(4, f.w-4-w)
	}
	fmt.Fprintf(b, `<text x="%.0f" y="%.0f" font-size="%s" font-weight="bold">%s</text>`, x, 16*f.s, num(size), esc(clipWidth(c.Title, f.w-4-x, size)))
	for _, k := range f.legend {
		if f.lines {
			y := num(k.y + 5*f.s)
			fmt.Fprintf(b, `<line x1="%.1f" x2="%.1f" y1="%s" y2="%s" stroke="%s" stroke-width="2"%s/>`, k.x, k.x+f.keyW(), y, y, k.color, dash(k.k))
		} else {
			fmt.Fprintf(b, `<rect x="%.1f" y="%s" width="%s" height="%s" fill="%s"/>`, k.x, num(k.y), num(10*f.s), num(10*f.s), f.paint(k.color, k.k))
		}
		fmt.Fprintf(b, `<text x="%.1f" y="%s" font-size="%s">%s</text>`, k.x+f.keyW()+4*f.s, num(k.y+9*f.s), num(11*f.s), esc(k.name))
	}
	for _, v := range f.ticks() {
		y := f.y(v)
		fmt.Fprintf(b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#eee" class="grid"/><text x="%.1f" y="%.1f" font-size="%s" text-anchor="end">%s</text>`,
			f.left, f.right, y, y, f.left-4, y+3*f.s, num(10*f.s), esc(f.format(v)))
	}
	fmt.Fprintf(b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s"/>`, f.left, f.right, f.bottom, f.bottom, colorAxis)
	// x labels: as many as fit, evenly spaced, each given 72 units at the default size or its
	// width and an em, whichever is more
	gap := 72 * f.s
	for _, l := range c.Labels {
		gap = max(gap, textWidth(clip(l, 12), 10*f.s)+10*f.s)
	}
	every := max(1, int(math.Ceil(float64(len(c.Labels))*gap/(f.right-f.left))))
	end := math.Inf(-1) // the last label's right edge
	for i := 0; i < len(c.Labels); i += every {
		l := clip(c.Labels[i], 12)
		half := textWidth(l, 10*f.s) / 2 // centred under its slot, but inside the chart
		x := max(min(f.x(i), f.w-2-half), min(half+2, f.w/2))
		if x-half < end+5*f.s {
			continue // moved inside, the last label would touch the one before it
		}
		end = x + half
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-size="%s" text-anchor="middle">%s</text>`, x, f.h-10*f.s, num(10*f.s), esc(l))
	}
}

func (f *frame) label(c *Chart, i int) string {
	if i < len(c.Labels) {
		return c.Labels[i]
	}
	return strconv.Itoa(i + 1)
}

// LineChart draws the series as lines over the x labels, as inline SVG (no scripts), with a
// legend, a y grid and a tooltip (<title>) on every point. A NaN breaks a line. The SVG is an
// image (role="img") named by the title, and its <desc> gives each series' lowest, highest and
// last value in words, for a screen reader.
func LineChart(c Chart) template.HTML {
	hi := math.Inf(-1)
	for _, s := range c.Series {
		for _, v := range s.Values {
			if !math.IsNaN(v) {
				hi = max(hi, v)
			}
		}
	}
	f := newFrame(&c, hi, true)
	var b strings.Builder
	f.open(&b, &c, false)
	dots := f.n <= 200 && !(c.Plain && f.n > 60)
	r := 2.5
	if f.n > 60 {
		r = 1.5 // a week of hours: dots the size of a line's width
	}
	for si, s := range c.Series {
		col := color(s.Color, si)
		var pts []string
		flush := func() {
			switch {
			case len(pts) > 1:
				fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2"%s points="%s"/>`, col, dash(si), strings.Join(pts, " "))
			case len(pts) == 1 && !dots: // a point between gaps is no line: draw it alone
				x, y, _ := strings.Cut(pts[0], ",")
				fmt.Fprintf(&b, `<circle cx="%s" cy="%s" r="2" fill="%s"/>`, x, y, col)
			}
			pts = pts[:0]
		}
		for i, v := range s.Values {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				flush()
				continue
			}
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", f.x(i), f.y(v)))
			switch {
			case dots && c.Plain:
				fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="%.1f" fill="%s"/>`, f.x(i), f.y(v), r, col)
			case dots:
				fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="%.1f" fill="%s"><title>%s %s: %s</title></circle>`,
					f.x(i), f.y(v), r, col, esc(f.label(&c, i)), esc(s.Name), esc(f.format(v)))
			}
		}
		flush()
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// ColumnChart draws the series as stacked columns, one column per x label, as inline SVG, each
// piece with a tooltip. Negative and NaN values draw nothing. Its name and description are a
// LineChart's, with each series' total as well.
func ColumnChart(c Chart) template.HTML {
	hi := 0.0
	for i := range len(c.Labels) {
		sum := 0.0
		for _, s := range c.Series {
			if i < len(s.Values) && s.Values[i] > 0 && !math.IsInf(s.Values[i], 0) {
				sum += s.Values[i]
			}
		}
		hi = max(hi, sum)
	}
	for _, s := range c.Series { // values beyond the labels still count toward the scale
		for i := len(c.Labels); i < len(s.Values); i++ {
			if s.Values[i] > 0 && !math.IsInf(s.Values[i], 0) {
				hi = max(hi, s.Values[i])
			}
		}
	}
	f := newFrame(&c, hi, false)
	var b strings.Builder
	f.open(&b, &c, true)
	bw := max(f.slot()*0.8, 0.5)
	for i := range f.n {
		base, below := f.min, false // below: a piece of this column is drawn under the next
		for si, s := range c.Series {
			if i >= len(s.Values) {
				continue
			}
			v := s.Values[i]
			if !(v > 0) || math.IsInf(v, 0) {
				continue
			}
			y0, y1 := f.y(base), f.y(base+v)
			base += v
			if y0-y1 <= 0 {
				continue
			}
			// a unit of white between a piece and the one under it (half a thin one), so that
			// two series' colours never touch
			h := y0 - y1
			if below {
				h -= min(1, h/2)
			}
			below = true
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s">`, f.x(i)-bw/2, y1, bw, h, f.paint(color(s.Color, si), si))
			if !c.Plain {
				fmt.Fprintf(&b, `<title>%s %s: %s</title>`, esc(f.label(&c, i)), esc(s.Name), esc(f.format(v)))
			}
			b.WriteString(`</rect>`)
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
