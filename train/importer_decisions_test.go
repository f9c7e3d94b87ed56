package train

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestImportDecisionRows: a shop that opened with no chats trains on its decision log as
// zhiyi export --format jsonl writes it. A row's intent is what the model answered: taken as a
// label, a retrain would learn the model's own mistakes back (every out-of-scope guess of a
// cold start). Only an agent's correct_intent labels a row.
func TestImportDecisionRows(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.jsonl")
	rows := `{"msg_id":"w1-0","time":"2026-12-07T16:24:58.951261+08:00","channel":"wecom","sender":"6c976bc2b8659d86800c9f32e7219278","text":"口感苦不苦","intent":"none","confidence":0.303,"route":"handoff","reason":"out of scope","sentiment":"neutral","turn":1,"model":"tea@20261207T082359Z","latency_us":179,"correct_intent":"product_info","agent_id":"xiaoli"}
{"msg_id":"w1-1","time":"2026-12-07T16:25:00+08:00","channel":"wecom","sender":"acb993ec2675d9de45f9b5e4a7c20608","chat":"0f3c","text":"能开专票吗","intent":"invoice","confidence":0.8,"route":"suggest","model":"tea@20261207T082359Z","latency_us":80}
{"msg_id":"w1-2","time":"not a time","channel":"wecom","text":"在吗","intent":"greeting","confidence":0.9,"route":"auto","latency_us":80}
`
	if err := os.WriteFile(path, []byte(rows), 0o600); err != nil {
		t.Fatal(err)
	}
	msgs, st := importAll(t, nil, path)
	checkStats(t, st, 1, 3, 2, 1, 0, map[string]int{SkipMalformed: 1})
	checkProblems(t, st.Problems, path, "3")
	want := []Message{
		{Text: "口感苦不苦", Intent: "product_info", Time: time.Date(2026, 12, 7, 8, 24, 58, 951261000, time.UTC),
			Sender: "6c976bc2b8659d86800c9f32e7219278", Source: path + ":1", MsgID: "w1-0",
			Conversation: "log:wecom:6c976bc2b8659d86800c9f32e7219278", Channel: "wecom"},
		{Text: "能开专票吗", Time: time.Date(2026, 12, 7, 8, 25, 0, 0, time.UTC),
			Sender: "acb993ec2675d9de45f9b5e4a7c20608", Source: path + ":2", MsgID: "w1-1",
			Conversation: "log:wecom:0f3c", Channel: "wecom"},
	}
	checkMessages(t, msgs, want)
}
