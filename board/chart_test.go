package board

import (
	"encoding/xml"
	"errors"
	"html/template"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// svgInfo is what checkSVG learnt from a chart.
type svgInfo struct {
	elements map[string]int // element name → count
	texts    []string       // character data, unescaped
	points   int            // polyline vertices
}

// checkSVG parses out as XML and checks every coordinate lies inside the SVG's box.
func checkSVG(t *testing.T, out template.HTML) svgInfo {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(string(out)))
	info := svgInfo{elements: map[string]int{}}
	var w, h float64
	num := func(el xml.StartElement, name string) (float64, bool) {
		for _, a := range el.Attr {
			if a.Name.Local == name {
				v, err := strconv.ParseFloat(a.Value, 64)
				if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("<%s %s=%q>: not a finite number", el.Name.Local, name, a.Value)
				}
				return v, true
			}
		}
		return 0, false
	}
	inside := func(el xml.StartElement, x, y float64) {
		t.Helper()
		if x < 0 || x > w || y < 0 || y > h {
			t.Errorf("<%s> point (%.1f, %.1f) outside the %gx%g box", el.Name.Local, x, y, w, h)
		}
	}
	depth := 0
	ids, refs := map[string]bool{}, []string(nil)
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not valid XML: %v\n%s", err, out)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			depth++
			info.elements[el.Name.Local]++
			if el.Name.Local == "svg" {
				if depth != 1 {
					t.Fatal("nested svg")
				}
				w, _ = num(el, "width")
				h, _ = num(el, "height")
				continue
			}
			if depth == 1 {
				t.Fatalf("<%s> outside the svg", el.Name.Local)
			}
			for _, pair := range [][2]string{{"x", "y"}, {"x1", "y1"}, {"x2", "y2"}, {"cx", "cy"}} {
				x, okx := num(el, pair[0])
				y, oky := num(el, pair[1])
				if okx || oky {
					inside(el, x, y)
				}
			}
			if rw, ok := num(el, "width"); ok {
				x, _ := num(el, "x")
				y, _ := num(el, "y")
				rh, _ := num(el, "height")
				if rw < 0 || rh < 0 {
					t.Errorf("<rect> with negative size %g×%g", rw, rh)
				}
				inside(el, x+rw, y+rh)
			}
			for _, a := range el.Attr {
				if a.Name.Local == "id" {
					ids[a.Value] = true
				}
				if ref, ok := strings.CutPrefix(a.Value, "url(#"); ok { // a pattern, defined in this chart
					refs = append(refs, strings.TrimSuffix(ref, ")"))
				} else if strings.Contains(a.Value, "url(") {
					t.Errorf("<%s %s=%q>: only a url(#id) in the chart is allowed", el.Name.Local, a.Name.Local, a.Value)
				}
				if a.Name.Local == "points" {
					for _, p := range strings.Fields(a.Value) {
						xs, ys, ok := strings.Cut(p, ",")
						x, err1 := strconv.ParseFloat(xs, 64)
						y, err2 := strconv.ParseFloat(ys, 64)
						if !ok || err1 != nil || err2 != nil {
							t.Fatalf("bad polyline point %q", p)
						}
						inside(el, x, y)
						info.points++
					}
				}
				if strings.HasPrefix(strings.ToLower(a.Name.Local), "on") {
					t.Errorf("event attribute %s in a chart", a.Name.Local)
				}
				if strings.EqualFold(a.Name.Local, "style") { // the console's content security policy allows none
					t.Errorf("style attribute in a chart: %s", a.Value)
				}
			}
		case xml.EndElement:
			depth--
		case xml.CharData:
			if s := strings.TrimSpace(string(el)); s != "" {
				info.texts = append(info.texts, s)
			}
		}
	}
	if info.elements["svg"] != 1 || info.elements["script"] != 0 {
		t.Errorf("elements %v: want one svg and no script", info.elements)
	}
	for _, r := range refs {
		if !ids[r] {
			t.Errorf("url(#%s) refers to nothing in the chart", r)
		}
	}
	return info
}

func hasText(info svgInfo, sub string) bool {
	for _, s := range info.texts {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

const hostile = `<script>alert("x")</script>&"'` + "\x01"

func TestLineChart(t *testing.T) {
	nan := math.NaN()
	out := LineChart(Chart{Title: "rates " + hostile, Labels: []string{"a", "b", "c", "d", hostile},
		Format: Percent, Max: 1, Series: []Series{
			{Name: "resolved", Values: []float64{0.5, 0.7, nan, 0.9, 1.2}}, // 1.2 beyond Max: drawn at the edge
			{Name: hostile, Color: `red" onload="x`, Values: []float64{-1, 0, 0.1, 0.2, 0.3}},
		}})
	info := checkSVG(t, out)
	if info.elements["polyline"] != 3 { // the NaN splits the first series in two
		t.Errorf("%d polylines, want 3:\n%s", info.elements["polyline"], out)
	}
	if info.elements["circle"] != 9 || info.points != 9 {
		t.Errorf("%d circles, %d line points; want 9 each (one NaN left out)", info.elements["circle"], info.points)
	}
	if strings.Contains(string(out), "<script") || strings.Contains(string(out), "onload") {
		t.Errorf("hostile text not escaped:\n%s", out)
	}
	if !hasText(info, `<script>alert("x")</script>&"'`) {
		t.Errorf("the hostile label should read back as text: %q", info.texts)
	}
	for _, want := range []string{"0%", "50%", "100%", "b resolved: 70%", "d resolved: 90%", "resolved: 120%"} {
		if !hasText(info, want) && !strings.Contains(string(out), want) {
			t.Errorf("no %q in the chart", want)
		}
	}
	if !strings.Contains(string(out), Palette[1]) {
		t.Error("a bad colour should fall back to the palette")
	}
}

func TestColumnChart(t *testing.T) {
	labels := make([]string, 168)
	a, b := make([]float64, 168), make([]float64, 168)
	for i := range labels {
		labels[i] = "11-0" + strconv.Itoa(1+i/24) + " " + strconv.Itoa(i%24) + "时"
		a[i], b[i] = float64(i%24*10), float64(i%7)
	}
	b[3] = math.NaN()
	b[4] = math.Inf(1)
	out := ColumnChart(Chart{Title: "消息量", Labels: labels, Series: []Series{{Name: "auto", Values: a}, {Name: "handoff", Values: b}}})
	info := checkSVG(t, out)
	want := 0
	for i := range a {
		if a[i] > 0 {
			want++
		}
		if b[i] > 0 && !math.IsInf(b[i], 0) {
			want++
		}
	}
	if got := info.elements["rect"] - 2; got != want { // two legend swatches
		t.Errorf("%d columns pieces, want %d", got, want)
	}
	// 168 labels do not fit: they are thinned, but the first is drawn
	if n := strings.Count(string(out), "text-anchor=\"middle\""); n >= 168 || n < 4 || !hasText(info, labels[0]) {
		t.Errorf("%d x labels drawn", n)
	}
	// the stack's top sets the scale: 230+6 → 250
	if !hasText(info, "250") {
		t.Errorf("y axis should reach 250: %q", info.texts)
	}
}

func TestBarChart(t *testing.T) {
	out := BarChart(Bars{Title: "按意图", Items: []Bar{
		{Label: "退货 return_goods", Value: 120, Note: "40%"},
		{Label: "未识别 none", Value: 30, Color: ColorBad},
		{Label: hostile + " a very long intent label indeed", Value: 0},
		{Label: "negative", Value: -5},
		{Label: "inf", Value: math.Inf(1)},
	}})
	info := checkSVG(t, out)
	if info.elements["rect"] != 5 || info.elements["title"] != 5 {
		t.Errorf("elements %v: want a bar and a tooltip per item", info.elements)
	}
	if strings.Contains(string(out), "<script") {
		t.Error("label not escaped")
	}
	if !hasText(info, "120 · 40%") || !strings.Contains(string(out), ColorBad) {
		t.Errorf("value, note or colour missing:\n%s", out)
	}
}

// A bar chart on a fixed axis (ratings 1–5) with intervals: bars start at Min, an interval is
// a whisker with two ends, an item without a value has no bar and no whisker.
func TestBarChartRange(t *testing.T) {
	nan := math.NaN()
	out := BarChart(Bars{Title: "评分", Format: Rating, Min: 1, Max: 5, Items: []Bar{
		{Label: "a", Value: 4.2, Low: 3.9, High: 4.5, Note: "投放 30"},
		{Label: "b", Value: 3, Color: ColorMuted},
		{Label: "<b>", Value: nan, Low: nan, High: nan},
		{Label: "beyond", Value: 7, Low: 6, High: 8},
	}})
	info := checkSVG(t, out)
	if info.elements["line"] != 3+3 { // a's whisker and beyond's, clamped to the edge
		t.Errorf("%d lines: want two whiskers of three lines", info.elements["line"])
	}
	if !hasText(info, "4.2 · 投放 30") || !hasText(info, "–") || !hasText(info, "<b>") || !strings.Contains(string(out), ColorMuted) {
		t.Errorf("texts %q", info.texts)
	}
	// On 1–5 over the 340 px between 150 and 490, 3 is half way and 1 (or no value) is nothing.
	for _, want := range []string{`x="150.0" y="53.0" width="170.0"`, `x="150.0" y="75.0" width="0.0"`, `x="150.0" y="97.0" width="340.0"`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("no bar %s:\n%s", want, out)
		}
	}
}

// Labels and notes are shortened to the space they have, not to a number of characters: ids
// that differ at the end stay apart, a long note widens its column and stays in the chart.
func TestBarChartText(t *testing.T) {
	long := "投放 1600 · 评分 1400 · 对照组 · 已停止 · 灰度"
	out := BarChart(Bars{Format: Rating, Items: []Bar{
		{Label: "shipping_time.a", Value: 3, Note: "投放 13 · 评分 8 · 对照组"},
		{Label: "shipping_time.b", Value: 4.25, Note: long},
		{Label: "一个非常非常长的中文意图标签名字", Value: 1},
	}})
	info := checkSVG(t, out)
	for _, want := range []string{"shipping_time.a", "shipping_time.b", "3 · 投放 13 · 评分 8 · 对照组", "一个非常非常长的中文意图…"} {
		if !slices.Contains(info.texts, want) {
			t.Errorf("no text %q in %q", want, info.texts)
		}
	}
	if hasText(info, long) && !strings.Contains(string(out), "<title>shipping_time.b: 4.25 · "+long) {
		t.Errorf("the long note should be shortened in the chart and whole in the tooltip:\n%s", out)
	}
	for _, s := range info.texts {
		if strings.HasPrefix(s, "4.25 · ") && textWidth(s, 11) > 640.0/3 {
			t.Errorf("%q is wider than its column", s)
		}
	}
}

func TestChartEdges(t *testing.T) {
	for name, c := range map[string]Chart{
		"empty":      {},
		"all NaN":    {Labels: []string{"a"}, Series: []Series{{Values: []float64{math.NaN()}}}},
		"one point":  {Labels: []string{"a"}, Series: []Series{{Values: []float64{3}}}},
		"no labels":  {Series: []Series{{Values: []float64{1, 2, 3}}}},
		"bad range":  {Labels: []string{"a", "b"}, Min: math.NaN(), Max: math.Inf(1), Series: []Series{{Values: []float64{1, 2}}}},
		"tiny box":   {Width: 1, Height: 1, Labels: []string{"a", "b"}, Series: []Series{{Values: []float64{1, 2}}}},
		"huge value": {Labels: []string{"a", "b"}, Series: []Series{{Values: []float64{1e300, 2}}}},
		"all zero":   {Labels: []string{"a", "b"}, Series: []Series{{Values: []float64{0, 0}}}},
	} {
		t.Run(name, func(t *testing.T) {
			checkSVG(t, LineChart(c))
			checkSVG(t, ColumnChart(c))
		})
	}
	checkSVG(t, BarChart(Bars{}))
}

func TestFormats(t *testing.T) {
	tests := []struct {
		f    func(float64) string
		v    float64
		want string
	}{
		{Count, 950, "950"}, {Count, 1200, "1.2k"}, {Count, 34000, "3.4万"}, {Count, 2.5, "2.5"}, {Count, math.NaN(), "–"},
		{Percent, 0.125, "12.5%"}, {Percent, 1, "100%"}, {Percent, 0, "0%"},
		{Percent, 0.9996, ">99.9%"}, {Percent, 0.0004, "<0.1%"}, {Percent, 0.9994, "99.9%"}, // never 100 % or 0 % for what is not
		{Micros, 85, "85µs"}, {Micros, 1200, "1.2ms"}, {Micros, 2.5e6, "2.5s"},
		{Rating, 4.25, "4.25"}, {Rating, 5, "5"},
	}
	for _, tt := range tests {
		if got := tt.f(tt.v); got != tt.want {
			t.Errorf("format(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
	for _, tt := range []struct{ max, top, step float64 }{{1, 1, 0.2}, {236, 250, 50}, {4, 4, 1}, {0, 1, 0.2}, {9, 10, 2}, {0.7, 0.8, 0.2}} {
		if top, step := niceCeil(tt.max); top != tt.top || step != tt.step {
			t.Errorf("niceCeil(%g) = %g, %g; want %g, %g", tt.max, top, step, tt.top, tt.step)
		}
	}
}

// Past 200 points a line has no dots, but a point between two gaps still shows.
func TestLineChartLonePoint(t *testing.T) {
	v := make([]float64, 300)
	for i := range v {
		v[i] = math.NaN()
	}
	v[10], v[100], v[101] = 1, 2, 3
	info := checkSVG(t, LineChart(Chart{Labels: make([]string, 300), Series: []Series{{Name: "s", Values: v}}}))
	if info.elements["circle"] != 1 || info.elements["polyline"] != 1 {
		t.Errorf("elements %v: want the lone point as a circle and one line", info.elements)
	}
}
