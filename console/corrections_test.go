package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/store"
)

var untilRe = regexp.MustCompile(`name="until" value="([^"]+)"`)

// Two operators had 错判案例 open. 小王 accepted the group return_goods → invoice; 小李, on
// the page he had opened before, accepted it too, and his labels replaced 小王's (AddLabels
// upserts); or an agent's newer correction had 小张 label one of its messages
// shipping_time meanwhile, and 小李's accept put it back to invoice. Messages someone else
// labelled after the page was made now keep their label, and 小李 is told how many, by whom
// and as what, as 未识别 does.
func TestCorrectionsAcceptKeepsOthersLabels(t *testing.T) {
	for _, tt := range []struct {
		name string
		// meanwhile labels (some of) the group after both pages were opened and returns
		// the labels it expects to survive, msg_id → intent.
		meanwhile func(t *testing.T, e *env, wang *client, until string) map[string]string
		told      string // in 小李's flash
		someSaved bool   // 小李's label stored for the rest
	}{
		{"the whole group, by 小王 on his page", func(t *testing.T, e *env, wang *client, until string) map[string]string {
			if r := wang.post("/console/corrections/accept", url.Values{"predicted": {"return_goods"}, "correct": {"invoice"}, "since": {"30d"}, "until": {until}}); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("小王's accept: %d", r.StatusCode)
			}
			return map[string]string{"c1": "invoice", "c2": "invoice"}
		}, "2 条已被 小王 标注为", false},
		{"one message, by 小张 elsewhere", func(t *testing.T, e *env, _ *client, _ string) map[string]string {
			l := store.Label{Key: "c1", Text: "发票抬头写错了", Intent: "shipping_time", Source: SourceCluster, By: "小张", Time: e.clock()}
			if err := e.db.AddLabels(context.Background(), []store.Label{l}); err != nil {
				t.Fatal(err)
			}
			return map[string]string{"c1": "shipping_time"}
		}, "1 条已被 小张 标注为", true},
		{"by nobody: all saved", func(*testing.T, *env, *client, string) map[string]string { return nil }, "已把 2 条", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envOpt{})
			at := e.clock().Add(-3 * time.Hour)
			e.seed(
				store.Decision{MsgID: "c1", Time: at, Text: "发票抬头写错了", Intent: "return_goods", Route: store.RouteAuto, Confidence: 0.9},
				store.Decision{MsgID: "c2", Time: at, Text: "能开专票吗", Intent: "return_goods", Route: store.RouteSuggest, Confidence: 0.6},
			)
			for _, id := range []string{"c1", "c2"} {
				if err := e.db.AddFeedback(context.Background(), store.Feedback{MsgID: id, CorrectIntent: "invoice", Time: at.Add(time.Minute)}); err != nil {
					t.Fatal(err)
				}
			}
			wang, li := e.client(), e.client()
			li.addr = "192.0.2.11:51000"
			wang.login("小王")
			li.login("小李")
			uw, ul := untilRe.FindStringSubmatch(wang.get("/console/corrections").Body), untilRe.FindStringSubmatch(li.get("/console/corrections").Body)
			if uw == nil || ul == nil {
				t.Fatal("no group on both pages")
			}
			e.advance(time.Minute)
			kept := tt.meanwhile(t, e, wang, uw[1])
			e.advance(time.Minute)
			r := li.post("/console/corrections/accept", url.Values{"predicted": {"return_goods"}, "correct": {"invoice"}, "since": {"30d"}, "until": {ul[1]}})
			flash := li.get(r.Header.Get("Location")).Body
			saved := 0
			for _, l := range e.labels("") {
				if want, ok := kept[l.Key]; ok {
					if l.Intent != want || l.By == "小李" {
						t.Errorf("message %s: the label %s was replaced by %s's %s", l.Key, want, l.By, l.Intent)
					}
				} else if l.By == "小李" && l.Intent == "invoice" {
					saved++
				}
			}
			flashes := regexp.MustCompile(`flash [a-z]+">[^<]*`).FindAllString(flash, -1)
			if !strings.Contains(flash, tt.told) || len(kept) > 0 && !strings.Contains(flash, "未覆盖") {
				t.Errorf("小李 is not told whose labels were kept (want %q): %s", tt.told, flashes)
			}
			if want := 2 - len(kept); saved != want {
				t.Errorf("小李's label stored for %d messages, want %d", saved, want)
			}
			if (saved > 0) != tt.someSaved {
				t.Errorf("小李's label stored for %d members, want some: %v", saved, tt.someSaved)
			}
		})
	}
}

// Agents corrected messages to an intent a retrain has since renamed or deleted
// (suggestion here, which the serving knowledge base lacks). The page said 知识库中没有这个意图
// but offered 采纳为标注 all the same, and an accept stored labels that learning counts as
// unknown and drops, while the operator read 已把 2 条…保存为标注. The group is now shown without
// the button, and an accept posted anyway is refused and stores nothing.
func TestCorrectionsAcceptRefusesIntentNotInKB(t *testing.T) {
	e := newEnv(t, envOpt{})
	at := e.clock().Add(-3 * time.Hour)
	e.seed(
		store.Decision{MsgID: "s1", Time: at, Text: "建议多上新款", Intent: "return_goods", Route: store.RouteAuto, Confidence: 0.9},
		store.Decision{MsgID: "s2", Time: at, Text: "希望包装环保点", Intent: "return_goods", Route: store.RouteSuggest, Confidence: 0.6},
	)
	for _, id := range []string{"s1", "s2"} {
		if err := e.db.AddFeedback(context.Background(), store.Feedback{MsgID: id, CorrectIntent: "suggestion", Time: at.Add(time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	cl := e.client()
	cl.login("ops")
	page := cl.get("/console/corrections").Body
	if !strings.Contains(page, "已不在正在服务的知识库里") || strings.Contains(page, "采纳为标注（2 条）") {
		t.Errorf("the group of an intent the knowledge base lacks is offered for accepting:\n%s", pageMain(page))
	}
	until := e.clock().UTC().Format(time.RFC3339Nano) // the page's time, as its form gave it
	r := cl.post("/console/corrections/accept", url.Values{"predicted": {"return_goods"}, "correct": {"suggestion"}, "since": {"30d"}, "until": {until}})
	flash := cl.get(r.Header.Get("Location")).Body
	if !strings.Contains(flash, "没有保存为标注：正在服务的知识库里没有意图 suggestion") {
		t.Errorf("the refusal does not say why:\n%s", pageMain(flash))
	}
	if ls := e.labels(""); len(ls) != 0 {
		t.Errorf("labels stored for an intent the knowledge base lacks: %+v", ls)
	}
}

// A big shop's month of corrections spread over hundreds of pairs of intents was one page of
// every group (419 groups, 330 KB for 423 corrections; megabytes for thousands). 错判案例
// lists the largest maxShownGroups, says how many it leaves out, and puts groups accepted whole
// last, so the others come up.
func TestCorrectionsListsTheLargestGroups(t *testing.T) {
	const most = 200 // maxShownGroups
	e := newEnv(t, envOpt{})
	at := e.clock().Add(-3 * time.Hour)
	// one message a pair of intents (predicted intents the knowledge base lacks: a group all the same)
	n := most + 20
	for i := range n {
		id := fmt.Sprintf("m%d", i)
		e.seed(store.Decision{MsgID: id, Time: at, Text: fmt.Sprintf("消息 %d", i), Intent: fmt.Sprintf("old_%03d", i), Route: store.RouteAuto, Confidence: 0.9})
		if err := e.db.AddFeedback(context.Background(), store.Feedback{MsgID: id, CorrectIntent: "invoice", Time: at.Add(time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	// a larger group, accepted whole: it goes last, out of the page
	for _, id := range []string{"a1", "a2"} {
		e.seed(store.Decision{MsgID: id, Time: at, Text: "发票 " + id, Intent: "return_goods", Route: store.RouteAuto, Confidence: 0.9})
		if err := e.db.AddFeedback(context.Background(), store.Feedback{MsgID: id, CorrectIntent: "invoice", Time: at.Add(time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.db.AddLabels(context.Background(), []store.Label{{Key: "a1", Intent: "invoice", Source: SourceConsole, By: "小张", Time: at.Add(time.Hour)},
		{Key: "a2", Intent: "invoice", Source: SourceConsole, By: "小张", Time: at.Add(time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	cl := e.client()
	cl.login("小王")
	body := cl.get("/console/corrections").Body
	if shown := strings.Count(body, `<div class="cluster">`); shown != most {
		t.Errorf("%d groups listed, want %d", shown, most)
	}
	mustContain(t, body, fmt.Sprintf("%d 组。这里列出最大的 %d 组；其余 21 组（22 条消息）", n+1, most))
	if strings.Contains(body, "已采纳 2/2") {
		t.Error("the group accepted whole is listed before the groups still to decide")
	}
}
