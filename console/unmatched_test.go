package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ncruces/go-sqlite3/driver"

	"github.com/zhiyi-ai/zhiyi/index"
	"github.com/zhiyi-ai/zhiyi/store"
)

var (
	sheetRe         = regexp.MustCompile(`name="sheet" value="([0-9a-f]+)"`)
	couponClusterRe = regexp.MustCompile(`(?s)id="cluster-(c\d+)">.{0,400}?优惠券`)
)

// Two operators had 未识别 open on the same cluster. 小王 labelled it invoice; 小李, on the
// page he had opened before, labelled it none: the second action silently replaced 小王's
// labels (AddLabels upserts) and told 小李 it worked. Members someone else labelled after the
// clustering was made are now left alone, and the operator is told how many, by whom, as what.
func TestUnmatchedLabelKeepsOthersLabels(t *testing.T) {
	for _, tt := range []struct {
		name string
		// meanwhile labels (some of) the coupon cluster after both pages were opened and
		// returns the labels it expects to survive.
		meanwhile func(t *testing.T, e *env, wang *client, sheet, cluster string) map[string]string
		told      string // in 小李's flash
		someSaved bool   // 小李's label stored for the rest
	}{
		{"the whole cluster, by 小王 on his page", func(t *testing.T, e *env, wang *client, sheet, cluster string) map[string]string {
			if r := wang.post("/console/unmatched/label", url.Values{"sheet": {sheet}, "cluster": {cluster}, "since": {"24h"}, "intent": {"invoice"}}); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("小王's label: %d", r.StatusCode)
			}
			want := map[string]string{}
			for _, l := range e.labels(SourceCluster) {
				want[l.Key] = "invoice"
			}
			if len(want) < 3 {
				t.Fatalf("小王's labels were not stored: %v", want)
			}
			return want
		}, "条已被 小王 标注为", false},
		{"one member, by 小张 elsewhere", func(t *testing.T, e *env, _ *client, _, _ string) map[string]string {
			l := store.Label{Key: "coupon-b", Text: "优惠券怎么领", Intent: "invoice", Source: SourceConsole, By: "小张", Time: e.clock()}
			if err := e.db.AddLabels(context.Background(), []store.Label{l}); err != nil {
				t.Fatal(err)
			}
			return map[string]string{"coupon-b": "invoice"}
		}, "1 条已被 小张 标注为", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envOpt{})
			e.seed(unmatchedDecisions(e.clock().Add(-2 * time.Hour))...)
			wang, li := e.client(), e.client()
			li.addr = "192.0.2.11:51000"
			wang.login("小王")
			li.login("小李")
			pw, pl := wang.get("/console/unmatched?since=24h").Body, li.get("/console/unmatched?since=24h").Body
			sw, cw, sl, cl := sheetRe.FindStringSubmatch(pw), couponClusterRe.FindStringSubmatch(pw), sheetRe.FindStringSubmatch(pl), couponClusterRe.FindStringSubmatch(pl)
			if sw == nil || cw == nil || sl == nil || cl == nil {
				t.Fatal("no coupon cluster on both pages")
			}
			e.advance(time.Minute)
			kept := tt.meanwhile(t, e, wang, sw[1], cw[1])
			e.advance(time.Minute)
			r := li.post("/console/unmatched/label", url.Values{"sheet": {sl[1]}, "cluster": {cl[1]}, "since": {"24h"}, "intent": {"none"}})
			flash := li.get(r.Header.Get("Location")).Body
			saved := 0
			for _, l := range append(e.labels(SourceCluster), e.labels(SourceConsole)...) {
				if want, ok := kept[l.Key]; ok {
					if l.Intent != want || l.By == "小李" {
						t.Errorf("message %s: the label %s was replaced by %s's %s", l.Key, want, l.By, l.Intent)
					}
				} else if l.By == "小李" && l.Intent == "none" {
					saved++
				}
			}
			if !strings.Contains(flash, tt.told) || !strings.Contains(flash, "未覆盖") {
				t.Errorf("小李 is not told whose labels were kept (want %q): %s", tt.told, regexp.MustCompile(`flash [a-z]+">[^<]*`).FindAllString(flash, -1))
			}
			if (saved > 0) != tt.someSaved {
				t.Errorf("小李's label stored for %d members, want some: %v", saved, tt.someSaved)
			}
		})
	}
}

// A label another tool wrote into the decision log with a time that is not a whole number of
// microseconds (a script's REAL) made 最近的聚类标注 fail to read: the page said "还没有。", as
// if nobody had labelled a cluster, and nothing reached the service log. The clusters are
// still shown, the table says the recent labels could not be read, and the error is logged.
func TestUnmatchedRecentLabelsUnreadable(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.seed(unmatchedDecisions(e.clock().Add(-2 * time.Hour))...)
	// Ten days ago: outside the page's 24h (the clustering reads the period's labels), inside
	// the 30 days the recent labels come from.
	at := e.clock().Add(-10 * 24 * time.Hour).UnixMicro()
	raw, err := driver.Open(e.db.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`INSERT INTO labels (label_key, at, text, intent, source, labelled_by) VALUES ('script-1', ?, '优惠券', 'invoice', ?, '脚本')`,
		float64(at)+0.5, SourceCluster); err != nil {
		t.Fatal(err)
	}
	cl := e.client()
	cl.login("小王")
	logged := e.logs.Len()
	r := cl.get("/console/unmatched?since=24h")
	if r.StatusCode != http.StatusOK {
		t.Errorf("status %d: the recent labels failing fails the page", r.StatusCode)
	}
	body := pageMain(r.Body)
	mustContain(t, body, "优惠券怎么用", recentLabelsUnreadable)
	if strings.Contains(body, "还没有。") {
		t.Error("the page says no cluster was labelled recently, yet it could not read them")
	}
	if line := e.logs.String()[logged:]; !strings.Contains(line, "console: decision log failed") || !strings.Contains(line, `"page":"unmatched"`) || !strings.Contains(line, "cannot read labels") {
		t.Errorf("the failed read is not in the service log:\n%s", line)
	}
}

// A week of unmatched messages is thousands of clusters, most of one message, and each cluster
// carries a form with every intent: 20,000 messages made a page of 40 MB. The page lists the
// largest maxShownClusters and says how many more there are; the label action still labels a
// listed cluster whole.
func TestUnmatchedListsTheLargestClusters(t *testing.T) {
	e := newEnv(t, envOpt{})
	t0 := e.clock().Add(-2 * time.Hour)
	ds := unmatchedDecisions(t0)
	// characters no two messages share: a cluster each
	for i := range maxShownClusters + 50 {
		text := string([]rune{rune(0x5000 + 3*i), rune(0x5001 + 3*i), rune(0x5002 + 3*i)})
		ds = append(ds, store.Decision{MsgID: fmt.Sprintf("odd-%d", i), Time: t0.Add(time.Duration(i) * time.Second),
			Text: text, Intent: "none", Route: store.RouteHandoff, Confidence: 0.2})
	}
	// a message that only gives personal data is left off, and said to be
	ds = append(ds, store.Decision{MsgID: "data-1", Time: t0, Text: "订单号 <ORDER>", Intent: "none", Route: store.RouteHandoff, Confidence: 0.2})
	e.seed(ds...)
	cl := e.client()
	cl.login("小王")
	body := cl.get("/console/unmatched?since=24h").Body
	mustContain(t, body, "另有 1 条消息只给了订单号、手机号等个人信息")
	if strings.Contains(body, "data-1") {
		t.Error("a message that only gives personal data is on the sheet")
	}
	shown := strings.Count(body, `<div class="cluster" id="cluster-`)
	if shown != maxShownClusters {
		t.Fatalf("%d clusters listed, want %d", shown, maxShownClusters)
	}
	all := regexp.MustCompile(`(\d+) 个聚类`).FindStringSubmatch(body)
	hidden := regexp.MustCompile(`其余 (\d+) 个较小的聚类（(\d+) 条消息）`).FindStringSubmatch(body)
	if all == nil || hidden == nil {
		t.Fatalf("the page does not say how many clusters there are and how many are not listed")
	}
	if n, h := atoi(t, all[1]), atoi(t, hidden[1]); n != shown+h || h < 40 || atoi(t, hidden[2]) < h {
		t.Errorf("%s clusters, %s not listed holding %s messages; %d listed", all[1], hidden[1], hidden[2], shown)
	}
	// the largest come first: the coupon questions are listed
	mustContain(t, body, "优惠券怎么用")
}

// Every cluster's form carried a select of every intent: a 174-intent shop's 未识别 with 137
// clusters was 1.5 MB, 24,000 options. The intents are one datalist the clusters' fields share.
func TestUnmatchedListsTheIntentsOnce(t *testing.T) {
	e := newEnv(t, envOpt{})
	t0 := e.clock().Add(-2 * time.Hour)
	ds := unmatchedDecisions(t0)
	for i := range 30 {
		text := string([]rune{rune(0x5000 + 3*i), rune(0x5001 + 3*i), rune(0x5002 + 3*i)})
		ds = append(ds, store.Decision{MsgID: fmt.Sprintf("odd-%d", i), Time: t0.Add(time.Duration(i) * time.Second),
			Text: text, Intent: "none", Route: store.RouteHandoff, Confidence: 0.2})
	}
	e.seed(ds...)
	cl := e.client()
	cl.login("小王")
	body := cl.get("/console/unmatched?since=24h").Body
	if n := strings.Count(body, `<div class="cluster" id="cluster-`); n < 30 {
		t.Fatalf("%d clusters listed, want 30 or more", n)
	}
	if n := strings.Count(body, `<option value="return_goods"`); n != 1 {
		t.Errorf("return_goods is offered %d times on the page, want once", n)
	}
	if n := strings.Count(body, `list="intent-choices"`); n != strings.Count(body, `<div class="cluster" id="cluster-`) {
		t.Errorf("%d intent fields use the page's list of intents, want one a cluster", n)
	}
}

// The field of the shared list takes what an operator types as well as what the list fills in.
func TestUnmatchedChosenIntentTyped(t *testing.T) {
	kb, err := index.LoadKB("../corpora/shop/kb.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for typed, want := range map[string]string{"return_goods": "return_goods", " 退货 ": "return_goods",
		"退货（return_goods）": "return_goods", "none": "none", "不在范围（none）": "none", "不在范围": "none"} {
		if got, problem := chosenIntent(kb, typed, ""); got != want || problem != "" {
			t.Errorf("%q: %q, %q; want %q", typed, got, problem, want)
		}
	}
	if got, problem := chosenIntent(kb, "退款退货", ""); got != "" || !strings.Contains(problem, "退款退货") {
		t.Errorf("an intent the knowledge base lacks: %q, %q", got, problem)
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A new intent's label that is an intent the knowledge base already has (its Chinese label or
// its id) is refused with the intent to pick instead: as new:退货 it would be a label zhiyi
// learn leaves out, and the cluster's messages would never be learnt as return_goods.
func TestUnmatchedNewLabelOfAnExistingIntent(t *testing.T) {
	kb, err := index.LoadKB("../corpora/shop/kb.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, typed := range []string{"退货", " 退货 ", "return_goods", "none", "不在范围"} {
		got, problem := chosenIntent(kb, "", typed)
		if got != "" || problem == "" {
			t.Errorf("new label %q: %q, %q; want it refused", typed, got, problem)
		}
	}
	if _, problem := chosenIntent(kb, "", "退货"); !strings.Contains(problem, "return_goods") {
		t.Errorf("the refusal %q does not name the intent to choose", problem)
	}
	if got, problem := chosenIntent(kb, "", "618预售定金"); got != "new:618预售定金" || problem != "" {
		t.Errorf("a new intent: %q, %q", got, problem)
	}
}
