package session_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
	"github.com/zhiyi-ai/zhiyi/session"
	"github.com/zhiyi-ai/zhiyi/session/sessiontest"
)

// unkeyed is the hex of the first 128 bits of id's SHA-256: what the stores keep without a key,
// and what anyone can compute for a guessed id.
func unkeyed(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:16])
}

// TestRedisHashKeyConformance: keyed stores pass the suite as unkeyed ones do.
func TestRedisHashKeyConformance(t *testing.T) {
	srv := testsvc.StartRedis(t)
	sessiontest.Run(t, func(t *testing.T) session.Store {
		return openRedis(t, session.RedisConfig{URL: srv.URL(), HashKey: []byte("conformance key")})
	})
}

func TestMemoryHashKeyConformance(t *testing.T) {
	sessiontest.Run(t, func(t *testing.T) session.Store {
		return session.NewMemory(session.MemoryConfig{HashKey: []byte("conformance key")})
	})
}

// TestRedisHashKeyShared: replicas with one key share a conversation and find its turns by
// msg_id; a replica with another key, or none, finds nothing of it (and its save does not touch
// it), as the upgrade notes say.
func TestRedisHashKeyShared(t *testing.T) {
	srv := testsvc.StartRedis(t)
	ctx := context.Background()
	key := []byte("the replicas' key")
	a := openRedis(t, session.RedisConfig{URL: srv.URL(), HashKey: key})
	b := openRedis(t, session.RedisConfig{URL: srv.URL(), HashKey: key})
	other := openRedis(t, session.RedisConfig{URL: srv.URL(), HashKey: []byte("another key")})
	none := openRedis(t, session.RedisConfig{URL: srv.URL()})
	const conv, msgID = "wecom\x00s\x0013812345678", "13812345678"

	var st session.State
	st.Push(session.Turn{MsgID: a.Hasher().MsgID(msgID), Text: "快递到哪了", Intent: "shipping"}, 0)
	if err := a.Save(ctx, conv, st); err != nil {
		t.Fatal(err)
	}
	got, err := b.Load(ctx, conv)
	if err != nil || got.TurnCount != 1 {
		t.Fatalf("replica b with the same key loads %+v, %v; want a's turn", got, err)
	}
	if got.FindTurn(b.Hasher().MsgID(msgID)) == nil {
		t.Error("replica b with the same key does not find a's turn by its msg_id")
	}
	for name, s := range map[string]*session.Redis{"another key": other, "no key": none} {
		if got, err := s.Load(ctx, conv); err != nil || got.TurnCount != 0 {
			t.Errorf("a replica with %s loads %+v, %v; want no conversation", name, got, err)
		}
		if s.Hasher().MsgID(msgID) == a.Hasher().MsgID(msgID) {
			t.Errorf("a replica with %s hashes msg_ids as a does", name)
		}
	}
	var mine session.State
	mine.Push(session.Turn{Text: "another replica's turn"}, 0)
	if err := other.Save(ctx, conv, mine); err != nil {
		t.Fatal(err)
	}
	if got, err := b.Load(ctx, conv); err != nil || got.TurnCount != 1 || got.Turns[0].Text != "快递到哪了" {
		t.Errorf("after a save under another key, b loads %+v, %v; want a's turn untouched", got, err)
	}
}

// TestRedisHashKeyKeepsNoUnkeyedHash: with a key, no Redis key name holds the unkeyed hash of
// the conversation key, and no stored state the unkeyed hash of a msg_id (anyone could test
// guessed phone numbers against those); without one, the names are those of earlier builds.
func TestRedisHashKeyKeepsNoUnkeyedHash(t *testing.T) {
	srv := testsvc.StartRedis(t)
	ctx := context.Background()
	c := rawClient(t, srv)
	convs := []string{"wecom\x00s\x0013812345678", "wecom\x00c\x00wrChat-1", "kf\x00k\x00wkSHOP\x00wm15900001111"}
	msgIDs := []string{"13812345678", "7301234567890123456", "15900001111"}
	save := func(s *session.Redis) {
		for i, conv := range convs {
			var st session.State
			st.Push(session.Turn{MsgID: s.Hasher().MsgID(msgIDs[i]), Text: "快递到哪了"}, 0)
			if err := s.Save(ctx, conv, st); err != nil {
				t.Fatal(err)
			}
		}
	}

	save(openRedis(t, session.RedisConfig{URL: srv.URL(), HashKey: []byte("key")}))
	names, err := c.Keys(ctx, "*").Result()
	if err != nil || len(names) != len(convs) {
		t.Fatalf("keys %q, %v; want %d", names, err, len(convs))
	}
	for _, name := range names {
		for _, conv := range convs {
			if strings.Contains(name, unkeyed(conv)) {
				t.Errorf("with a key, Redis key %q is the unkeyed hash of %q", name, conv)
			}
		}
		val, err := c.Get(ctx, name).Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range msgIDs {
			if strings.Contains(val, unkeyed(id)) || strings.Contains(val, id) {
				t.Errorf("with a key, the state under %q holds msg_id %s or its unkeyed hash", name, id)
			}
		}
	}

	if err := c.FlushDB(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	save(openRedis(t, session.RedisConfig{URL: srv.URL()}))
	for i, conv := range convs {
		val, err := c.Get(ctx, session.DefaultPrefix+unkeyed(conv)).Result()
		if err != nil {
			t.Fatalf("without a key, %q is not under its unkeyed hash as before: %v", conv, err)
		}
		if !strings.Contains(val, unkeyed(msgIDs[i])) {
			t.Errorf("without a key, the state does not keep HashMsgID(%s) as before", msgIDs[i])
		}
	}
}
