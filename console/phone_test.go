package console

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/store"
)

// The phone the console is checked at: 390×844 CSS pixels at device scale 2, a mobile browser
// with touch (an iPhone 12 to 15, or 企业微信's browser on one).
const (
	phoneWidth, phoneHeight = 390, 844
	phoneShotMax            = 2 * phoneHeight // the longest phone screenshot: two screens, in CSS pixels
	thumb                   = 40              // the smallest control a thumb hits reliably, in CSS pixels
	chartText               = 11              // the smallest text a chart may draw, in CSS pixels as rendered
)

// emulatePhone turns the browser into the phone, height CSS pixels tall: the page is laid out
// as a phone lays it out, by its viewport meta tag.
func emulatePhone(height int64) chromedp.Action[chromedp.Void] {
	return chromedp.EmulateViewport(phoneWidth, height, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch)
}

// TestPhone opens every page of the console on the phone, with data in its tables, charts and
// forms, and checks that an operator can use it with one thumb: the page is no wider than the
// screen (a table or a chart wider than that scrolls inside its own box), every nav link can be
// reached without panning the page, and the nav, buttons and form fields are at least thumb CSS
// pixels each way, and the charts' text is drawn at chartText CSS pixels or more. Against the
// stylesheet from before this test every page failed: controls under 40 px everywhere, and
// 测试模式's result, 规则与答案, 实验, 看板, 模型 and 数据删除's records wider than the screen (看板
// 671 px, 实验 825), so that the phone showed them zoomed out. Charts drawn 640 and 720 units
// wide into the phone's screen drew their text at 5.6 px (看板) and 5.2 px (实验) until the
// console drew them for a phone as well (board.Phone: 12.6 and 12 px). It skips only when
// chromium is not installed.
func TestPhone(t *testing.T) {
	b := newBrowser(t, phoneWidth, phoneHeight)
	b.do(t, "become a phone", emulatePhone(phoneHeight))
	s := tourStack(t)
	tour(t, b, s, func(page string) {
		t.Helper()
		c, err := chromedp.Run(b.ctx, chromedp.Evaluate[phoneCheck](fmt.Sprintf("(%s)(%d, %d, %d)", phoneCheckJS, phoneWidth, thumb, chartText)))
		if err != nil {
			t.Fatalf("%s: %v", page, err)
		}
		// A mobile browser shows a page wider than the screen zoomed out (window.innerWidth grows
		// to fit it), so the document's width is held against the phone's as well.
		if c.ScrollWidth > c.InnerWidth+1 || c.InnerWidth != phoneWidth {
			t.Errorf("%s: the page is %d CSS px wide on a %d px phone (window.innerWidth %d); past the screen's edge: %s",
				page, c.ScrollWidth, phoneWidth, c.InnerWidth, strings.Join(c.Outside, "; "))
		}
		if len(c.Unreachable) > 0 {
			t.Errorf("%s: nav links out of reach: %s", page, strings.Join(c.Unreachable, "; "))
		}
		if signedIn := page != "/console/login"; signedIn && c.NavLinks == 0 {
			t.Errorf("%s: no nav links", page)
		}
		if len(c.Small) > 0 {
			t.Errorf("%s: controls smaller than %d CSS px: %s", page, thumb, strings.Join(c.Small, "; "))
		}
		if len(c.ChartText) > 0 {
			t.Errorf("%s: chart text under %d CSS px as drawn: %s", page, chartText, strings.Join(c.ChartText, "; "))
		}
	})
}

// tourStack is a stack with traffic for every table: questions the model does not place
// (未识别), invoices for the experiment with ratings, and agents' corrections (错判案例).
func tourStack(t *testing.T) *stack {
	t.Helper()
	_, ab := trained(t)
	s := newStack(t, stackOpt{bundle: ab, rulesFile: []byte(testRules), alerts: true,
		experiments: []byte("version: 1\nexclude_senders: [wmBossAccount0001]\n")})
	texts := []string{"优惠券怎么用", "优惠券怎么领", "优惠券在哪里领", "领的优惠券怎么用不了", "优惠券能叠加吗",
		"怎么开发票", "可以开专票吗", "发票怎么开", "什么时候发货", "我想退货", "东西不要了怎么寄回去", "多久能发出"}
	var ids []string
	for i := range 36 {
		res := s.intent(intent.Request{Text: texts[i%len(texts)], MsgID: fmt.Sprintf("m-%d", i), SenderID: sender(i), Channel: channel(i)})
		ids = append(ids, res.MsgID)
		if res.Answer != nil {
			s.feedback(map[string]any{"msg_id": res.MsgID, "rating": 1 + i%5})
		}
	}
	if err := s.rec.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids[8:12] {
		if err := s.db.AddFeedback(context.Background(), store.Feedback{MsgID: id, CorrectIntent: "shipping_time", AgentID: "zhangsan"}); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// tour opens every page of the console on s with data in its tables, charts and forms — the
// sign-in page, 测试模式 before and after a test, a rule's test, 数据删除 with a customer's
// records and the error page among them — and calls check on each, named by its path.
func tour(t *testing.T, b *browser, s *stack, check func(page string)) {
	t.Helper()
	open := func(path string) {
		t.Helper()
		b.do(t, "open "+path, chromedp.Navigate(s.base+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
		check(path)
	}
	open("/console/login")
	b.login(t, s.base, "运营小王")
	check("/console/test")
	b.do(t, "type a message", chromedp.SetValue(chromedp.CSS(`#test-form textarea[name="text"]`), "我要投诉，发货太慢了，电话13812345678"),
		chromedp.SetValue(chromedp.CSS(`#test-form textarea[name="history"]`), "什么时候发货"))
	b.submit(t, "test the message", `#test-form button`)
	b.do(t, "see the result", chromedp.WaitVisible(chromedp.CSS("#test-result")))
	check("/console/test (a result)")
	open("/console/unmatched?since=24h")
	open("/console/corrections?since=30d")
	open("/console/rules")
	b.do(t, "test a rule", chromedp.SetValue(chromedp.CSS(`#rules-test input[name="text"]`), "我要投诉"))
	b.submit(t, "run the rule test", `#rules-test button`)
	b.do(t, "see the rule", chromedp.WaitVisible(chromedp.CSS("#rules-hit")))
	check("/console/rules (a test)")
	open("/console/experiments?since=30d")
	open("/console/board?since=7d")
	open("/console/models")
	open("/console/forget")
	b.do(t, "name a customer", chromedp.SetValue(chromedp.CSS(`form.forget input[name="sender_id"]`), sender(0)))
	b.submit(t, "look at their records", `form.forget button[value="preview"]`)
	b.do(t, "see them", chromedp.WaitVisible(`//p[contains(., "共 ")]`))
	check("/console/forget (a preview)")
	open("/console/models/report?bundle=none") // the error page
}

// phoneCheck is what phoneCheckJS measures on a page.
type phoneCheck struct {
	ScrollWidth int      `json:"scrollWidth"` // the document's
	InnerWidth  int      `json:"innerWidth"`  // the window's: the layout viewport, in CSS px
	Outside     []string `json:"outside"`     // the outermost elements reaching past the right edge, outside any box of their own that scrolls
	NavLinks    int      `json:"navLinks"`
	Unreachable []string `json:"unreachable"` // nav links one cannot bring into view and tap without panning the page
	Small       []string `json:"small"`       // nav links, buttons and form fields under thumb CSS px either way
	ChartText   []string `json:"chartText"`   // charts whose smallest text is drawn under chartText CSS px, with its size
}

// phoneCheckJS is a function of the phone's width, thumb and chartText that measures the page
// for TestPhone. A nav link counts as reachable when, scrolled into view (inside a strip that
// scrolls, if the nav is one) without moving the page sideways, it is on the screen and on top
// at its centre. A checkbox is measured by its label, which takes the tap as well; links inside
// running text are not measured. A chart's text is measured as drawn: its font size in the SVG's
// units times the scale the SVG is drawn at (a chart hidden on this screen is not measured).
const phoneCheckJS = `(width, thumb, chartText) => {
  const vw = Math.min(width, window.innerWidth), vh = window.innerHeight;
  const name = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (typeof el.className === "string" && el.className.trim() ? "." + el.className.trim().split(/\s+/).join(".") : "") +
    ' "' + (el.textContent || el.value || el.placeholder || el.name || "").trim().split(/\s+/)[0].slice(0, 16) + '"';
  const contained = el => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== "visible") return true;
    }
    return false;
  };
  const out = {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, outside: [], navLinks: 0, unreachable: [], small: [], chartText: []};
  const past = new Set();
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= vw + 1 || contained(el)) continue;
    past.add(el);
    if (!past.has(el.parentElement) && out.outside.length < 8) out.outside.push(name(el) + " to " + Math.round(r.right));
  }
  for (const a of document.querySelectorAll("header nav a")) {
    out.navLinks++;
    a.scrollIntoView({block: "nearest", inline: "nearest"});
    const r = a.getBoundingClientRect();
    const at = document.elementFromPoint((r.left + r.right) / 2, (r.top + r.bottom) / 2);
    if (window.scrollX !== 0 || r.width === 0 || r.left < -1 || r.right > vw + 1 || r.top < -1 || r.bottom > vh + 1 || !a.contains(at)) {
      out.unreachable.push(name(a));
    }
  }
  window.scrollTo(0, 0);
  for (const el of document.querySelectorAll("header a, header button, main button, main select, main textarea, main input:not([type=hidden])")) {
    const t = (el.type === "checkbox" || el.type === "radio") && el.closest("label") || el;
    const r = t.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    const what = name(el) + " " + Math.round(r.width) + "×" + Math.round(r.height);
    if ((r.width < thumb - 0.5 || r.height < thumb - 0.5) && !out.small.includes(what)) out.small.push(what);
  }
  for (const svg of document.querySelectorAll("main svg")) {
    const m = svg.getScreenCTM();
    if (svg.getBoundingClientRect().width === 0 || !m) continue;
    let least = Infinity, what = "";
    for (const t of svg.querySelectorAll("text")) {
      const px = parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b);
      if (px < least) { least = px; what = t.textContent.trim().slice(0, 16); }
    }
    if (least < chartText - 0.05) out.chartText.push('"' + (svg.getAttribute("aria-label") || "") + '" ' + least.toFixed(1) + ' px ("' + what + '")');
  }
  return out;
}`
