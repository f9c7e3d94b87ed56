//go:build !race

package session_test

import (
	"context"
	"testing"

	"github.com/zhiyi-ai/zhiyi/session"
	"github.com/zhiyi-ai/zhiyi/session/sessiontest"
)

// TestMemoryAllocs pins what a message costs the in-process store: Save allocates the encoded
// state; Load allocates the turns and the experiments map, and shares the stored bytes.
func TestMemoryAllocs(t *testing.T) {
	s := session.NewMemory(session.MemoryConfig{})
	ctx := context.Background()
	const key = "wecom:wmChat00000001"
	if err := s.Save(ctx, key, sessiontest.Typical()); err != nil {
		t.Fatal(err)
	}
	n := testing.AllocsPerRun(200, func() {
		st, err := s.Load(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		st.Push(session.Turn{MsgID: "m", Text: "那要多久"}, 0)
		if err := s.Save(ctx, key, st); err != nil {
			t.Fatal(err)
		}
	})
	if n > 4 {
		t.Fatalf("Load+Push+Save: %v allocs, want ≤ 4 (BenchmarkMemoryLoadSave)", n)
	}
}
