package board

import (
	"fmt"
	"html/template"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

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
}

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
}

// Palette is the colours series take in order when they name none.
var Palette = []string{"#4682b4", "#dc143c", "#228b22", "#ff8c00", "#8a2be2", "#708090", "#20b2aa", "#b8860b"}

// Colours of the dashboard's meanings, shared by the page and the console.
const (
	ColorVolume  = "#4682b4" // messages, answered automatically
	ColorSuggest = "#87b5dc" // suggested to an agent
	ColorBad     = "#dc143c" // unrecognised, bad ratings: what must stand out
	ColorHandoff = "#ff8c00" // handed off
	ColorGood    = "#228b22" // resolved
	ColorRating  = "#8a2be2" // mean rating
	ColorRepeat  = "#708090" // repeats
	ColorMuted   = "#b0b0b0" // stopped, out of play
)

var colorRe = regexp.MustCompile(`^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)

func color(c string, i int) string {
	if colorRe.MatchString(c) {
		return c
	}
	return Palette[i%len(Palette)]
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
}

func newFrame(c *Chart, stackedMax float64) frame {
	f := frame{w: float64(c.Width), h: float64(c.Height), format: c.Format, n: len(c.Labels)}
	if f.w <= 0 {
		f.w = 640
	}
	if f.h <= 0 {
		f.h = 240
	}
	f.w, f.h = max(f.w, 160), max(f.h, 120)
	if f.format == nil {
		f.format = Count
	}
	for _, s := range c.Series {
		f.n = max(f.n, len(s.Values))
	}
	f.left, f.right, f.top, f.bottom = 52, f.w-12, 46, f.h-26
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
	return f
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

// open writes the svg element, the title, the legend, the grid with its y ticks and the x
// labels.
func (f *frame) open(b *strings.Builder, c *Chart) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s">`,
		f.w, f.h, f.w, f.h, esc(c.Title))
	fmt.Fprintf(b, `<text x="%.0f" y="16" font-size="13" font-weight="bold">%s</text>`, f.left, esc(c.Title))
	lx := f.left
	for i, s := range c.Series {
		if lx > f.right-40 {
			break
		}
		name := clip(s.Name, 14)
		fmt.Fprintf(b, `<rect x="%.1f" y="26" width="10" height="10" fill="%s"/><text x="%.1f" y="35" font-size="11">%s</text>`,
			lx, color(s.Color, i), lx+14, esc(name))
		lx += 14 + 12*float64(utf8.RuneCountInString(name)) + 14
	}
	_, step := niceCeil(f.max - f.min)
	for k := 0; k <= 20; k++ {
		v := f.min + float64(k)*step
		if v > f.max+step*1e-6 {
			break
		}
		y := f.y(v)
		fmt.Fprintf(b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#eee"/><text x="%.1f" y="%.1f" font-size="10" text-anchor="end">%s</text>`,
			f.left, f.right, y, y, f.left-4, y+3, esc(f.format(v)))
	}
	fmt.Fprintf(b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#999"/>`, f.left, f.right, f.bottom, f.bottom)
	// x labels: as many as fit at about 72 px each, evenly spaced
	every := max(1, int(math.Ceil(float64(len(c.Labels))*72/(f.right-f.left))))
	for i := 0; i < len(c.Labels); i += every {
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-size="10" text-anchor="middle">%s</text>`, f.x(i), f.h-10, esc(clip(c.Labels[i], 12)))
	}
}

func (f *frame) label(c *Chart, i int) string {
	if i < len(c.Labels) {
		return c.Labels[i]
	}
	return strconv.Itoa(i + 1)
}

// LineChart draws the series as lines over the x labels, as inline SVG (no scripts), with a
// legend, a y grid and a tooltip (<title>) on every point. A NaN breaks a line.
func LineChart(c Chart) template.HTML {
	hi := math.Inf(-1)
	for _, s := range c.Series {
		for _, v := range s.Values {
			if !math.IsNaN(v) {
				hi = max(hi, v)
			}
		}
	}
	f := newFrame(&c, hi)
	var b strings.Builder
	f.open(&b, &c)
	dots := f.n <= 200
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
				fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`, col, strings.Join(pts, " "))
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
			if dots {
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
// piece with a tooltip. Negative and NaN values draw nothing.
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
	f := newFrame(&c, hi)
	var b strings.Builder
	f.open(&b, &c)
	bw := max(f.slot()*0.8, 0.5)
	for i := range f.n {
		base := f.min
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
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s %s: %s</title></rect>`,
				f.x(i)-bw/2, y1, bw, y0-y1, color(s.Color, si), esc(f.label(&c, i)), esc(s.Name), esc(f.format(v)))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// BarChart draws one horizontal bar per item, longest scale first as given, with the label on
// the left and the value (and note) on the right, as inline SVG; an item's interval is a
// whisker over its bar. The value column widens for long notes (to a third of the chart);
// labels and values that do not fit are shortened, and the full text is in the tooltip.
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
	const row, top, font = 22.0, 28.0, 11.0
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
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s">`,
		w, h, w, h, esc(c.Title))
	fmt.Fprintf(&b, `<text x="4" y="16" font-size="13" font-weight="bold">%s</text>`, esc(c.Title))
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
		fmt.Fprintf(&b, `<g><title>%s: %s</title><text x="%.1f" y="%.1f" font-size="11" text-anchor="end">%s</text>`+
			`<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`,
			esc(it.Label), esc(values[i]), left-6, y+13, esc(clipWidth(it.Label, left-10, font)),
			left, y+3, end-left, row-6, col)
		if finite(it.Low) && finite(it.High) && it.Low < it.High {
			x0, x1, mid := x(it.Low), x(it.High), y+row/2
			fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#222" stroke-width="1.5"/>`, x0, x1, mid, mid)
			for _, e := range []float64{x0, x1} {
				fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#222" stroke-width="1.5"/>`, e, e, mid-5, mid+5)
			}
			end = max(end, x1)
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="11">%s</text></g>`, end+4, y+13, esc(clipWidth(values[i], w-end-6, font)))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
