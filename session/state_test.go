package session

import (
	"fmt"
	"strings"
	"testing"
)

func TestPush(t *testing.T) {
	var st State
	for i := range 10 {
		st.Push(Turn{MsgID: fmt.Sprint("m", i)}, 3)
		if want := min(i+1, 3); len(st.Turns) != want {
			t.Fatalf("after %d pushes: %d turns, want %d", i+1, len(st.Turns), want)
		}
	}
	if st.TurnCount != 10 {
		t.Errorf("TurnCount = %d, want 10", st.TurnCount)
	}
	for i, want := range []string{"m7", "m8", "m9"} {
		if st.Turns[i].MsgID != want {
			t.Errorf("Turns[%d] = %s, want %s (oldest first)", i, st.Turns[i].MsgID, want)
		}
	}
	if cap(st.Turns) > 4 {
		t.Errorf("cap(Turns) = %d: Push keeps growing the slice", cap(st.Turns))
	}

	// A smaller bound than the state holds (the configuration changed) drops the excess.
	st.Push(Turn{MsgID: "m10"}, 1)
	if len(st.Turns) != 1 || st.Turns[0].MsgID != "m10" {
		t.Errorf("after Push with bound 1: %+v", st.Turns)
	}
	// Bound 0 means DefaultMaxTurns.
	for range 2 * DefaultMaxTurns {
		st.Push(Turn{}, 0)
	}
	if len(st.Turns) != DefaultMaxTurns {
		t.Errorf("bound 0: %d turns, want %d", len(st.Turns), DefaultMaxTurns)
	}
}

func TestPushResponseCap(t *testing.T) {
	var st State
	st.Push(Turn{MsgID: "fits", Response: strings.Repeat("x", MaxResponseBytes)}, 0)
	st.Push(Turn{MsgID: "over", Response: strings.Repeat("x", MaxResponseBytes+1)}, 0)
	if len(st.FindTurn("fits").Response) != MaxResponseBytes {
		t.Error("a response of MaxResponseBytes was not kept")
	}
	if st.FindTurn("over").Response != "" {
		t.Error("a response over MaxResponseBytes was kept")
	}
}

// TestPushResponseWindow: a turn keeps its response while the newest turn is at most
// ResponseWindow newer, however many turns came meanwhile; the turns themselves stay.
func TestPushResponseWindow(t *testing.T) {
	var st State
	at := []int64{0, 1_000, 2_000, 2_500, 3_000, ResponseWindow + 1_500, ResponseWindow + 2_000}
	for i, a := range at {
		st.Push(Turn{MsgID: fmt.Sprint("m", i), At: a, Response: fmt.Sprint("answer ", i)}, 0)
	}
	newest := at[len(at)-1]
	for _, tu := range st.Turns {
		var i int
		fmt.Sscanf(tu.MsgID, "m%d", &i)
		kept := newest-at[i] <= ResponseWindow
		if want := fmt.Sprint("answer ", i); kept && tu.Response != want {
			t.Errorf("turn %s (%d ms old): response %q, want %q", tu.MsgID, newest-at[i], tu.Response, want)
		}
		if !kept && tu.Response != "" {
			t.Errorf("turn %s (%d ms old) kept its response past the window", tu.MsgID, newest-at[i])
		}
	}
	if st.FindTurn("m1") == nil {
		t.Error("a turn without its response was dropped from the state")
	}
}

func TestFindTurn(t *testing.T) {
	var st State
	if st.FindTurn("a") != nil || st.Last() != nil {
		t.Fatal("the zero State has turns")
	}
	st.Push(Turn{MsgID: "a", Intent: "first"}, 0)
	st.Push(Turn{MsgID: "", Intent: "no id"}, 0)
	st.Push(Turn{MsgID: "a", Intent: "retry kept twice"}, 0)
	if got := st.FindTurn("a"); got == nil || got.Intent != "retry kept twice" {
		t.Errorf(`FindTurn("a") = %+v, want the newest`, got)
	}
	if got := st.FindTurn(""); got != nil {
		t.Errorf(`FindTurn("") = %+v, want nil: messages without an id are never retries`, got)
	}
	if got := st.FindTurn("b"); got != nil {
		t.Errorf(`FindTurn("b") = %+v, want nil`, got)
	}
	if got := st.Last(); got.Intent != "retry kept twice" {
		t.Errorf("Last() = %+v", got)
	}
	st.FindTurn("a").Response = "x" // the pointer is into Turns
	if st.Turns[2].Response != "x" {
		t.Error("FindTurn does not point into Turns")
	}
}
