package rules

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/index"
	"github.com/zhiyi-ai/zhiyi/internal/shoptest"
)

// TestSampleShopRules: the sample shop's rules.yaml loads against its knowledge base and decides
// the messages it was written for.
func TestSampleShopRules(t *testing.T) {
	kb, err := index.LoadKB(shoptest.Path("kb.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Load(shoptest.Path("rules.yaml"), Options{
		Intents:  func(id string) bool { _, ok := kb.Intent(id); return ok },
		Analyzer: analyzer(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	at := func(s string) int64 {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, shanghai)
		if err != nil {
			t.Fatal(err)
		}
		return tm.UnixMilli()
	}
	const (
		b2b  = "wkAbC123Hj5WcZ8uFn3GbT6rQa"
		main = "wkAbC123Dq7XmR2tLp9VsN4eKy"
	)
	tests := []struct {
		text string
		in   Input
		want string
	}{
		{"我要投诉你们", Input{SentAt: at("2026-11-05 10:00")}, "complaint_escalation"},
		{"再不处理我就打12315", Input{SentAt: at("2026-11-05 02:30")}, "complaint_escalation_after_hours"},
		{"在吗", Input{SentAt: at("2026-11-05 23:30")}, "after_hours"},
		{"在吗？", Input{SentAt: at("2026-11-05 08:59")}, "after_hours"},
		{"在吗", Input{SentAt: at("2026-11-05 09:00")}, ""},
		{"人工", Input{SentAt: at("2026-11-05 10:00")}, "human_request"},
		{"人工", Input{SentAt: at("2026-11-05 23:00")}, "after_hours"},
		{"快递到哪了", Input{SentAt: at("2026-11-05 03:00")}, ""}, // the bot answers at night
		{"双11有什么活动", Input{SentAt: at("2026-11-05 10:00")}, "double11_promotion"},
		{"双十一满减怎么算", Input{SentAt: at("2026-11-11 23:00")}, "double11_promotion"},
		{"双11有什么活动", Input{SentAt: at("2026-11-12 10:00")}, ""},
		{"双11买的怎么还没发货", Input{SentAt: at("2026-11-05 10:00")}, ""},
		{"怎么开专票", Input{Channel: "kf", OpenKfID: b2b, SentAt: at("2026-11-05 10:00")}, "b2b_account_invoice"},
		{"怎么开专票", Input{Channel: "kf", OpenKfID: main, SentAt: at("2026-11-05 10:00")}, ""},
		{"我要投诉", Input{SenderID: "wmAbC123Int3rnalT3st0001Qa", SentAt: at("2026-11-05 10:00")}, "internal_test_sender"},
	}
	for _, tt := range tests {
		if got := matchID(t, s, tt.text, tt.in); got != tt.want {
			t.Errorf("%q at %s: rule %q, want %q", tt.text, time.UnixMilli(tt.in.SentAt).In(shanghai).Format("01-02 15:04"), got, tt.want)
		}
	}
	// The answers fill their placeholders.
	r, _ := s.Rule("after_hours")
	if got := r.Action.Answer.Fill(map[string]string{"nickname": "小王"}); got[:len("小王，")] != "小王，" {
		t.Errorf("after_hours answer = %q", got)
	}
}

// TestSampleShopNightWithoutBot: the shop's after_hours comment says a shop without a night bot
// writes match: {any: true} there instead. So written (its hours kept) the file loads, and the
// rule answers every message at night; with its hours left out as well, it would take every
// message at all hours from the rules ranked below it: the file loads (a pause on purpose) and
// warns at each of them.
func TestSampleShopNightWithoutBot(t *testing.T) {
	data, err := os.ReadFile(shoptest.Path("rules.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	const keywords = `    match:
      text:
        exact: [在吗, 在不在, 有人吗, 有人在吗, 你好, 您好]
        contains: [人工, 客服, 真人]
`
	if !bytes.Contains(data, []byte(keywords)) {
		t.Fatal("after_hours's keywords are no longer as this test writes them")
	}
	night := bytes.Replace(data, []byte(keywords), []byte("    match: {any: true}\n"), 1)
	s, err := Parse(night, "rules.yaml", Options{Analyzer: analyzer(t)})
	if err != nil {
		t.Fatal(err)
	}
	sentAt := time.Date(2026, 11, 5, 3, 0, 0, 0, time.FixedZone("CST", 8*3600)).UnixMilli()
	if got := matchID(t, s, "快递到哪了", Input{SentAt: sentAt}); got != "after_hours" {
		t.Errorf("快递到哪了 at 03:00: rule %q, want after_hours", got)
	}
	hours := "    hours:\n      times: [\"09:00-23:00\"]\n      outside: true\n    action:\n      answer: \"{{nickname|亲}}，现在是非工作时间"
	allDay := bytes.Replace(night, []byte(hours), []byte("    action:\n      answer: \"{{nickname|亲}}，现在是非工作时间"), 1)
	if bytes.Equal(allDay, night) {
		t.Fatal("after_hours's hours are no longer as this test writes them")
	}
	s, err = Parse(allDay, "rules.yaml", Options{Analyzer: analyzer(t)})
	if err != nil {
		t.Fatal(err) // the bot paused: loads, and says what the pause silences
	}
	warned := strings.Join(s.Warnings(), "\n")
	for _, id := range []string{"human_request", "double11_promotion", "b2b_account_invoice"} {
		if want := `rule "` + id + `": never applies: rule "after_hours"`; !strings.Contains(warned, want) {
			t.Errorf("the warnings do not say %s:\n%v", want, warned)
		}
	}
}
