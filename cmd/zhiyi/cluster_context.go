package main

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/reply"
	"github.com/zhiyi-ai/zhiyi/session"
	"github.com/zhiyi-ai/zhiyi/train"
)

// exportedTurn is a customer message of the exports as zhiyi cluster reads it: masked, with
// its conversation and the order it came in.
type exportedTurn struct {
	msg  train.ClusterMessage // ID empty when the message has none (context only)
	conv string
	at   int64 // unix milliseconds; 0 when the export has no time
	seq  int   // order of reading, for messages without time
}

// decideInContext decides every turn as serving would: each conversation's messages in time
// order through package reply, so a follow-up (订单号<ORDER>, 快点) is read with what its
// conversation is about. It returns, for each turn, whether the model confidently places it
// there, and sets each turn's Context to its conversation's active intent before it came.
// Messages outside any conversation are decided alone.
func decideInContext(ctx context.Context, eng *intent.Engine, turns []exportedTurn) ([]bool, error) {
	order := make([]int, len(turns))
	for i := range order {
		order[i] = i
	}
	// A message without time is placed at the time of the message read before it in its
	// conversation (the conversation's start when none is): one time for every message keeps
	// the order a total one, and the timed messages in time order around an untimed one.
	sortAt := make([]int64, len(turns))
	lastAt := map[string]int64{}
	for i := range turns {
		t := &turns[i]
		if t.at != 0 {
			lastAt[t.conv] = t.at
		}
		sortAt[i] = lastAt[t.conv]
	}
	slices.SortStableFunc(order, func(a, b int) int {
		ta, tb := &turns[a], &turns[b]
		if c := cmp.Compare(ta.conv, tb.conv); c != 0 {
			return c
		}
		if c := cmp.Compare(sortAt[a], sortAt[b]); c != 0 {
			return c
		}
		return cmp.Compare(ta.seq, tb.seq)
	})
	// The replay's clock is the export's: a conversation idle past the session TTL between two
	// of its messages is forgotten as serving forgets it, however fast the replay runs. A
	// message without time happens at the last time read.
	clock := &replayClock{}
	store := newReplaySessions(clock.now)
	defer store.Close()
	return replay(ctx, eng, turns, order, clock, store)
}

// replayConversations bounds the conversations the replay's session store keeps: the replay
// decides one conversation after another and never goes back to one, so it needs only the one
// it is in. With serving's bound (100,000, and each turn's response kept) an export of many
// conversations held hundreds of MB of finished ones.
const replayConversations = 256

// newReplaySessions is the session store of a replay on the clock now.
func newReplaySessions(now func() time.Time) *session.Memory {
	return session.NewMemory(session.MemoryConfig{Now: now, MaxConversations: replayConversations})
}

// replayClock is a replay's clock: the time of the message being decided.
type replayClock struct{ ms int64 }

func (c *replayClock) now() time.Time { return time.UnixMilli(c.ms) }

// replay decides the turns in order (each conversation's together) through package reply with
// store: see decideInContext.
func replay(ctx context.Context, eng *intent.Engine, turns []exportedTurn, order []int, clock *replayClock, store *session.Memory) ([]bool, error) {
	placedAt := make([]bool, len(turns))
	rp := reply.New(reply.Config{Sessions: store, Now: clock.now})
	active, conv := "", ""
	for k, i := range order {
		if k%512 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		t := &turns[i]
		if t.conv == "" {
			placedAt[i] = placed(eng, eng.Classify(ctx, intent.Request{Text: t.msg.Text}))
			continue
		}
		if t.conv != conv {
			active, conv = "", t.conv
		}
		if t.at != 0 {
			clock.ms = t.at
		}
		t.msg.Context = active
		// A request id of the replay's own: an export's ids may repeat across its files.
		req := intent.Request{Text: t.msg.Text, MsgID: "cluster-" + strconv.Itoa(i), ChatID: t.conv, SentAt: t.at}
		d := rp.Decide(ctx, eng, req)
		// no response kept: it is for a retry's replay, and the replay's ids never repeat
		rp.Commit(ctx, d, nil)
		placedAt[i] = placed(eng, d.Result)
		if c := d.Result.Context; c != nil {
			if c.Turn == 1 {
				t.msg.Context = "" // the conversation (idle past the TTL) started again
			}
			active = c.ActiveIntent
		}
	}
	return placedAt, nil
}
