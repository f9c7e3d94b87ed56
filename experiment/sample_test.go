package experiment

import (
	"regexp"
	"testing"

	"github.com/zhiyi-ai/zhiyi/index"
)

// An experiment's answers are dealt to customers by a hash of who they are, at every hour of
// the day, so none of them may tell the customer what time it is. The sample shop's
// human_agent.b said 现在人工客服已经下班啦 (the agents have gone home): at 14:00 half the
// customers who asked for a person were told that no one was there. What is said after hours is
// rules.yaml's after_hours rule, which fires by its hours.
func TestSampleShopVariantsHoldAtEveryHour(t *testing.T) {
	kb, err := index.LoadKB("../corpora/shop/kb.yaml")
	if err != nil {
		t.Fatal(err)
	}
	set, err := New(Config{KB: kb})
	if err != nil {
		t.Fatal(err)
	}
	hourBound := regexp.MustCompile(`下班|非工作时间|非在线时间|明天上线|明早`)
	for _, e := range set.Experiments() {
		for _, v := range e.Variants {
			if m := hourBound.FindString(v.Answer.Text); m != "" {
				t.Errorf("%s says %q: a variant is served at every hour (say it in a rule with hours)", v.ID, m)
			}
		}
	}
}
