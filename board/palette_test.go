package board

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/zhiyi-ai/zhiyi/internal/wcag"
)

// TestPaletteContrast: every colour a chart draws its data with — the Palette, the dashboard's
// meanings and the axis the columns stand on — has WCAG 2.1 SC 1.4.11's 3:1 contrast with the
// white the charts are drawn on (the console's TestAccessibility checks the same in Chromium,
// on the colours it computes). ColorSuggest, ColorHandoff and ColorMuted had 2.17–2.33:1.
func TestPaletteContrast(t *testing.T) {
	colours := map[string]string{"ColorVolume": ColorVolume, "ColorSuggest": ColorSuggest, "ColorBad": ColorBad,
		"ColorHandoff": ColorHandoff, "ColorGood": ColorGood, "ColorRating": ColorRating, "ColorRepeat": ColorRepeat,
		"ColorMuted": ColorMuted, "colorAxis": colorAxis}
	for i, c := range Palette {
		colours["Palette["+string(rune('0'+i))+"]"] = c
	}
	for name, c := range colours {
		r, err := wcag.Contrast(c, "#fff")
		if err != nil || r < 3 {
			t.Errorf("%s %s: %.2f:1 on white (%v), want at least 3:1", name, c, r, err)
		}
	}
}

// TestSeriesApart: series of one colour still look different, so that no chart tells its
// series apart by colour alone (WCAG 1.4.1): a line chart's lines and their legend keys by
// their dashes, a column chart's pieces and their keys by their fill (a pattern, or none).
func TestSeriesApart(t *testing.T) {
	var series []Series
	for _, name := range []string{"a", "b", "c", "d"} {
		series = append(series, Series{Name: name, Color: ColorVolume, Values: []float64{1, 2, 3, 2}})
	}
	c := Chart{Title: "four", Labels: []string{"1", "2", "3", "4"}, Series: series}
	out := string(LineChart(c))
	checkSVG(t, LineChart(c))
	dashRe := regexp.MustCompile(`stroke-dasharray="([^"]*)"`)
	lines, keys := map[string]bool{}, map[string]bool{}
	for _, m := range regexp.MustCompile(`<(polyline|line) [^>]*/>`).FindAllStringSubmatch(out, -1) {
		if !strings.Contains(m[0], `stroke="`+ColorVolume+`"`) {
			continue // the grid and the axis
		}
		d := ""
		if dm := dashRe.FindStringSubmatch(m[0]); dm != nil {
			d = dm[1]
		}
		if m[1] == "line" {
			keys[d] = true
		} else {
			lines[d] = true
		}
	}
	if len(lines) != 4 || len(keys) != 4 {
		t.Errorf("four series of one colour: %d kinds of line, %d of legend key; want 4 each:\n%s", len(lines), len(keys), out)
	}
	for d := range keys {
		if !lines[d] {
			t.Errorf("a legend key dashed %q, no line", d)
		}
	}
	out = string(ColumnChart(c))
	checkSVG(t, ColumnChart(c))
	fills := map[string]int{}
	for _, m := range regexp.MustCompile(`<rect [^>]*fill="([^"]*)"`).FindAllStringSubmatch(out, -1) {
		fills[m[1]]++
	}
	if len(fills) != 4 {
		t.Errorf("four series of one colour: %d fills, want 4: %v", len(fills), fills)
	}
	for f, n := range fills {
		if n != 5 { // the legend's key and four columns
			t.Errorf("fill %s on %d rects, want 5", f, n)
		}
	}
	// The wide drawing and the phone's are on one page: their patterns' ids differ.
	c.Width, c.Text = Phone.Width, Phone.Text
	if phone := string(ColumnChart(c)); strings.Contains(phone, `id="`+regexp.MustCompile(`id="([^"]*)"`).FindStringSubmatch(out)[1]+`"`) {
		t.Error("the phone's patterns have the wide chart's ids")
	}
}

// TestStackedGap: a unit of white parts a column's pieces, so that two colours never touch.
func TestStackedGap(t *testing.T) {
	out := string(ColumnChart(Chart{Title: "gap", Labels: []string{"x"}, Max: 100, Series: []Series{
		{Name: "a", Values: []float64{50}}, {Name: "b", Values: []float64{50}}}}))
	var ys, hs []float64
	for _, m := range regexp.MustCompile(`<rect x="[^"]*" y="([^"]*)" width="[^"]*" height="([^"]*)" fill="[^"]*">`).FindAllStringSubmatch(out, -1) {
		ys, hs = append(ys, atof(t, m[1])), append(hs, atof(t, m[2]))
	}
	if len(ys) != 2 {
		t.Fatalf("%d pieces, want 2:\n%s", len(ys), out)
	}
	// a (bottom) is drawn first and whole; b stops a unit above a's top
	if gap := ys[0] - (ys[1] + hs[1]); math.Abs(gap-1) > 0.11 {
		t.Errorf("b ends %.1f above a, want 1", gap)
	}
}

func atof(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
