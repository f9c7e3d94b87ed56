package reply

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/internal/fnv64"
	"github.com/zhiyi-ai/zhiyi/nlp"
	"github.com/zhiyi-ai/zhiyi/session"
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

// Messages of one conversation decided at once are decided one after another: none of their
// turns is lost, and the same msg_id sent twice at once is decided once and replayed once.
// (Fewer messages than the state keeps turns, so that every copy finds its first.)
func TestConcurrentMessagesOfOneConversation(t *testing.T) {
	r, _, set := newReplier(t, Config{})
	const n = session.DefaultMaxTurns - 1
	var wg sync.WaitGroup
	bodies := make([]string, 2*n)
	for i := range n {
		for k := range 2 { // each message twice, at once
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, bodies[2*i+k] = send(t, r, intent.Request{Text: "什么时候发货", MsgID: fmt.Sprint("c", i), ChatID: "busy", Channel: "wecom"})
			}()
		}
	}
	wg.Wait()
	for i := range n {
		if bodies[2*i] != bodies[2*i+1] {
			t.Errorf("message c%d sent twice at once got two answers:\n%s\n%s", i, bodies[2*i], bodies[2*i+1])
		}
	}
	if got := counter(set, "zhiyi_retries_total"); got != n {
		t.Errorf("zhiyi_retries_total %d, want %d (one of each pair)", got, n)
	}
	d, _ := send(t, r, intent.Request{Text: "好的", MsgID: "last", ChatID: "busy", Channel: "wecom"})
	if d.Result.Context == nil || d.Result.Context.Turn != n+1 {
		t.Errorf("after %d messages at once, the next is turn %+v, want %d", n, d.Result.Context, n+1)
	}
}

// panicky is an engine that panics on one text, as a bug would.
type panicky struct{ Engine }

func (p panicky) ClassifyAnalyzed(ctx context.Context, req intent.Request, an nlp.Analysis) intent.Result {
	if req.Text == "panic!" {
		panic("a bug")
	}
	return p.Engine.ClassifyAnalyzed(ctx, req, an)
}

// A panic while deciding (recovered by the server) does not leave the conversation locked: its
// next message is decided.
func TestPanicReleasesConversation(t *testing.T) {
	r, _, _ := newReplier(t, Config{})
	eng := panicky{tinyEngine}
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the engine's panic did not reach the caller")
			}
		}()
		r.Decide(context.Background(), eng, intent.Request{Text: "panic!", MsgID: "p1", ChatID: "room1", Channel: "wecom"})
	}()
	done := make(chan struct{})
	go func() {
		defer close(done)
		sendTo(t, r, eng, intent.Request{Text: "什么时候发货", MsgID: "p2", ChatID: "room1", Channel: "wecom"})
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the conversation's next message waited 10 s for the lock the panic left held")
	}
}

// Repliers sharing ConversationLocks (a reload's old and new) decide a conversation's messages
// one after another: the second waits until the first is committed, and no turn is lost.
func TestSharedLocksAcrossRepliers(t *testing.T) {
	store := session.NewMemory(session.MemoryConfig{})
	locks := new(ConversationLocks)
	old, _, _ := newReplier(t, Config{Sessions: store, Locks: locks})
	cur, _, _ := newReplier(t, Config{Sessions: store, Locks: locks})
	ctx := context.Background()
	first := old.Decide(ctx, tinyEngine, intent.Request{Text: "东西不要了怎么寄回去", MsgID: "r1", ChatID: "reload", Channel: "wecom"})
	second := make(chan *Decision)
	go func() {
		second <- cur.Decide(ctx, tinyEngine, intent.Request{Text: "那什么时候发货", MsgID: "r2", ChatID: "reload", Channel: "wecom"})
	}()
	select {
	case <-second:
		t.Fatal("the new Replier decided the conversation's next message before the old one committed its first")
	case <-time.After(100 * time.Millisecond):
	}
	old.Commit(ctx, first, first.Result.AppendJSON(nil))
	d := <-second
	cur.Commit(ctx, d, d.Result.AppendJSON(nil))
	st, err := store.Load(ctx, "wecom\x00c\x00reload")
	if err != nil || len(st.Turns) != 2 {
		t.Errorf("after a message on each Replier: %d turns (%v), want 2", len(st.Turns), err)
	}
}
