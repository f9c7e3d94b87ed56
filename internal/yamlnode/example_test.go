package yamlnode_test

import (
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/zhiyi-ai/zhiyi/internal/yamlnode"
)

// A parser reports a problem at the field's line, or at the line of what should hold it.
func Example() {
	var root yaml.Node
	_ = yaml.Unmarshal([]byte("rules:\n  - id: a\n    priority: x\n  - id: b\n"), &root)
	rules := yamlnode.Value(yamlnode.Top(&root), "rules")
	for i := range 2 {
		r := yamlnode.Item(rules, i)
		fmt.Println(yamlnode.Line(yamlnode.Value(r, "priority"), r))
	}
	fmt.Println(yamlnode.WithLine("rules.yaml", "line 3: cannot unmarshal !!str `x` into int"))
	// Output:
	// 3
	// 4
	// rules.yaml:3: `x` is not a whole number
}
