package console

import (
	"encoding/xml"
	"html/template"
	"io"
	"math"
	"strings"
	"testing"
)

// wellFormed parses an SVG as XML and returns its text and the number of elements by name.
func wellFormed(t *testing.T, svg template.HTML) (string, map[string]int) {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(string(svg)))
	var text strings.Builder
	count := map[string]int{}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed: %v\n%s", err, svg)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			count[tok.Name.Local]++
			for _, a := range tok.Attr {
				if a.Name.Local == "style" || strings.HasPrefix(a.Name.Local, "on") {
					t.Errorf("attribute %s: the content security policy forbids it", a.Name.Local)
				}
			}
		case xml.CharData:
			text.Write(tok)
		}
	}
	return text.String(), count
}

func TestLineChart(t *testing.T) {
	svg := lineChart(chart{Title: "解决率 <b>", Labels: []string{"a", "b", "c", "d"}, Format: percentText, Max: 1,
		Series: []series{{"解决率", colorGood, []float64{0.5, math.NaN(), 0.75, 1}}, {`<script>alert(1)</script>`, "red;", []float64{0.1, 0.2, 0.3, 0.4}}}})
	text, n := wellFormed(t, svg)
	if n["svg"] != 1 || n["path"] != 2 || n["circle"] != 7 {
		t.Errorf("elements %v: want one svg, two lines, seven points (the NaN is none)", n)
	}
	if strings.Contains(string(svg), "<script>") || !strings.Contains(text, "<script>alert(1)</script>") || !strings.Contains(text, "解决率 <b>") {
		t.Error("a name or title is not escaped, or not shown")
	}
	if strings.Count(string(svg), " M") != 3 { // the first series breaks at its gap
		t.Errorf("want three line segments:\n%s", svg)
	}
	if strings.Contains(string(svg), "red;") {
		t.Error("a colour that is not #rrggbb reached the SVG")
	}
	if !strings.Contains(text, "100.0%") || !strings.Contains(text, "解决率 c：75.0%") {
		t.Errorf("ticks or tooltips missing: %s", text)
	}
}

func TestColumnChart(t *testing.T) {
	svg := columnChart(chart{Title: "消息量", Labels: []string{"11-01", "11-02"},
		Series: []series{{"自动回复", colorVolume, []float64{30, 0}}, {"转人工", colorHandoff, []float64{10, math.NaN()}}}})
	text, n := wellFormed(t, svg)
	if n["rect"] != 2+2 { // two legend squares, two columns (zero and NaN draw nothing)
		t.Errorf("rects %d", n["rect"])
	}
	if !strings.Contains(text, "自动回复 11-01：30") || !strings.Contains(text, "转人工 11-01：10") || !strings.Contains(text, "50") {
		t.Errorf("tooltips or the rounded axis missing: %s", text)
	}
}

func TestBarChart(t *testing.T) {
	svg := barChart(bars{Title: "评分", Format: ratingText, Min: 1, Max: 5, Items: []bar{
		{Label: "a", Value: 4.2, Low: 3.9, High: 4.5, Note: "投放 30"},
		{Label: "<b>", Value: math.NaN(), Low: math.NaN(), High: math.NaN()},
	}})
	text, n := wellFormed(t, svg)
	if n["line"] != 3 { // one interval with its two ends
		t.Errorf("lines %d: want one whisker", n["line"])
	}
	if !strings.Contains(text, "4.20  投放 30") || !strings.Contains(text, "无数据") || !strings.Contains(text, "<b>") {
		t.Errorf("text: %s", text)
	}
}

func TestNiceMax(t *testing.T) {
	for in, want := range map[float64]float64{0: 1, 0.7: 1, 3: 5, 11: 20, 150: 200, 1000: 1000, math.NaN(): 1} {
		if got := niceMax(in); got != want {
			t.Errorf("niceMax(%v) = %v, want %v", in, got, want)
		}
	}
}
