package lint_test

import (
	"fmt"

	"github.com/zhiyi-ai/zhiyi/lint"
)

func ExampleKB() {
	kb := []byte(`shop: 测试店
version: 1
intents:
  - id: product_info
    label: 商品咨询
    category: 咨询
    priority: 2
    examples: [这件是纯棉的吗]
    answers:
      - id: product_info.a
        text: |-
          亲，这款面料 100% 棉，是店里最好的卫衣，保证不起球～
          有结果第一时间告诉您，积分最多抵 20%。
      - id: product_info.b
        text: 数码配件标注最大功率，销量第一
        waive:
          - term: 最大
            reason: “最大功率”是规格表里的额定参数
`)
	findings, err := lint.KB(kb, "kb.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range findings {
		fmt.Println(f)
	}
	// Output:
	// kb.yaml:12:28: intent product_info answer product_info.a: 最好: absolute term (绝对化用语, 广告法第九条第三项)
	// kb.yaml:12:34: intent product_info answer product_info.a: 保证: promise of a guaranteed effect or return (广告法第十六、十七、二十五、二十八条)
	// kb.yaml:15:28: intent product_info answer product_info.b: 第一: absolute term (绝对化用语, 广告法第九条第三项)
}

func ExampleText() {
	for _, h := range lint.Text("全网最低价，最快 24 小时发货，稳赚不赔") {
		fmt.Println(h.Term, h.Kind)
	}
	// Output:
	// 最低 absolute
	// 稳赚 promise
}
