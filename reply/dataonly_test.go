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
		res.Intent, res.Confidence, res.Route, res.Reason = s.intent, 0.99, intent.RouteAuto, intent.ReasonConfident
	}
	return res
}

// A message that only gives personal data asks what its conversation asked: it is answered alone
// only with the conversation's topic, never on the model's other guess from the data's name, and
// it neither sets nor changes the topic.
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

	// In a conversation about returns: the model's other guess is only suggested, and the
	// topic stays; the topic's own intent is answered.
	sendTo(t, r, eng, intent.Request{Text: "东西不要了怎么寄回去", MsgID: "e1", SenderID: "wmTopic"})
	d, _ = sendTo(t, r, eng, intent.Request{Text: data, MsgID: "e2", SenderID: "wmTopic"})
	if d.Result.Route != intent.RouteSuggest || d.Result.Reason != intent.ReasonOnlyDataOffTopic {
		t.Errorf("only data read as another need than the conversation's: %s (%s), want suggest", d.Result.Route, d.Result.Reason)
	}
	if c := d.Result.Context; c == nil || c.ActiveIntent != "return_goods" {
		t.Errorf("only data in a conversation about returns: context %+v, want the topic kept", c)
	}
	onTopic := sure{Engine: tinyEngine, text: data, intent: "return_goods"}
	d, _ = sendTo(t, r, onTopic, intent.Request{Text: data, MsgID: "e3", SenderID: "wmTopic"})
	if d.Result.Route != intent.RouteAuto {
		t.Errorf("only data, read as the conversation's need: %s (%s), want auto", d.Result.Route, d.Result.Reason)
	}

	// A need besides the data is a message like any other.
	const need = "订单号 4429103857611294 到哪了"
	eng = sure{Engine: tinyEngine, text: need, intent: "track_parcel"}
	d, _ = sendTo(t, r, eng, intent.Request{Text: need, MsgID: "f1", SenderID: "wmNeed"})
	if d.Result.Route != intent.RouteAuto || d.Result.Context.ActiveIntent != "track_parcel" {
		t.Errorf("data with a need: %s, topic %q, want auto and the topic", d.Result.Route, d.Result.Context.ActiveIntent)
	}
}
