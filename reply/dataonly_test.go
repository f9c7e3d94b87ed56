package reply

import (
	"context"
	"testing"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/nlp"
)

// sure is an engine that answers one text automatically with an intent of its choosing, as a
// model sure of a wrong guess would.
type sure struct {
	Engine
	text, intent string
}

func (s sure) ClassifyAnalyzed(ctx context.Context, req intent.Request, an nlp.Analysis) intent.Result {
	res := s.Engine.ClassifyAnalyzed(ctx, req, an)
	if req.Text == s.text {
		res.Intent, res.Confidence, res.Route, res.Reason = s.intent, 0.99, intent.RouteAuto, "confident"
	}
	return res
}

// A message that only gives personal data asks what its conversation asked: with no topic it is
// never answered alone on the model's guess from the data's name, and the guess becomes no topic;
// in a conversation with one, it neither changes the topic nor loses its automatic answer.
func TestDataOnlyMessage(t *testing.T) {
	const data = "订单号 4429103857611294"
	eng := sure{Engine: tinyEngine, text: data, intent: "track_parcel"}
	r, _, _ := newReplier(t, Config{})

	d, _ := sendTo(t, r, eng, intent.Request{Text: data, MsgID: "d1", SenderID: "wmData"})
	if d.Result.Route != intent.RouteSuggest || d.Result.Intent != "track_parcel" {
		t.Errorf("first message only data: %s %s (%s), want the guess suggested", d.Result.Intent, d.Result.Route, d.Result.Reason)
	}
	if c := d.Result.Context; c == nil || c.ActiveIntent != "" {
		t.Errorf("first message only data: context %+v, want no topic", c)
	}
	d, _ = sendTo(t, r, eng, intent.Request{Text: data})
	if d.Result.Route != intent.RouteSuggest {
		t.Errorf("anonymous, only data: %s, want suggest", d.Result.Route)
	}

	sendTo(t, r, eng, intent.Request{Text: "东西不要了怎么寄回去", MsgID: "e1", SenderID: "wmTopic"})
	d, _ = sendTo(t, r, eng, intent.Request{Text: data, MsgID: "e2", SenderID: "wmTopic"})
	if d.Result.Route != intent.RouteAuto {
		t.Errorf("only data in a conversation about returns: %s (%s), want auto", d.Result.Route, d.Result.Reason)
	}
	if c := d.Result.Context; c == nil || c.ActiveIntent != "return_goods" {
		t.Errorf("only data in a conversation about returns: context %+v, want the topic kept", c)
	}

	// A need besides the data is a message like any other.
	const need = "订单号 4429103857611294 到哪了"
	eng = sure{Engine: tinyEngine, text: need, intent: "track_parcel"}
	d, _ = sendTo(t, r, eng, intent.Request{Text: need, MsgID: "f1", SenderID: "wmNeed"})
	if d.Result.Route != intent.RouteAuto || d.Result.Context.ActiveIntent != "track_parcel" {
		t.Errorf("data with a need: %s, topic %q, want auto and the topic", d.Result.Route, d.Result.Context.ActiveIntent)
	}
}
