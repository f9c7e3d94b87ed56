package console

import (
	"html/template"
	"math"
	"strconv"
	"strings"
)

// The console draws its charts as inline SVG on the server: no script, nothing fetched, every
// text escaped, and no style attributes (the content security policy allows none). The shapes
// mirror package board's (Chart, Series, Bars): when board is merged, lineChart, columnChart
// and barChart can be replaced by board.LineChart, board.ColumnChart and board.BarChart, and
// the 看板 page by board.Build(…).Charts().

// series is one line, or one layer of columns: NaN values are gaps.
type series struct {
	Name   string
	Color  string
	Values []float64
}

// chart is a line or column chart: one value per label in each series.
type chart struct {
	Title    string
	Labels   []string
	Series   []series
	Format   func(float64) string // y ticks and tooltips (countText when nil)
	Min, Max float64              // y range; Max 0 = from the data, rounded up
}

// bar is one row of a bar chart, with an optional interval (NaN: none).
type bar struct {
	Label     string
	Value     float64
	Low, High float64
	Color     string
	Note      string
}

// bars is a horizontal bar chart.
type bars struct {
	Title    string
	Items    []bar
	Format   func(float64) string
	Min, Max float64 // Max 0 = from the data
}

// Colours of the board's meanings (as package board names them).
const (
	colorVolume  = "#4682b4"
	colorSuggest = "#87b5dc"
	colorBad     = "#dc143c"
	colorHandoff = "#ff8c00"
	colorGood    = "#228b22"
	colorRating  = "#8a2be2"
	colorRepeat  = "#708090"
	colorMuted   = "#b0b0b0"
)

const (
	chartW, chartH             = 640, 240
	padL, padR, padT, padB     = 56, 12, 44, 30
	fontAttrs                  = `font-size="11" fill="#333"`
	barRowH, barLabelW, barPad = 26, 150, 200
)

func countText(v float64) string {
	if math.Abs(v) >= 10000 {
		return strconv.FormatFloat(v/10000, 'f', 1, 64) + "万"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func percentText(v float64) string { return strconv.FormatFloat(100*v, 'f', 1, 64) + "%" }

func ratingText(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }

func esc(s string) string { return template.HTMLEscapeString(s) }

func num(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// niceMax rounds a maximum up to 1, 2 or 5 times a power of ten.
func niceMax(v float64) float64 {
	if v <= 0 || math.IsNaN(v) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// frame is a chart's coordinates.
type frame struct {
	c        *chart
	min, max float64
	n        int
}

func newFrame(c *chart, top float64) frame {
	if c.Format == nil {
		c.Format = countText
	}
	f := frame{c: c, min: c.Min, max: c.Max, n: len(c.Labels)}
	if f.max == 0 {
		f.max = niceMax(top)
	}
	if f.max <= f.min {
		f.max = f.min + 1
	}
	return f
}

func (f frame) x(i int) float64 {
	slot := float64(chartW-padL-padR) / float64(max(f.n, 1))
	return padL + slot*(float64(i)+0.5)
}

func (f frame) y(v float64) float64 {
	v = math.Max(f.min, math.Min(f.max, v))
	return chartH - padB - (v-f.min)/(f.max-f.min)*float64(chartH-padT-padB)
}

// open writes the SVG's start, title, legend, grid and x labels.
func (f frame) open(b *strings.Builder) {
	c := f.c
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ` + strconv.Itoa(chartW) + " " + strconv.Itoa(chartH) +
		`" role="img" aria-label="` + esc(c.Title) + `">`)
	b.WriteString(`<text x="4" y="14" font-size="13" font-weight="bold" fill="#222">` + esc(c.Title) + `</text>`)
	lx := float64(padL)
	for i, s := range c.Series {
		col := colorOr(s.Color, i)
		b.WriteString(`<rect x="` + num(lx) + `" y="22" width="10" height="10" fill="` + col + `"/>`)
		b.WriteString(`<text x="` + num(lx+14) + `" y="31" ` + fontAttrs + `>` + esc(s.Name) + `</text>`)
		lx += 24 + 12*float64(len([]rune(s.Name)))
	}
	for k := 0; k <= 4; k++ {
		v := f.min + (f.max-f.min)*float64(k)/4
		y := f.y(v)
		b.WriteString(`<line x1="` + strconv.Itoa(padL) + `" x2="` + strconv.Itoa(chartW-padR) + `" y1="` + num(y) + `" y2="` + num(y) + `" stroke="#e5e5e5"/>`)
		b.WriteString(`<text x="` + strconv.Itoa(padL-4) + `" y="` + num(y+4) + `" text-anchor="end" ` + fontAttrs + `>` + esc(c.Format(v)) + `</text>`)
	}
	step := max(1, (f.n+7)/8) // at most about eight labels
	for i, l := range c.Labels {
		if i%step == 0 {
			b.WriteString(`<text x="` + num(f.x(i)) + `" y="` + strconv.Itoa(chartH-10) + `" text-anchor="middle" ` + fontAttrs + `>` + esc(l) + `</text>`)
		}
	}
}

func colorOr(c string, i int) string {
	if len(c) == 7 && c[0] == '#' && strings.Trim(c[1:], "0123456789abcdefABCDEF") == "" {
		return c
	}
	palette := []string{colorVolume, colorBad, colorGood, colorHandoff, colorRating, colorRepeat}
	return palette[i%len(palette)]
}

// lineChart draws each series as a line with a dot (and a tooltip) per value.
func lineChart(c chart) template.HTML {
	top := 0.0
	for _, s := range c.Series {
		for _, v := range s.Values {
			if !math.IsNaN(v) {
				top = math.Max(top, v)
			}
		}
	}
	f := newFrame(&c, top)
	var b strings.Builder
	f.open(&b)
	for i, s := range c.Series {
		col := colorOr(s.Color, i)
		var path strings.Builder
		pen := false
		for j, v := range s.Values {
			if math.IsNaN(v) || j >= f.n {
				pen = false
				continue
			}
			if pen {
				path.WriteString(" L")
			} else {
				path.WriteString(" M")
			}
			path.WriteString(num(f.x(j)) + " " + num(f.y(v)))
			pen = true
		}
		if path.Len() > 0 {
			b.WriteString(`<path d="` + path.String() + `" fill="none" stroke="` + col + `" stroke-width="2"/>`)
		}
		for j, v := range s.Values {
			if math.IsNaN(v) || j >= f.n {
				continue
			}
			b.WriteString(`<circle cx="` + num(f.x(j)) + `" cy="` + num(f.y(v)) + `" r="2.5" fill="` + col + `"><title>` +
				esc(s.Name+" "+c.Labels[j]+"："+c.Format(v)) + `</title></circle>`)
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// columnChart draws the series as stacked columns.
func columnChart(c chart) template.HTML {
	top := 0.0
	for j := range c.Labels {
		sum := 0.0
		for _, s := range c.Series {
			if j < len(s.Values) && !math.IsNaN(s.Values[j]) {
				sum += s.Values[j]
			}
		}
		top = math.Max(top, sum)
	}
	f := newFrame(&c, top)
	var b strings.Builder
	f.open(&b)
	slot := float64(chartW-padL-padR) / float64(max(f.n, 1))
	w := math.Max(1, slot*0.7)
	for j := range c.Labels {
		base := 0.0
		for i, s := range c.Series {
			if j >= len(s.Values) || math.IsNaN(s.Values[j]) || s.Values[j] <= 0 {
				continue
			}
			y0, y1 := f.y(base), f.y(base+s.Values[j])
			base += s.Values[j]
			b.WriteString(`<rect x="` + num(f.x(j)-w/2) + `" y="` + num(y1) + `" width="` + num(w) + `" height="` + num(math.Max(0.5, y0-y1)) +
				`" fill="` + colorOr(s.Color, i) + `"><title>` + esc(s.Name+" "+c.Labels[j]+"："+c.Format(s.Values[j])) + `</title></rect>`)
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// barChart draws horizontal bars with their intervals as whiskers; a NaN value draws no bar.
func barChart(c bars) template.HTML {
	if c.Format == nil {
		c.Format = countText
	}
	top := c.Max
	if top == 0 {
		for _, it := range c.Items {
			for _, v := range []float64{it.Value, it.High} {
				if !math.IsNaN(v) {
					top = math.Max(top, v)
				}
			}
		}
		top = niceMax(top)
	}
	lo := c.Min
	h := 24 + barRowH*len(c.Items) + 8
	plotW := float64(chartW - barLabelW - barPad)
	x := func(v float64) float64 {
		v = math.Max(lo, math.Min(top, v))
		return barLabelW + (v-lo)/math.Max(top-lo, 1e-9)*plotW
	}
	var b strings.Builder
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ` + strconv.Itoa(chartW) + " " + strconv.Itoa(h) +
		`" role="img" aria-label="` + esc(c.Title) + `">`)
	b.WriteString(`<text x="4" y="14" font-size="13" font-weight="bold" fill="#222">` + esc(c.Title) + `</text>`)
	for i, it := range c.Items {
		y := float64(24 + barRowH*i)
		b.WriteString(`<text x="` + strconv.Itoa(barLabelW-6) + `" y="` + num(y+15) + `" text-anchor="end" ` + fontAttrs + `>` + esc(clip(it.Label, 22)) + `</text>`)
		b.WriteString(`<rect x="` + strconv.Itoa(barLabelW) + `" y="` + num(y+4) + `" width="` + num(plotW) + `" height="14" fill="#f2f2f2"/>`)
		val := "无数据"
		if !math.IsNaN(it.Value) {
			val = c.Format(it.Value)
			b.WriteString(`<rect x="` + strconv.Itoa(barLabelW) + `" y="` + num(y+4) + `" width="` + num(math.Max(1, x(it.Value)-barLabelW)) +
				`" height="14" fill="` + colorOr(it.Color, 0) + `"><title>` + esc(it.Label+"："+val+" "+it.Note) + `</title></rect>`)
			if !math.IsNaN(it.Low) && !math.IsNaN(it.High) {
				yl := num(y + 11)
				b.WriteString(`<line x1="` + num(x(it.Low)) + `" x2="` + num(x(it.High)) + `" y1="` + yl + `" y2="` + yl + `" stroke="#222" stroke-width="1.5"/>`)
				for _, e := range []float64{it.Low, it.High} {
					b.WriteString(`<line x1="` + num(x(e)) + `" x2="` + num(x(e)) + `" y1="` + num(y+6) + `" y2="` + num(y+16) + `" stroke="#222" stroke-width="1.5"/>`)
				}
			}
		}
		b.WriteString(`<text x="` + num(barLabelW+plotW+6) + `" y="` + num(y+15) + `" ` + fontAttrs + `>` + esc(val+"  "+it.Note) + `</text>`)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// clip shortens s to n characters.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
