package train

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A 微信客服 line without "origin" is malformed, named at its line: it was counted as another's
// message (not_customer) without a word, though every sync_msg message has one.
func TestImportKFWithoutOrigin(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kf.jsonl")
	lines := `{"msgid":"a","open_kfid":"wk1","external_userid":"wm1","send_time":1785539051,"origin":3,"msgtype":"text","text":{"content":"什么时候发货"}}
{"msgid":"b","open_kfid":"wk1","external_userid":"wm1","send_time":1785539052,"msgtype":"text","text":{"content":"能开专票吗"}}
{"msgid":"c","open_kfid":"wk1","servicer_userid":"zhangsan","send_time":1785539053,"origin":5,"msgtype":"text","text":{"content":"可以的"}}
`
	if err := os.WriteFile(path, []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	msgs, st := importAll(t, nil, path)
	if len(msgs) != 1 || st.Skipped[SkipMalformed] != 1 || st.Skipped[SkipNotCustomer] != 1 {
		t.Errorf("kept %d, skipped %v; want 1 kept, the line without origin malformed, the agent's reply not a customer's", len(msgs), st.Skipped)
	}
	if len(st.Problems) != 1 || !strings.Contains(st.Problems[0], "kf.jsonl:2: a 微信客服 message without \"origin\"") {
		t.Errorf("problems %q, want line 2 named", st.Problems)
	}
}
