package reply

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
)

func TestContinueNumber(t *testing.T) {
	for _, tt := range []struct {
		prev, text, want string
		ok               bool
	}{
		{"我手机是139", "12345678", "<PHONE>", true},
		{"我手机是1391234", "5678 麻烦尽快", "<PHONE> 麻烦尽快", true},
		{"电话 139 1234", "5678", "<PHONE>", true},
		{"身份证号110105", "19491231002X", "<IDCARD>", true},
		{"身份证 110105 1949", "1231 002x 帮我查下", "<IDCARD> 帮我查下", true},
		{"卡号6222 0212 3456", "7890 128", "<BANKCARD>", true},
		{"手机号:", "13812345678", "13812345678", false}, // whole in one message: masking's own
		// what makes no number stays as it was
		{"我买了3", "12345678", "12345678", false},
		{"订单号<ORDER>", "12345678", "12345678", false},
		{"我手机是139", "号码不对", "号码不对", false},
		{"42码", "39码", "39码", false},
		{"我手机是139", "12345678901", "12345678901", false},
	} {
		got, set := continueNumber(tt.prev, tt.text)
		if ok := set != 0; got != tt.want || ok != tt.ok {
			t.Errorf("continueNumber(%q, %q) = %q, %v; want %q, %v", tt.prev, tt.text, got, ok, tt.want, tt.ok)
		}
	}
}

// TestSplitNumberNotKeptWhole: a phone number sent in two messages of one conversation reached
// the decision log (Decision.Text) and Redis as two halves side by side; the second half is
// masked now, and a retry of it is still known as one.
func TestSplitNumberNotKeptWhole(t *testing.T) {
	rd := testsvc.StartRedis(t)
	r, c, _ := newReplier(t, Config{Sessions: redisStore(t, rd.URL()), StateTimeout: redisStateTimeout})
	send(t, r, intent.Request{Text: "我手机是139", MsgID: "s-1", SenderID: "wmSplit", Channel: "wecom"})
	c.t = c.t.Add(20 * time.Second)
	second := intent.Request{Text: "12345678", MsgID: "s-2", SenderID: "wmSplit", Channel: "wecom"}
	d, _ := send(t, r, second)
	if got := d.Text(); got != "<PHONE>" {
		t.Errorf("the second half is logged as %q, want <PHONE>", got)
	}
	// the answer names what was masked, as it does for a number sent whole (docs/api.md)
	if !slices.Contains(d.Result.Masked, "phone") {
		t.Errorf("the second half's answer says masked %v, want phone", d.Result.Masked)
	}
	if d, _ := send(t, r, second); !d.Retry {
		t.Errorf("a retry of the second half is no retry")
	}
	// too late to go on the number, or another customer's conversation: the digits stay
	c.t = c.t.Add(splitWindow + time.Minute)
	if d, _ := send(t, r, intent.Request{Text: "12345678", MsgID: "s-3", SenderID: "wmSplit", Channel: "wecom"}); d.Text() != "12345678" {
		t.Errorf("digits long after the number: %q", d.Text())
	}
	cl := redis.NewClient(&redis.Options{Addr: rd.Addr})
	defer cl.Close()
	keys, err := cl.Keys(context.Background(), "*").Result()
	if err != nil || len(keys) == 0 {
		t.Fatalf("keys %v, %v", keys, err)
	}
	for _, k := range keys {
		v, err := cl.Get(context.Background(), k).Result()
		if err != nil {
			t.Fatal(err)
		}
		// the first half, and the second only once: as the late message, not as the number's
		if strings.Contains(v, "139") && strings.Count(v, "12345678") > 1 {
			t.Errorf("Redis keeps both halves of the number under %q", k)
		}
	}
}
