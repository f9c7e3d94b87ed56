package board

import (
	"encoding/xml"
	"html"
	"html/template"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/store"
)

// phoneBoard is a board of n buckets a step apart, every series with values and silent
// messages, so that the volume chart has four keys in its legend.
func phoneBoard(n int, step time.Duration, bucket string) *Board {
	b := &Board{Bucket: bucket, TimeZone: "CST"}
	start := time.Date(2026, 11, 30, 0, 0, 0, 0, CST)
	for i := range n {
		m := int64(10 + i%24*7 + i%5)
		s := store.Stats{Messages: m, Handoffs: m / 5, Suggested: m / 4, Silent: 1, Unrecognised: m / 9, Repeats: int64(i % 3),
			Ratings: 2, MeanRating: 3 + float64(i%3)/2, BadRatings: int64(i % 2), Resolved: m / 3, ResolvedKnown: m / 2,
			LatencyP50: int64(20 + i%7), LatencyP99: int64(1200 + i*30%1700)}
		b.Series = append(b.Series, store.Bucket{Start: start.Add(time.Duration(i) * step), Stats: s})
		b.Messages += m
		b.Ratings += s.Ratings
		b.Silent += s.Silent
	}
	for h := range 24 {
		b.ByHour = append(b.ByHour, HourStats{Hour: h, Messages: int64(h*300 + 5), Unrecognised: int64(h % 4)})
	}
	for i, k := range []string{"invoice", "none", "return_goods", "一个非常非常长的中文意图标签名字"} {
		b.ByIntent = append(b.ByIntent, store.Group{Key: k, Stats: store.Stats{Messages: int64(40000 - i*7000)}})
	}
	return b
}

// svgText is one <text> of a chart: where it is anchored, how large, and what it says.
type svgText struct {
	x, size float64
	anchor  string
	text    string
}

// texts lists a chart's <text> elements (a tspan's text counts with its text's).
func texts(t *testing.T, out string) []svgText {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(out))
	var list []svgText
	in := false
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch el := tok.(type) {
		case xml.StartElement:
			if el.Name.Local != "text" {
				continue
			}
			in = true
			st := svgText{anchor: "start"}
			for _, a := range el.Attr {
				switch a.Name.Local {
				case "x":
					st.x, _ = strconv.ParseFloat(a.Value, 64)
				case "font-size":
					st.size, _ = strconv.ParseFloat(a.Value, 64)
				case "text-anchor":
					st.anchor = a.Value
				}
			}
			list = append(list, st)
		case xml.EndElement:
			if el.Name.Local == "text" {
				in = false
			}
		case xml.CharData:
			if in {
				list[len(list)-1].text += string(el)
			}
		}
	}
	return list
}

// On a phone (Phone) every chart of a board, by the day and by the hour, is drawn 340 units
// wide with no text under 12 units, inside its box; its legend keeps every series (wrapping to
// a second row), its x labels stay apart and inside the chart, and it has no tooltips (nor a
// line's dots past 60 points).
func TestChartsAtPhone(t *testing.T) {
	for _, b := range []*Board{phoneBoard(8, Day, "day"), phoneBoard(168, Hour, "hour"), phoneBoard(31, Day, "day")} {
		c := b.ChartsAt(Phone)
		for _, h := range []template.HTML{c.Volume, c.Rates, c.Rating, c.Latency, c.Hours, c.ByIntent} {
			for _, one := range strings.SplitAfter(string(h), "</svg>") {
				if one == "" {
					continue
				}
				checkSVG(t, template.HTML(one))
				if !strings.Contains(one, `width="340"`) {
					t.Errorf("not 340 wide: %.120s", one)
				}
				var labels []svgText
				for _, tx := range texts(t, one) {
					if tx.size < Phone.Text {
						t.Errorf("%q drawn at %g units, under %g", tx.text, tx.size, Phone.Text)
					}
					if tx.anchor == "middle" {
						labels = append(labels, tx)
					}
				}
				for i, l := range labels {
					half := textWidth(l.text, l.size) / 2
					if l.x-half < 0 || l.x+half > 340 {
						t.Errorf("x label %q at %.1f passes the chart's edge", l.text, l.x)
					}
					if i > 0 && labels[i-1].x+textWidth(labels[i-1].text, l.size)/2 > l.x-half {
						t.Errorf("x labels %q and %q overlap", labels[i-1].text, l.text)
					}
				}
			}
		}
		for _, name := range []string{"自动回复 auto", "推荐 suggest", "转人工 handoff", "静默 silent"} {
			if !strings.Contains(string(c.Volume), ">"+name+"</text>") {
				t.Errorf("the phone's volume legend has no %q", name)
			}
		}
		if !strings.Contains(string(c.ByIntent), "<tspan") {
			t.Error("the phone's intent bars are not stacked")
		}
		if strings.Contains(string(c.Volume+c.Rates+c.Rating+c.Latency+c.Hours), "<title>") {
			t.Error("the phone's charts have tooltips: a phone cannot hover")
		}
		if n := strings.Count(string(c.Rates), "<circle"); (len(b.Series) > 60) != (n == 0) {
			t.Errorf("%d dots on the phone's rates over %d points: want them up to 60 points", n, len(b.Series))
		}
	}
}

// A stacked bar chart writes each label in bold with its value on a line over its bar, which
// takes the chart's whole width; what does not fit is shortened, and the tooltip keeps it all.
func TestBarChartStacked(t *testing.T) {
	long := "投放 1600 · 评分 1400 · 对照组 · 已停止 · 灰度"
	out := BarChart(Bars{Title: "平均评分（95% 置信区间）与投放次数", Format: Rating, Min: 1, Max: 5, Width: 340, Text: 12, Stacked: true, Items: []Bar{
		{Label: "shipping_time.a", Value: 5, Low: 4.5, High: 5.5, Note: "投放 13"},
		{Label: "一个非常非常长的中文意图标签名字一个非常非常长的中文意图标签名字", Value: 3, Note: long},
		{Label: "<b>", Value: math.NaN()},
	}})
	info := checkSVG(t, template.HTML(out))
	if info.elements["tspan"] != 3 || info.elements["rect"] != 3 {
		t.Errorf("elements %v: want a bold label and a bar per item", info.elements)
	}
	for _, want := range []string{`<tspan font-weight="bold">shipping_time.a</tspan>：5 · 投放 13`, `x="4.0" y="46.1" width="332.0"`,
		`<title>一个非常非常长的中文意图标签名字一个非常非常长的中文意图标签名字: 3 · ` + long, `&lt;b&gt;</tspan>：–`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("no %s in\n%s", want, out)
		}
	}
	for _, tx := range texts(t, string(out)) {
		if w := textWidth(tx.text, tx.size*1.05); tx.x+w > 340 {
			t.Errorf("%q (%.0f units) passes the chart's edge", tx.text, w)
		}
	}
}

var descRe = regexp.MustCompile(`<desc>([^<]*)</desc>`)

func desc(t *testing.T, out template.HTML) string {
	t.Helper()
	m := descRe.FindStringSubmatch(string(out))
	if m == nil {
		t.Fatalf("no <desc> in %s", out)
	}
	return html.UnescapeString(m[1])
}

// Every chart says in words, for a screen reader, what it shows: the span, and each series'
// lowest, highest and last value where they fall (columns: their total too); a bar chart every
// item's value and interval.
func TestDescribe(t *testing.T) {
	nan := math.NaN()
	series := []Series{{Name: "解决率", Values: []float64{0.5, 0.25, nan, 0.75}}, {Name: hostile, Values: []float64{nan, nan, nan, nan}}}
	line := LineChart(Chart{Title: "rates", Labels: []string{"11-30 周一", "12-01 周二", "12-02 周三", "12-03 周四"}, Format: Percent, Series: series})
	checkSVG(t, line)
	want := "11-30 周一 至 12-03 周四，4 个点。解决率：最低 25%（12-01 周二），最高 75%（12-03 周四），最近 75%（12-03 周四）。" +
		`<script>alert("x")</script>&"'：没有数据。`
	if got := desc(t, line); got != want {
		t.Errorf("line chart:\n got %s\nwant %s", got, want)
	}
	cols := ColumnChart(Chart{Title: "消息量", Labels: []string{"0时", "1时"}, Series: []Series{{Name: "auto", Values: []float64{1200, 30}}}})
	if got, want := desc(t, cols), "0时 至 1时，2 个点。auto：最低 30（1时），最高 1.2k（0时），最近 30（1时），合计 1.2k。"; got != want {
		t.Errorf("column chart:\n got %s\nwant %s", got, want)
	}
	if got := desc(t, LineChart(Chart{})); got != "没有数据。" {
		t.Errorf("empty chart: %s", got)
	}
	bars := BarChart(Bars{Format: Rating, Items: []Bar{{Label: "a", Value: 4.2, Low: 3.9, High: 4.5, Note: "投放 30"}, {Label: "b", Value: nan}}})
	if got, want := desc(t, bars), "a：4.2 · 投放 30（区间 3.9 至 4.5）；b：–。"; got != want {
		t.Errorf("bar chart:\n got %s\nwant %s", got, want)
	}
	if !slices.Contains(checkSVG(t, bars).texts, "a：4.2 · 投放 30（区间 3.9 至 4.5）；b：–。") {
		t.Error("the description is not the svg's text")
	}
}
