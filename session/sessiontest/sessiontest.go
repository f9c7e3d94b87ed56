package sessiontest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/session"
)

// Run checks the Store contract on stores made by open, a fresh one per subtest; the suite
// closes them. Keys are unique per subtest, so stores may share a backend.
func Run(t *testing.T, open func(t *testing.T) session.Store) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, s session.Store)
	}{
		{"Missing", testMissing},
		{"RoundTrip", testRoundTrip},
		{"Ownership", testOwnership},
		{"IndependentKeys", testIndependentKeys},
		{"Overwrite", testOverwrite},
		{"EmptyKey", testEmptyKey},
		{"Canceled", testCanceled},
		{"Concurrent", testConcurrent},
		{"Closed", testClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { _ = s.Close() })
			tt.fn(t, s)
		})
	}
}

// Expiry checks the idle TTL of s: a conversation left idle for longer than ttl is gone, one
// saved after that is there. advance must let at least d pass on the store's clock: the
// memory store's tests move an injected clock, Redis's sleep (Redis's own clock decides).
func Expiry(t *testing.T, s session.Store, ttl time.Duration, advance func(d time.Duration)) {
	t.Helper()
	ctx := context.Background()
	old, fresh := key(t, "old"), key(t, "fresh")
	st := Typical()
	mustSave(t, s, old, st)
	mustEqual(t, mustLoad(t, s, old), st, "right after Save")
	advance(ttl + ttl/10)
	mustSave(t, s, fresh, st) // also gives the memory store's sweep a turn
	got, err := s.Load(ctx, old)
	if err != nil {
		t.Fatalf("Load after the TTL: %v", err)
	}
	if !reflect.DeepEqual(got, session.State{}) {
		t.Fatalf("Load after the TTL = %d turns, want the zero State", len(got.Turns))
	}
	mustEqual(t, mustLoad(t, s, fresh), st, "saved after the other expired")
}

// Typical returns a conversation of DefaultMaxTurns turns, each with a response of the size
// /intent sends (about 700 bytes), two experiments and every field set: what the benchmarks
// encode and the round-trip test stores.
func Typical() session.State {
	texts := []string{"你好 在吗", "我买的东西怎么还没发货", "订单号是多少能查吗", "好 快点", "那要多久", "138****5678 这个号码能联系到吗"}
	intents := []string{"greeting", "shipping_status", "order_query", "shipping_status", "shipping_time", "contact"}
	st := session.State{
		ActiveIntent: "shipping_time",
		Fallbacks:    1,
		Repeats:      1,
		LastAnswerAt: 1_790_000_123_456,
		Experiments:  map[string]string{"greeting-tone": "warm", "answer-length": "short"},
	}
	for i, text := range texts {
		at := int64(1_790_000_000_000 + i*17_000)
		resp := fmt.Sprintf(`{"msg_id":"wx-%d","intent":%q,"label":"发货","category":"咨询","confidence":0.%d,"route":"auto",`+
			`"reason":"confident","answer":{"id":"%s.a","text":"亲，您的订单已经在打包了，一般 48 小时内发出，发货后会有短信通知，请您耐心等待哦～"},`+
			`"candidates":[{"intent":%q,"label":"发货","confidence":0.9},{"intent":"refund","label":"退款","confidence":0.05},`+
			`{"intent":"invoice","label":"发票","confidence":0.01}],"rewrites":[{"from":"怎么还没","to":"没有","kind":"synonym"}],`+
			`"model":"shop@20261122T045425Z","took_us":%d,"context":{"turn":%d,"active_intent":%q,"repeat":false,"escalation":""}}`,
			i, intents[i], 80+i, intents[i], intents[i], 70+i, i+1, intents[i])
		st.Push(session.Turn{
			MsgID: fmt.Sprintf("wx-%d", i), Text: text, At: at, Intent: intents[i],
			Confidence: 0.8 + float64(i)/100, Route: "auto", AnswerID: intents[i] + ".a",
			Repeat: i == 3, Response: resp,
		}, session.DefaultMaxTurns)
	}
	st.Turns[2].Response = "" // a turn answered without a kept response
	st.Turns[2].Route = "handoff"
	st.TurnCount = 9 // more turns than kept
	return st
}

func testMissing(t *testing.T, s session.Store) {
	got, err := s.Load(context.Background(), key(t, "never-saved"))
	if err != nil {
		t.Fatalf("Load of a key never saved: %v, want nil", err)
	}
	if !reflect.DeepEqual(got, session.State{}) {
		t.Fatalf("Load of a key never saved = %+v, want the zero State", got)
	}
}

func testRoundTrip(t *testing.T, s session.Store) {
	for _, tc := range []struct {
		name string
		st   session.State
	}{
		{"typical", Typical()},
		{"one turn", session.State{TurnCount: 1, Turns: []session.Turn{{MsgID: "m1", Text: "退货", Intent: "return_goods"}}}},
		{"counters only", session.State{Fallbacks: 2, TurnCount: 2, ActiveIntent: "refund"}},
		{"binary response", session.State{TurnCount: 1, Turns: []session.Turn{{MsgID: "m", Response: "\x00\x01\xff\r\n"}}}},
	} {
		k := key(t, tc.name)
		mustSave(t, s, k, tc.st)
		mustEqual(t, mustLoad(t, s, k), tc.st, tc.name)
	}
}

// testOwnership checks that Load returns a copy and Save keeps none of the caller's state.
func testOwnership(t *testing.T, s session.Store) {
	k := key(t, "k")
	st := Typical()
	mustSave(t, s, k, st)
	st.Turns[0].Intent = "changed" // the caller's slice and map after Save
	st.Experiments["greeting-tone"] = "changed"

	got := mustLoad(t, s, k)
	mustEqual(t, got, Typical(), "after changing the saved value")
	got.Turns[1].Intent = "changed" // the loaded copy
	got.Experiments["answer-length"] = "changed"
	got.Push(session.Turn{MsgID: "new"}, 0)
	mustEqual(t, mustLoad(t, s, k), Typical(), "after changing a loaded copy")
}

func testIndependentKeys(t *testing.T, s session.Store) {
	// Keys that share prefixes, differ by one character, or hold Chinese and separators.
	keys := []string{key(t, "wecom:1"), key(t, "wecom:10"), key(t, "wecom:1 "), key(t, "kf:1"), key(t, "mp:客户"), key(t, "wecom:1\x00")}
	for i, k := range keys {
		mustSave(t, s, k, session.State{TurnCount: i + 1, ActiveIntent: k})
	}
	for i, k := range keys {
		mustEqual(t, mustLoad(t, s, k), session.State{TurnCount: i + 1, ActiveIntent: k}, k)
	}
}

func testOverwrite(t *testing.T, s session.Store) {
	k := key(t, "k")
	mustSave(t, s, k, Typical())
	small := session.State{TurnCount: 1, Turns: []session.Turn{{MsgID: "only"}}}
	mustSave(t, s, k, small)
	mustEqual(t, mustLoad(t, s, k), small, "after overwriting a larger state")
	mustSave(t, s, k, session.State{})
	mustEqual(t, mustLoad(t, s, k), session.State{}, "after overwriting with the zero State")
}

func testEmptyKey(t *testing.T, s session.Store) {
	if _, err := s.Load(context.Background(), ""); !errors.Is(err, session.ErrNoKey) {
		t.Errorf(`Load("") error = %v, want ErrNoKey`, err)
	}
	if err := s.Save(context.Background(), "", Typical()); !errors.Is(err, session.ErrNoKey) {
		t.Errorf(`Save("") error = %v, want ErrNoKey`, err)
	}
}

func testCanceled(t *testing.T, s session.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Load(ctx, key(t, "k")); !errors.Is(err, context.Canceled) {
		t.Errorf("Load with a canceled context: %v, want context.Canceled", err)
	}
	if err := s.Save(ctx, key(t, "k"), Typical()); !errors.Is(err, context.Canceled) {
		t.Errorf("Save with a canceled context: %v, want context.Canceled", err)
	}
	// The store still works for a live context.
	mustSave(t, s, key(t, "k"), Typical())
	mustEqual(t, mustLoad(t, s, key(t, "k")), Typical(), "after canceled calls")
}

// testConcurrent runs conversations in parallel, each on its own key, plus one key they all
// share (the last Save wins there); run it under -race.
func testConcurrent(t *testing.T, s session.Store) {
	const workers, turns = 8, 40
	ctx := context.Background()
	shared := key(t, "shared")
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			own := key(t, fmt.Sprintf("worker-%d", w))
			for i := range turns {
				for _, k := range []string{own, shared} {
					st, err := s.Load(ctx, k)
					if err != nil {
						errs <- fmt.Errorf("worker %d Load: %w", w, err)
						return
					}
					st.Push(session.Turn{MsgID: fmt.Sprintf("%d-%d", w, i), Intent: "x"}, 0)
					if err := s.Save(ctx, k, st); err != nil {
						errs <- fmt.Errorf("worker %d Save: %w", w, err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for w := range workers {
		st := mustLoad(t, s, key(t, fmt.Sprintf("worker-%d", w)))
		if st.TurnCount != turns || len(st.Turns) != session.DefaultMaxTurns ||
			st.Last().MsgID != fmt.Sprintf("%d-%d", w, turns-1) {
			t.Errorf("worker %d: TurnCount %d, %d turns, last %+v; want %d, %d, %d-%d",
				w, st.TurnCount, len(st.Turns), st.Last(), turns, session.DefaultMaxTurns, w, turns-1)
		}
	}
	st := mustLoad(t, s, shared)
	if st.TurnCount < 1 || st.TurnCount > workers*turns || len(st.Turns) == 0 {
		t.Errorf("shared key: TurnCount %d with %d turns, want 1..%d", st.TurnCount, len(st.Turns), workers*turns)
	}
}

func testClosed(t *testing.T, s session.Store) {
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v, want nil", err)
	}
	if _, err := s.Load(context.Background(), key(t, "k")); !errors.Is(err, session.ErrClosed) {
		t.Errorf("Load after Close: %v, want ErrClosed", err)
	}
	if err := s.Save(context.Background(), key(t, "k"), Typical()); !errors.Is(err, session.ErrClosed) {
		t.Errorf("Save after Close: %v, want ErrClosed", err)
	}
}

// key makes a key unique to the test, so that stores sharing one Redis do not collide.
func key(t *testing.T, name string) string {
	return "wecom:" + strings.ReplaceAll(t.Name(), "/", ":") + ":" + name
}

func mustSave(t *testing.T, s session.Store, k string, st session.State) {
	t.Helper()
	if err := s.Save(context.Background(), k, st); err != nil {
		t.Fatalf("Save(%q): %v", k, err)
	}
}

func mustLoad(t *testing.T, s session.Store, k string) session.State {
	t.Helper()
	st, err := s.Load(context.Background(), k)
	if err != nil {
		t.Fatalf("Load(%q): %v", k, err)
	}
	return st
}

func mustEqual(t *testing.T, got, want session.State, what string) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: loaded state differs from the saved one\n got: %+v\nwant: %+v", what, got, want)
	}
}
