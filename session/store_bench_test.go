package session_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
	"github.com/zhiyi-ai/zhiyi/session"
	"github.com/zhiyi-ai/zhiyi/session/sessiontest"
)

// benchLoadSave does what reply does per message: Load the conversation, add a turn, Save,
// over 1,000 conversations that already hold sessiontest.Typical.
func benchLoadSave(b *testing.B, s session.Store) {
	ctx := context.Background()
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = fmt.Sprintf("wecom:wmChat%08d", i)
		if err := s.Save(ctx, keys[i], sessiontest.Typical()); err != nil {
			b.Fatal(err)
		}
	}
	resp := sessiontest.Typical().Turns[0].Response
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		k := keys[i%len(keys)]
		i++
		st, err := s.Load(ctx, k)
		if err != nil {
			b.Fatal(err)
		}
		st.Push(session.Turn{MsgID: "m", Text: "那要多久", Intent: "shipping_time", Confidence: 0.9, Route: "auto", Response: resp}, 0)
		if err := s.Save(ctx, k, st); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMemoryLoadSave(b *testing.B) {
	s := session.NewMemory(session.MemoryConfig{})
	defer s.Close()
	benchLoadSave(b, s)
}

func BenchmarkRedisLoadSave(b *testing.B) {
	srv := testsvc.StartRedis(b)
	s := openRedis(b, session.RedisConfig{URL: srv.URL()})
	benchLoadSave(b, s)
}

// The *Keyed benchmarks are the same with a hash key (--hash-key): an HMAC of the conversation
// key per call instead of a SHA-256.
func BenchmarkMemoryLoadSaveKeyed(b *testing.B) {
	s := session.NewMemory(session.MemoryConfig{HashKey: []byte("bench key, 32 bytes long-ish...")})
	defer s.Close()
	benchLoadSave(b, s)
}

func BenchmarkRedisLoadSaveKeyed(b *testing.B) {
	srv := testsvc.StartRedis(b)
	s := openRedis(b, session.RedisConfig{URL: srv.URL(), HashKey: []byte("bench key, 32 bytes long-ish...")})
	benchLoadSave(b, s)
}
