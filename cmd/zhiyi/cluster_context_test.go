package main

import (
	"context"
	"path/filepath"
	"strconv"
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
