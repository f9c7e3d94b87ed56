package board_test

import (
	"bytes"
	"html/template"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/board"
)

func TestWriteHTML(t *testing.T) {
	db := fillLog(t, t.TempDir())
	b, err := board.Build(testCtx(t), db, board.Query{Since: T0, Until: T0.Add(48 * time.Hour),
		Labels: map[string]string{"invoice": "发票", "return_goods": "退货<b>"}})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := b.WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	// every chart is valid SVG with its points inside its box
	svgs := 0
	for rest := page; ; {
		i := strings.Index(rest, "<svg")
		if i < 0 {
			break
		}
		j := strings.Index(rest[i:], "</svg>")
		if j < 0 {
			t.Fatal("unterminated svg")
		}
		board.CheckSVG(t, template.HTML(rest[i:i+j+len("</svg>")]))
		rest = rest[i+j:]
		svgs++
	}
	// volume, rates, rating, bad ratings, latency, hours, intents
	if svgs != 7 {
		t.Errorf("%d charts, want 7", svgs)
	}
	for _, want := range []string{
		"消息量", "解决率", "转人工率", "未识别率", "满意度", "重述率", "延迟", "按意图", "按小时",
		"&lt;script&gt;alert(", // the hostile intent, escaped in the bar chart and the table
		"发票 invoice", "退货&lt;b&gt; return_goods", "范围外 none",
		"invoice.b", "<td class=\"l\">kf</td>", "66.7%", "3.25", "33.3%",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	for _, bad := range []string{"<script", "退货<b>", "javascript:", " src=", " href=", "@import", "https://"} {
		if strings.Contains(page, bad) {
			t.Errorf("the page holds %q: it must be self-contained and escaped", bad)
		}
	}
	// url( only for a column's pattern, defined in the same chart: url(#…)
	if n := strings.Count(page, "url(") - strings.Count(page, "url(#"); n != 0 {
		t.Errorf("the page holds %d url( that are not a pattern's #id: it must be self-contained", n)
	}
	if strings.Count(page, "http://") != svgs { // the SVG namespace, once a chart
		t.Errorf("the page refers to http:// %d times besides the SVG namespace", strings.Count(page, "http://")-svgs)
	}
	// the unrecognised card stands out
	if !strings.Contains(page, `class="card alarm">未识别率`) {
		t.Error("the unrecognised card is not marked")
	}
}

func TestWriteText(t *testing.T) {
	db := fillLog(t, t.TempDir())
	b, err := board.Build(testCtx(t), db, board.Query{Since: T0, Until: T0.Add(48 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := b.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	text := buf.String()
	for _, want := range []string{
		"2026-11-02 00:00 – 2026-11-04 00:00 (CST): 6 messages",
		"未识别 unrecognised", "16.7%", "33.3%", "66.7%", "3.25", "p50 300µs", "p99 600µs",
		"by channel:", "wecom", "by intent:", "by answer:", "invoice.b", "busiest hours (CST):  9时 4",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
}

// An intent renamed or deleted since its messages were decided: labelled from the knowledge base
// that serves now, its rows were shown as a bare id beside the live intents, as if it were one
// of them. It is marked, and the text says which intents the knowledge base lacks.
func TestWriteTextMarksIntentsNotInKB(t *testing.T) {
	db := fillLog(t, t.TempDir())
	labels := map[string]string{"invoice": "开发票"} // return_goods and the evil id: gone since
	b, err := board.Build(testCtx(t), db, board.Query{Since: T0, Until: T0.Add(48 * time.Hour), Labels: labels})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := b.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	text := buf.String()
	for _, want := range []string{
		"开发票 invoice", "return_goods" + board.NotInKBMark, "范围外 none",
		"note: 2 intent(s) of the period are not in the knowledge base", "return_goods (2)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "none"+board.NotInKBMark) || strings.Contains(text, "invoice"+board.NotInKBMark) {
		t.Errorf("an intent of the knowledge base (or none) is marked:\n%s", text)
	}
	// the HTML report (zhiyi report --html) says the same
	buf.Reset()
	if err := b.WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"return_goods" + board.NotInKBMark, "2 intent(s) of the period are not in the knowledge base", "return_goods (2)"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("the HTML report lacks %q", want)
		}
	}
	// Without a knowledge base nothing is known to be gone.
	b.Labels = nil
	if got := b.NotInKB(); got != nil || b.Label("return_goods") != "return_goods" {
		t.Errorf("without labels: NotInKB %v, Label %q", got, b.Label("return_goods"))
	}
}

// The page's "Generated" time is on the page's clock, like the period beside it: it was the
// server's zone, and under TZ=UTC a report run at the end of its period said it was generated
// eight hours before that end.
func TestWriteHTMLGeneratedInLocation(t *testing.T) {
	db := fillLog(t, t.TempDir())
	now := T0.Add(48 * time.Hour).UTC() // time.Now in a server whose TZ is UTC
	b, err := board.Build(testCtx(t), db, board.Query{Since: T0, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := b.WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	want := "Generated " + now.In(board.CST).Format("2006-01-02 15:04")
	if !strings.Contains(buf.String(), want) {
		t.Errorf("the page lacks %q (the period ends at %s)", want, b.Until.Format("2006-01-02 15:04 MST"))
	}
}
