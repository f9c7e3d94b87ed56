package reply

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/zhiyi-ai/zhiyi/experiment"
	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
	"github.com/zhiyi-ai/zhiyi/session"
)

func keyedRedisStore(t *testing.T, url string, key string) *session.Redis {
	t.Helper()
	st, err := session.NewRedis(context.Background(), session.RedisConfig{URL: url, Timeout: 5 * time.Second, Backoff: 50 * time.Millisecond, HashKey: []byte(key)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// unkeyedHash is hex of the first 128 bits of SHA-256: what anyone can compute for a guessed id.
func unkeyedHash(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:16])
}

// TestRedisHashKey: replicas whose stores share a hash key share conversations, and a retry
// reaching the other replica is recognised (reply hashes msg_ids with its store's key); a
// replica with another key starts the conversation afresh. Nothing in Redis is the unkeyed
// hash of the conversation key or of a msg_id: not a key's name, not a state's bytes.
func TestRedisHashKey(t *testing.T) {
	rd := testsvc.StartRedis(t)
	set := shippingExperiment(t, `{id: shipping_time.b, text: 亲，48 小时内一定发出。}`)
	exps := func() *experiment.Set { return set } // its variants are kept by customer
	a, _, _ := newReplier(t, Config{Sessions: keyedRedisStore(t, rd.URL(), "the replicas' key"), Experiments: exps, StateTimeout: redisStateTimeout})
	b, _, _ := newReplier(t, Config{Sessions: keyedRedisStore(t, rd.URL(), "the replicas' key"), Experiments: exps, StateTimeout: redisStateTimeout})
	other, _, _ := newReplier(t, Config{Sessions: keyedRedisStore(t, rd.URL(), "another key"), Experiments: exps, StateTimeout: redisStateTimeout})
	msgs := []intent.Request{
		{Text: "东西不要了怎么寄回去", MsgID: "13812345678", SenderID: "15900001111", Channel: "wecom"},
		{Text: "什么时候发货", MsgID: "7301234567890123456", SenderID: "15900001111", Channel: "wecom"},
		{Text: "什么时候发货", MsgID: "7301234567890123457", ChatID: "wrGroup-13812345678", SenderID: "15900001111", Channel: "wecom"},
		{Text: "什么时候发货", MsgID: "7301234567890123458", ChatID: "wrGroup-13812345678", SenderID: "13812345678", Channel: "wecom"},
	}
	send(t, a, msgs[0])
	if d, _ := send(t, b, msgs[1]); d.Result.Context == nil || d.Result.Context.Turn != 2 {
		t.Errorf("the second message on a replica with the same key: context %+v, want turn 2", d.Result.Context)
	}
	if d, _ := send(t, a, msgs[1]); !d.Retry || d.Replay == "" {
		t.Errorf("a retry reaching the other replica: retry %v, replayed %v; want the kept bytes", d.Retry, d.Replay != "")
	}
	if d, _ := send(t, b, msgs[0]); !d.Retry {
		t.Error("a retry of a phone-number msg_id on the other replica is not recognised")
	}
	if d, _ := send(t, other, msgs[1]); d.Retry || d.Result.Context == nil || d.Result.Context.Turn != 1 {
		t.Errorf("on a replica with another key: retry %v, context %+v; want a new conversation", d.Retry, d.Result.Context)
	}
	send(t, a, msgs[2])
	if d, _ := send(t, b, msgs[3]); d.Result.Context == nil || d.Result.Context.Turn != 2 || d.Result.Context.Repeat {
		t.Errorf("another customer of the group on the other replica: context %+v, want turn 2 and no repeat", d.Result.Context)
	}
	senders := []string{"15900001111", "13812345678"}
	sawKeyed := false

	c := redis.NewClient(&redis.Options{Addr: rd.Addr})
	defer c.Close()
	ctx := context.Background()
	names, err := c.Keys(ctx, "*").Result()
	if err != nil || len(names) == 0 {
		t.Fatalf("keys %v, %v", names, err)
	}
	for _, name := range names {
		val, err := c.Get(ctx, name).Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			if h := unkeyedHash(conversationKey(m)); strings.Contains(name, h) || strings.Contains(val, h) {
				t.Errorf("Redis keeps the unkeyed hash of conversation %q under %q", conversationKey(m), name)
			}
			if h := unkeyedHash(m.MsgID); strings.Contains(name, h) || strings.Contains(val, h) {
				t.Errorf("Redis keeps the unkeyed hash of msg_id %s under %q", m.MsgID, name)
			}
		}
		for _, sender := range senders {
			if strings.Contains(val, sender) {
				t.Errorf("Redis keeps the phone number %s under %q", sender, name)
			}
			if h := (*session.Hasher)(nil).Sender(sender); strings.Contains(val, h) {
				t.Errorf("Redis keeps the unkeyed (FNV) hash of sender %s under %q", sender, name)
			}
			sawKeyed = sawKeyed || strings.Contains(val, "shipping_time/"+a.hasher.Sender(sender))
		}
	}
	if !sawKeyed {
		t.Error("no state keeps a variant under a customer's keyed hash: the test did not reach what it checks")
	}
}

// TestRedisNoHashKeyAsBefore: without a key, a conversation is where earlier builds kept it and
// its turns keep session.HashMsgID, so an upgrade that sets no key keeps its conversations.
func TestRedisNoHashKeyAsBefore(t *testing.T) {
	rd := testsvc.StartRedis(t)
	r, _, _ := newReplier(t, Config{Sessions: redisStore(t, rd.URL()), StateTimeout: redisStateTimeout})
	req := intent.Request{Text: "什么时候发货", MsgID: "7301234567890123456", SenderID: "wmBefore", Channel: "wecom"}
	send(t, r, req)
	c := redis.NewClient(&redis.Options{Addr: rd.Addr})
	defer c.Close()
	val, err := c.Get(context.Background(), session.DefaultPrefix+unkeyedHash(conversationKey(req))).Result()
	if err != nil {
		t.Fatalf("the conversation is not under its unkeyed hash: %v", err)
	}
	if !strings.Contains(val, session.HashMsgID(req.MsgID)) {
		t.Error("the turn does not keep session.HashMsgID of its msg_id")
	}
}
