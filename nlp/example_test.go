package nlp_test

import (
	"fmt"

	"github.com/zhiyi-ai/zhiyi/nlp"
)

func ExampleAnalyzer_Analyze() {
	a, err := nlp.New(nlp.Config{DictDir: "testdata/dict"})
	if err != nil {
		panic(err)
	}
	an := a.Analyze("东西不要了怎么寄回去？电话１３８１２３４５６７８")
	fmt.Println(an.Text)
	fmt.Println(an.Terms)
	for _, r := range an.Rewrites {
		fmt.Printf("%s → %s (%s)\n", r.From, r.To, r.Kind)
	}
	fmt.Println("masked:", an.Masked)
	// Output:
	// 东西不要了怎么寄回去?电话<PHONE>
	// [退货 怎么 退货]
	// 东西不要了 → 退货 (synonym)
	// 寄回去 → 退货 (synonym)
	// masked: phone
}

func ExampleMask() {
	text, kinds := nlp.Mask("订单3921876540123456 手机138-1234-5678 尺码42")
	fmt.Println(text, kinds)
	// Output: 订单<ORDER> 手机<PHONE> 尺码42 phone,order
}
