package experiment_test

import (
	"fmt"
	"time"

	"github.com/zhiyi-ai/zhiyi/experiment"
	"github.com/zhiyi-ai/zhiyi/index"
)

const exampleKB = `shop: 例子
version: 1
intents:
  - id: hurry_shipment
    label: 催发货
    category: 咨询
    priority: 2
    examples: [怎么还不发货]
    answers:
      - {id: hurry_shipment.a, text: 亲，正在帮您查询。}
      - {id: hurry_shipment.b, text: 亲，马上催仓库确认。, gray: 72h}
`

func Example() {
	kb, _ := index.ParseKB([]byte(exampleKB), "kb.yaml")
	ov, _ := experiment.ParseOverrides([]byte("version: 1\nexclude_senders: [wmBoss]\n"), "experiments.yaml")
	created := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

	// The gray answer's first day: it is only suggested to agents.
	set, _ := experiment.New(experiment.Config{KB: kb, Created: created, Overrides: ov, Now: created.Add(24 * time.Hour)})
	for _, sender := range []string{"wmAlice", "wmBob", "wmCarol", "wmDave", "wmBoss", ""} {
		a := set.Assign("hurry_shipment", sender)
		fmt.Printf("%-12q %s variant=%q gray=%v excluded=%v\n", sender, a.Answer.ID, a.Variant, a.Gray, a.Excluded)
	}

	// Four days on, 400 ratings a side: b rates better, so it is released — and the report
	// says whether the difference is significant.
	res := experiment.Results{}
	for i := range 400 {
		res.Add("hurry_shipment.a", experiment.Outcome{Rating: 3 + i%3})                  // 3, 4, 5: about 4.0
		res.Add("hurry_shipment.b", experiment.Outcome{Rating: 4 + i%2})                  // 4, 5: mean 4.5
		res.Add("hurry_shipment.b", experiment.Outcome{Resolved: experiment.ResolvedYes}) // served, unrated
	}
	set, _ = experiment.New(experiment.Config{KB: kb, Created: created, Overrides: ov, Results: res, Now: created.Add(96 * time.Hour)})
	fmt.Println(set.Assign("hurry_shipment", "wmBob").Gray)
	r, _ := set.Report("hurry_shipment", res)
	fmt.Println(r.Variants[1].GrayNote)
	fmt.Println(r.Verdict)
	// Output:
	// "wmAlice"    hurry_shipment.a variant="hurry_shipment.a" gray=false excluded=false
	// "wmBob"      hurry_shipment.b variant="hurry_shipment.b" gray=true excluded=false
	// "wmCarol"    hurry_shipment.a variant="hurry_shipment.a" gray=false excluded=false
	// "wmDave"     hurry_shipment.b variant="hurry_shipment.b" gray=true excluded=false
	// "wmBoss"     hurry_shipment.a variant="" gray=false excluded=true
	// ""           hurry_shipment.a variant="" gray=false excluded=false
	// false
	// released: rated 4.50 (400) against the control's 4.00 (400); the difference's always-valid 95 % lower bound +0.35 is within -0.30
	// hurry_shipment.b rates higher than the control (+0.50, p = 7.1e-24), confirmed at any look (always-valid interval +0.35 to +0.65)
}
