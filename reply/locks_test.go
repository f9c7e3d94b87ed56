package reply

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/internal/fnv64"
)

// An uncommitted decision holds its own conversation only: another conversation, even one whose
// key hashes where the first's does, is decided at once and with its context.
func TestHeldConversationHoldsNoOther(t *testing.T) {
	r, _, _ := newReplier(t, Config{})
	ctx := context.Background()
	// two senders whose keys fall in one bucket of any table of up to 256 slots
	a := intent.Request{Text: "东西不要了怎么寄回去", MsgID: "h1", SenderID: "a", Channel: "wecom"}
	b := intent.Request{Text: "什么时候发货", MsgID: "h2", Channel: "wecom"}
	for i := 0; ; i++ {
		b.SenderID = fmt.Sprint("b", i)
		if fnv64.String(conversationKey(b))%256 == fnv64.String(conversationKey(a))%256 {
			break
		}
	}
	held := r.Decide(ctx, tinyEngine, a) // a gateway still sending its answer
	defer held.Release()
	send(t, r, b) // the first turn of b's conversation
	done := make(chan *Decision, 1)
	go func() {
		b.MsgID = "h3"
		done <- r.Decide(ctx, tinyEngine, b)
	}()
	select {
	case d := <-done:
		defer d.Release()
		if d.Result.Context == nil || d.Result.Context.Turn != 2 {
			t.Errorf("the other conversation's second message: context %+v, want turn 2", d.Result.Context)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("another conversation waited 10 s for a decision it has nothing to do with")
	}
}

// A conversation held past the request's deadline (a Commit that never comes) costs its next
// message the context, not the answer; once released, the conversation goes on.
func TestBusyConversationDecidedAlone(t *testing.T) {
	r, _, set := newReplier(t, Config{})
	ctx := context.Background()
	req := intent.Request{Text: "东西不要了怎么寄回去", MsgID: "s1", ChatID: "stuck", Channel: "wecom"}
	held := r.Decide(ctx, tinyEngine, req)
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	req.MsgID = "s2"
	d := r.Decide(short, tinyEngine, req)
	if d.Result.Intent == "" || d.Result.Context != nil {
		t.Errorf("decided while the conversation was held: intent %q, context %+v; want an answer without context", d.Result.Intent, d.Result.Context)
	}
	r.Commit(ctx, d, d.Result.AppendJSON(nil)) // saves nothing: its state was never loaded
	if got := counter(set, "zhiyi_conversation_busy_total"); got != 1 {
		t.Errorf("zhiyi_conversation_busy_total %d, want 1", got)
	}
	r.Commit(ctx, held, held.Result.AppendJSON(nil))
	req.MsgID = "s3"
	next, _ := send(t, r, req)
	if next.Result.Context == nil || next.Result.Context.Turn != 2 {
		t.Errorf("after the release the conversation's next message: context %+v, want turn 2", next.Result.Context)
	}
	for i := range r.cfg.Locks.shards {
		if n := len(r.cfg.Locks.shards[i].m); n != 0 {
			t.Errorf("shard %d keeps %d locks after every decision was released", i, n)
		}
	}
}

// MaxWait bounds the wait under a context that never ends (zhiyi serve's): the next message of a
// held conversation is decided without its context and counted, instead of waiting for it.
func TestConversationWaitBoundedWithoutDeadline(t *testing.T) {
	locks := &ConversationLocks{MaxWait: 20 * time.Millisecond}
	r, _, set := newReplier(t, Config{Locks: locks})
	ctx := context.Background()
	req := intent.Request{Text: "东西不要了怎么寄回去", MsgID: "w1", ChatID: "group", SenderID: "a", Channel: "wecom"}
	held := r.Decide(ctx, tinyEngine, req)
	defer held.Release()
	req.MsgID, req.SenderID = "w2", "b"
	done := make(chan *Decision, 1)
	go func() { done <- r.Decide(ctx, tinyEngine, req) }()
	var d *Decision
	select {
	case d = <-done:
	case <-time.After(time.Minute): // a guard against a hang, not a threshold
		t.Fatal("a message waited for its held conversation under a context without deadline, MaxWait set")
	}
	if d.Result.Intent == "" || d.Result.Context != nil {
		t.Errorf("decided while the conversation was held: intent %q, context %+v; want an answer without context", d.Result.Intent, d.Result.Context)
	}
	d.Release()
	if got := counter(set, "zhiyi_conversation_busy_total"); got != 1 {
		t.Errorf("zhiyi_conversation_busy_total %d, want 1", got)
	}
}

// Taking and releasing an idle conversation's lock allocates nothing (the locks are pooled).
func TestConversationLockAllocs(t *testing.T) {
	var l ConversationLocks
	ctx := context.Background()
	c, _ := l.lock(ctx, "wecom\x00s\x00warm")
	l.unlock("wecom\x00s\x00warm", c)
	if n := testing.AllocsPerRun(100, func() {
		c, _ := l.lock(ctx, "wecom\x00s\x00wm-1")
		l.unlock("wecom\x00s\x00wm-1", c)
	}); n > 0 {
		t.Errorf("%.1f allocations per lock and unlock, want 0", n)
	}
}

func BenchmarkConversationLock(b *testing.B) {
	var l ConversationLocks
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			key := convKeys[i%len(convKeys)]
			c, _ := l.lock(ctx, key)
			l.unlock(key, c)
			i++
		}
	})
}

var convKeys = func() []string {
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = fmt.Sprintf("wecom\x00s\x00wm-%d", i)
	}
	return keys
}()
