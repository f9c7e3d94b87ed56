package storetest

import (
	"errors"
	"testing"

	"github.com/zhiyi-ai/zhiyi/store"
)

// testForget: a customer's decisions, with their feedback and labels, go when they ask (by
// their raw sender id, hashed as serve stores it), and so do a conversation's; nothing else.
func testForget(t *testing.T, s store.Store) {
	appendAll(t, s, sample(s)...)
	theirs := []store.Decision{
		{MsgID: "z1", Time: at(1), SenderHash: s.Hash("wm-zhang"), Text: "我要开发票", Intent: "invoice", Route: store.RouteAuto},
		{MsgID: "z2", Time: at(2), SenderHash: s.Hash("wm-zhang"), Text: "收件人张三 电话" + Phone, Intent: "none", Route: store.RouteHandoff},
		{MsgID: "z3", Time: at(300), SenderHash: s.Hash("wm-zhang"), ChatHash: s.Hash("chat-x"), Text: "好的", Intent: "none", Route: store.RouteHandoff},
	}
	appendAll(t, s, theirs...)
	for _, id := range []string{"z1", "z2", "z2", "m01"} {
		if err := s.AddFeedback(ctx(t), store.Feedback{MsgID: id, Rating: 1, Comment: "张三"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AddLabels(ctx(t), []store.Label{{Key: "z2", Text: "收件人张三", Intent: "delivery"}, {Key: "m02", Intent: "invoice", Text: "x"}}); err != nil {
		t.Fatal(err)
	}
	if got := ids(list(t, s, store.Query{Of: &store.Subject{SenderID: "wm-zhang"}})); got != "z1,z2,z3" {
		t.Errorf("the customer's decisions: %s, want z1,z2,z3", got)
	}
	if _, err := s.Forget(ctx(t), store.Subject{}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("Forget of no one: %v, want ErrInvalid", err)
	}
	n, err := s.Forget(ctx(t), store.Subject{SenderID: "wm-zhang"})
	if want := (store.Forgotten{Decisions: 3, Feedback: 3, Labels: 1}); err != nil || n != want {
		t.Fatalf("Forget(wm-zhang) = %+v, %v; want %+v", n, err, want)
	}
	if got := ids(list(t, s, store.Query{})); got != "m01,m02,m03,m04,m05,m06,m07,m08,m09,m10" {
		t.Errorf("left: %s", got)
	}
	if rs := feedbacks(t, s, store.FeedbackQuery{}); len(rs) != 1 || rs[0].MsgID != "m01" {
		t.Errorf("feedback left: %+v", rs)
	}
	if ls := labels(t, s, store.LabelQuery{}); len(ls) != 1 || ls[0].Key != "m02" {
		t.Errorf("labels left: %+v", ls)
	}
	// a conversation (m03, m04), and again: nothing more
	n, err = s.Forget(ctx(t), store.Subject{ChatID: "chat-x"})
	if want := (store.Forgotten{Decisions: 2}); err != nil || n != want {
		t.Errorf("Forget(chat-x) = %+v, %v; want %+v", n, err, want)
	}
	if n, err := s.Forget(ctx(t), store.Subject{SenderID: "wm-zhang", ChatID: "chat-x"}); err != nil || n != (store.Forgotten{}) {
		t.Errorf("again: %+v, %v", n, err)
	}
}

// testForgetSpacedIDs: serve hashes an id as the gateway sent it, white space and all, so a
// customer sent as ' wm-li ' is found and forgotten by that id whether or not it is given
// with its spaces, and the ' ' ids older builds took are found by ' ' (zhiyi records --chat ' '
// shows whether a gateway sent any), never by an empty id.
func testForgetSpacedIDs(t *testing.T, s store.Store) {
	appendAll(t, s,
		store.Decision{MsgID: "s1", Time: at(1), SenderHash: s.Hash(" wm-li "), Text: "我要开发票", Intent: "invoice", Route: store.RouteAuto},
		store.Decision{MsgID: "s2", Time: at(2), SenderHash: s.Hash("wm-li"), Text: "发货了吗", Intent: "shipping_time", Route: store.RouteAuto},
		store.Decision{MsgID: "b1", Time: at(3), SenderHash: s.Hash("wm-other"), ChatHash: s.Hash(" "), Text: "在吗", Intent: "none", Route: store.RouteHandoff},
		store.Decision{MsgID: "o1", Time: at(4), SenderHash: s.Hash("wm-other"), ChatHash: s.Hash("chat-o"), Text: "好的", Intent: "none", Route: store.RouteHandoff},
	)
	if err := s.AddFeedback(ctx(t), store.Feedback{MsgID: "s1", Rating: 1}); err != nil {
		t.Fatal(err)
	}
	if got := ids(list(t, s, store.Query{Of: &store.Subject{ChatID: " "}})); got != "b1" {
		t.Errorf("the conversations of id ' ': %q, want b1", got)
	}
	if got := ids(list(t, s, store.Query{Of: &store.Subject{SenderID: " wm-li "}})); got != "s1,s2" {
		t.Errorf("records of ' wm-li ': %q, want s1,s2", got)
	}
	n, err := s.Forget(ctx(t), store.Subject{SenderID: " wm-li"})
	if want := (store.Forgotten{Decisions: 1, Feedback: 0}); err != nil || n != want {
		t.Errorf("Forget(' wm-li') = %+v, %v; want %+v (wm-li's, not ' wm-li ''s)", n, err, want)
	}
	n, err = s.Forget(ctx(t), store.Subject{SenderID: " wm-li "})
	if want := (store.Forgotten{Decisions: 1, Feedback: 1}); err != nil || n != want {
		t.Errorf("Forget(' wm-li ') = %+v, %v; want %+v", n, err, want)
	}
	if got := ids(list(t, s, store.Query{})); got != "b1,o1" {
		t.Errorf("left: %q, want b1,o1", got)
	}
}
