package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/internal/shoptest"
	"github.com/zhiyi-ai/zhiyi/train"
)

// TestReplayKeepsOnlyTheConversationsItNeeds: the replay decides one conversation after
// another, so its session store holds a bounded number of them, and no responses: serving's
// store (100,000 conversations, each turn's response kept for retries) held 400 MB of finished
// conversations on an export of 150,000.
func TestReplayKeepsOnlyTheConversationsItNeeds(t *testing.T) {
	bundle := filepath.Join(t.TempDir(), "tiny")
	if err := shoptest.TrainTiny(bundle); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	eng, err := intent.Load(ctx, bundle)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	const convs = 3 * replayConversations
	var turns []exportedTurn
	var order []int
	for c := range convs {
		turns = append(turns, exportedTurn{msg: train.ClusterMessage{ID: strconv.Itoa(c), Text: "我要退货"},
			conv: "c" + strconv.Itoa(c), at: 1785718800000 + int64(c), seq: c})
		order = append(order, c)
	}
	clock := &replayClock{}
	store := newReplaySessions(clock.now)
	defer store.Close()
	if _, err := replay(ctx, eng, turns, order, clock, store); err != nil {
		t.Fatal(err)
	}
	if n := store.Len(); n > replayConversations {
		t.Errorf("the store holds %d conversations after the replay of %d; want at most %d", n, convs, replayConversations)
	}
	// the last conversation, under the key package reply gives a chat without channel
	st, err := store.Load(ctx, "\x00c\x00c"+strconv.Itoa(convs-1))
	if err != nil || len(st.Turns) != 1 {
		t.Fatalf("the last conversation's state: %+v, %v; want its one turn", st, err)
	}
	if st.Turns[0].Response != "" {
		t.Errorf("the replay kept a response of %d bytes", len(st.Turns[0].Response))
	}
}

// clusterExport runs zhiyi cluster with args on the tiny shop's bundle over an export of the
// given JSON lines, and returns the sheet as written and each member's line's context (members
// not on the sheet are absent).
func clusterExport(t *testing.T, lines string, args ...string) (string, map[string]string) {
	t.Helper()
	dir := t.TempDir()
	bundle := filepath.Join(dir, "tiny")
	if err := shoptest.TrainTiny(bundle); err != nil {
		t.Fatal(err)
	}
	export, sheet := filepath.Join(dir, "export.jsonl"), filepath.Join(dir, "sheet.jsonl")
	if err := os.WriteFile(export, []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, "", append([]string{"cluster", "--model", bundle, "--data", export, "--out", sheet}, args...)...); code != 0 {
		t.Fatalf("cluster: exit %d\n%s", code, stderr)
	}
	raw, err := os.ReadFile(sheet)
	if err != nil {
		t.Fatal(err)
	}
	contextOf := map[string]string{}
	for _, ln := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var l struct {
			Members []string `json:"members"`
			Context string   `json:"context"`
		}
		if err := json.Unmarshal([]byte(ln), &l); err != nil {
			t.Fatal(err)
		}
		for _, m := range l.Members {
			contextOf[m] = l.Context
		}
	}
	return string(raw), contextOf
}

// TestClusterReadsFollowUpsInTheirConversation: zhiyi cluster replays each conversation as
// serving would, so a follow-up that says little (那要多久) is read with what its conversation is
// about: its line names that context, where the conversation's first message has none. One that
// only gives personal data (订单号…) is left off the sheet: training leaves it out whatever its
// label.
func TestClusterReadsFollowUpsInTheirConversation(t *testing.T) {
	var b strings.Builder
	at := int64(1785718800000)
	for c, turns := range [][]string{
		{"我要退货", "那要多久", "然后呢", "订单号是1234567890"},
		{"东西不要了怎么退", "那要多久啊", "然后呢？", "单号8876543210"},
	} {
		for i, text := range turns {
			fmt.Fprintf(&b, `{"msgid":"m%d-%d","chat_id":"chat%d","text":%q,"sent_at":%d}`+"\n", c, i, c, text, at)
			at += 60_000
		}
	}
	raw, contextOf := clusterExport(t, b.String())
	for _, id := range []string{"m0-1", "m0-2", "m1-1", "m1-2"} {
		if got, ok := contextOf[id]; got != "return_goods" {
			t.Errorf("%s, a follow-up in a conversation about a return: on the sheet %v, context %q; want return_goods\n%s", id, ok, got, raw)
		}
	}
	for _, id := range []string{"m0-3", "m1-3"} {
		if _, ok := contextOf[id]; ok {
			t.Errorf("%s, a message that only gives personal data, is on the sheet:\n%s", id, raw)
		}
	}
	if contextOf["m0-0"] != "" {
		t.Errorf("我要退货, the conversation's first message, on a line of context %q:\n%s", contextOf["m0-0"], raw)
	}
}

// TestClusterContextForgetsAnIdleConversation: serving forgets a conversation idle past the
// session TTL (30 minutes), so a message a day after its conversation's last is read alone; the
// replay must count that idle time in the export's clock, not in the seconds it takes to run.
func TestClusterContextForgetsAnIdleConversation(t *testing.T) {
	at := int64(1785718800000)
	raw, contextOf := clusterExport(t, fmt.Sprintf(`{"msgid":"a","chat_id":"chat0","text":"我要退货","sent_at":%d}`+"\n"+
		`{"msgid":"b","chat_id":"chat0","text":"那要多久","sent_at":%d}`+"\n", at, at+24*3600*1000), "--all")
	if contextOf["b"] != "" {
		t.Errorf("a message a day after its conversation's last was read in that conversation's context:\n%s", raw)
	}
}

// TestClusterReplayKeepsTimeOrderAroundAnUntimedMessage: an export newest first (as CRM exports
// often are) with a message without time between two timed ones: the timed ones are still
// replayed in time order, so the follow-up is read after the question it follows.
func TestClusterReplayKeepsTimeOrderAroundAnUntimedMessage(t *testing.T) {
	at := int64(1785718800000)
	raw, contextOf := clusterExport(t, fmt.Sprintf(`{"msgid":"b","chat_id":"chat0","text":"那要多久","sent_at":%d}`+"\n"+
		`{"msgid":"u","chat_id":"chat0","text":"在吗"}`+"\n"+
		`{"msgid":"a","chat_id":"chat0","text":"我要退货","sent_at":%d}`+"\n", at+60_000, at), "--all")
	if contextOf["b"] != "return_goods" {
		t.Errorf("那要多久, a minute after 我要退货, read in context %q; want return_goods:\n%s", contextOf["b"], raw)
	}
}
