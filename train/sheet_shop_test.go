package train

import (
	"strings"
	"testing"
)

// A zhiyi cluster or unmatched sheet names messages by id; an agency's shops' exports may share
// ids (a gateway numbering m-1, m-2 … in every shop), and another shop's sheet given to train
// --labels labelled this shop's unrelated messages. A sheet line whose members here have none
// of its samples' texts is refused, naming its line; the shop's own sheet applies.
func TestSheetOfAnotherShopIsRefused(t *testing.T) {
	d := &imported{recs: []record{{text: "这件衣服有货吗"}, {text: "尺码偏大吗"}},
		byMsgID: map[string]int{"m-1": 0, "m-2": 1}}
	x := &memberIndex{d: d}
	other := Label{MsgIDs: []string{"m-1", "m-2"}, Intent: "no_network", Cluster: "c3", Samples: []string{"宽带断网了怎么办"}, Source: "sheet-c.jsonl:3"}
	if ids, problems := x.resolveLabel(other); len(ids) != 0 || len(problems) != 1 || !strings.Contains(problems[0].Error(), "sheet-c.jsonl:3") {
		t.Errorf("another shop's sheet line: ids %v, problems %v; want none applied and its line named", ids, problems)
	}
	own := Label{MsgIDs: []string{"m-1", "m-2"}, Intent: "product_info", Cluster: "c1", Samples: []string{"这件衣服有货吗"}, Source: "sheet-a.jsonl:1"}
	if ids, problems := x.resolveLabel(own); len(ids) != 2 || len(problems) != 0 {
		t.Errorf("the shop's own sheet line: ids %v, problems %v", ids, problems)
	}
	byHand := Label{MsgIDs: []string{"m-1"}, Intent: "product_info", Source: "ids.jsonl:1"} // a msgid line: no samples
	if ids, problems := x.resolveLabel(byHand); len(ids) != 1 || len(problems) != 0 {
		t.Errorf("a msgid line: ids %v, problems %v", ids, problems)
	}
}
