package session

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

// sample is a small state with every field set, whose encoding TestCodecGolden pins.
func sample() State {
	return State{
		Turns: []Turn{
			{MsgID: "m1", Text: "发票", At: 1_790_000_000_000, Intent: "invoice", Confidence: 0.5, Route: "auto", AnswerID: "invoice.a", Response: `{"a":1}`},
			{MsgID: "m2", Text: "好 快点", At: 1_790_000_005_000, Intent: "invoice", Confidence: 0.25, Route: "suggest", Repeat: true},
		},
		ActiveIntent: "invoice",
		Fallbacks:    1,
		Repeats:      2,
		TurnCount:    7,
		LastAnswerAt: 1_790_000_005_100,
		Experiments:  map[string]string{"b": "2", "a": "1"},
	}
}

// goldenV1 is sample() as format version 1 wrote it (before Turn.Sender).
const goldenV1 = "01" + "0e" + "d8ff83c59868" + "07696e766f696365" + "02" + "04" + // version … Repeats
	"02" + "0161" + "0131" + "0162" + "0132" + // experiments, sorted
	"02" + // turns
	"38" + "026d31" + "06e58f91e7a5a8" + "80b083c59868" + "07696e766f696365" + "000000000000e03f" +
	"046175746f" + "09696e766f6963652e61" + "00" + "077b2261223a317d" +
	"2f" + "026d32" + "0ae5a5bd20e5bfabe782b990" + "fe83c59868" + "07696e766f696365" + "000000000000d03f" +
	"0773756767657374" + "00" + "01" + "00"

// goldenV2 is sample() with the second turn's Sender "Z1", as version 2 wrote it.
const goldenV2 = "02" + "0e" + "d8ff83c59868" + "07696e766f696365" + "02" + "04" + // version … Repeats
	"02" + "0161" + "0131" + "0162" + "0132" + // experiments, sorted
	"02" + // turns
	"39" + "026d31" + "06e58f91e7a5a8" + "80b083c59868" + "07696e766f696365" + "000000000000e03f" +
	"046175746f" + "09696e766f6963652e61" + "00" + "077b2261223a317d" + "00" +
	"32" + "026d32" + "0ae5a5bd20e5bfabe782b990" + "fe83c59868" + "07696e766f696365" + "000000000000d03f" +
	"0773756767657374" + "00" + "01" + "00" + "02" + "5a31"

// goldenV3 is sample() with the second turn's Sender "Z1" and Escalation "repeat", as version 3
// wrote it.
const goldenV3 = "03" + "0e" + "d8ff83c59868" + "07696e766f696365" + "02" + "04" + // version … Repeats
	"02" + "0161" + "0131" + "0162" + "0132" + // experiments, sorted
	"02" + // turns
	"3a" + "026d31" + "06e58f91e7a5a8" + "80b083c59868" + "07696e766f696365" + "000000000000e03f" +
	"046175746f" + "09696e766f6963652e61" + "00" + "077b2261223a317d" + "00" + "00" +
	"39" + "026d32" + "0ae5a5bd20e5bfabe782b990" + "fe83c59868" + "07696e766f696365" + "000000000000d03f" +
	"0773756767657374" + "00" + "01" + "00" + "02" + "5a31" + "06726570656174"

// TestCodecGolden pins format version 4: a change here breaks replicas reading each other's
// states and must come with a new version that only appends (see formatVersion). Version 1's,
// 2's and 3's bytes still decode, the fields they lack empty; version 3 reads version 4's bytes
// without Turn.Masked (TestCodecNewerVersion's rule).
func TestCodecGolden(t *testing.T) {
	const golden = "04" + "0e" + "d8ff83c59868" + "07696e766f696365" + "02" + "04" + // version … Repeats
		"02" + "0161" + "0131" + "0162" + "0132" + // experiments, sorted
		"02" + // turns
		"3b" + "026d31" + "06e58f91e7a5a8" + "80b083c59868" + "07696e766f696365" + "000000000000e03f" +
		"046175746f" + "09696e766f6963652e61" + "00" + "077b2261223a317d" + "00" + "00" + "00" +
		"3b" + "026d32" + "0ae5a5bd20e5bfabe782b990" + "fe83c59868" + "07696e766f696365" + "000000000000d03f" +
		"0773756767657374" + "00" + "01" + "00" + "02" + "5a31" + "06726570656174" + "b424"
	st := sample()
	st.Turns[1].Sender = "Z1"
	st.Turns[1].Escalation = "repeat"
	st.Turns[1].Masked = 0x1234
	b, _ := st.MarshalBinary()
	if got := hex.EncodeToString(b); got != golden {
		t.Fatalf("encoding changed:\n got %s\nwant %s", got, golden)
	}
	for _, old := range []struct {
		name, hex string
		want      func(*State)
	}{
		{"version 1", goldenV1, func(*State) {}},
		{"version 2", goldenV2, func(st *State) { st.Turns[1].Sender = "Z1" }},
		{"version 3", goldenV3, func(st *State) { st.Turns[1].Sender, st.Turns[1].Escalation = "Z1", "repeat" }},
	} {
		raw, _ := hex.DecodeString(old.hex)
		var got State
		if err := got.UnmarshalBinary(raw); err != nil {
			t.Fatalf("%s: %v", old.name, err)
		}
		want := sample()
		old.want(&want)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s decoded\n got %+v\nwant %+v", old.name, got, want)
		}
	}
}

func TestCodecRoundTrip(t *testing.T) {
	for name, st := range map[string]State{
		"zero":     {},
		"sample":   sample(),
		"extremes": {TurnCount: math.MaxInt64, LastAnswerAt: math.MinInt64, Fallbacks: -1, Turns: []Turn{{At: -1, Confidence: math.Inf(-1), Masked: math.MaxUint16}}},
		"long":     {Turns: []Turn{{Text: strings.Repeat("长", 30_000), Response: strings.Repeat("x", MaxResponseBytes)}}},
	} {
		b, err := st.MarshalBinary()
		if err != nil {
			t.Fatalf("%s: MarshalBinary: %v", name, err)
		}
		if hint := st.encodedSizeHint(); len(b) > hint {
			t.Errorf("%s: encoded %d bytes, over the size hint %d", name, len(b), hint)
		}
		var got State
		if err := got.UnmarshalBinary(b); err != nil {
			t.Fatalf("%s: UnmarshalBinary: %v", name, err)
		}
		if !reflect.DeepEqual(got, st) {
			t.Errorf("%s: round trip\n got %+v\nwant %+v", name, got, st)
		}
	}
}

// TestCodecNewerVersion checks the forward rule: a newer version's appended fields, in a turn
// body and after the turns, are skipped, while the same bytes at the decoder's own version are refused.
func TestCodecNewerVersion(t *testing.T) {
	st := State{TurnCount: 1, Turns: []Turn{{MsgID: "m1", Intent: "x"}}}
	v1, _ := st.MarshalBinary()
	// Header: version, TurnCount, LastAnswerAt, ActiveIntent, Fallbacks, Repeats, 0
	// experiments, 1 turn; then the turn's body length and body.
	const lenAt = 8
	if v1[lenAt-1] != 1 || int(v1[lenAt]) != len(v1)-lenAt-1 {
		t.Fatalf("unexpected layout %x", v1)
	}
	extended := append([]byte(nil), v1...)
	extended[lenAt] += 3
	extended = append(extended, 0xAA, 0xBB, 0xCC) // three bytes of a future Turn field
	extended = append(extended, 0x05, 'h', 'e', 'l', 'l', 'o')

	extended[0] = formatVersion + 1
	var got State
	if err := got.UnmarshalBinary(extended); err != nil {
		t.Fatalf("version %d with appended fields: %v", formatVersion+1, err)
	}
	if !reflect.DeepEqual(got, st) {
		t.Errorf("version %d: got %+v, want %+v", formatVersion+1, got, st)
	}
	extended[0] = formatVersion
	if err := got.UnmarshalBinary(extended); !errors.Is(err, ErrCorrupt) {
		t.Errorf("own version with bytes left in a turn: %v, want ErrCorrupt", err)
	}
	if err := got.UnmarshalBinary(append(v1, 0)); !errors.Is(err, ErrCorrupt) {
		t.Errorf("own version with a trailing byte: %v, want ErrCorrupt", err)
	}
}

func TestCodecCorrupt(t *testing.T) {
	st := sample()
	good, _ := st.MarshalBinary()
	check := func(name string, b []byte) {
		t.Helper()
		before := sample()
		got := before
		if err := got.UnmarshalBinary(b); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: error %v, want ErrCorrupt", name, err)
		}
		if !reflect.DeepEqual(got, before) {
			t.Errorf("%s: a failed decode changed the state", name)
		}
	}
	for n := range len(good) {
		check("truncated", good[:n])
	}
	check("version 0", append([]byte{0}, good[1:]...))
	check("huge turn count", binary.AppendUvarint([]byte{1, 0, 0, 0, 0, 0, 0}, 1<<40))
	check("huge string", binary.AppendUvarint([]byte{1, 0, 0}, 1<<62))
	check("overlong varint", []byte{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	one, _ := (&State{TurnCount: 1, Turns: []Turn{{MsgID: "m1"}}}).MarshalBinary()
	big := append(one[:len(one)-1:len(one)-1], 0x80, 0x80, 0x04) // Masked 65536
	big[8] += 2                                                  // the turn's body length
	check("masked over 16 bits", big)
}

func FuzzUnmarshalBinary(f *testing.F) {
	st := sample()
	good, _ := st.MarshalBinary()
	f.Add(good)
	f.Add([]byte{})
	f.Add([]byte{2, 0, 0, 0, 0, 0, 0, 0, 9})
	f.Fuzz(func(t *testing.T, b []byte) {
		var st State
		if err := st.UnmarshalBinary(b); err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		// What decodes re-encodes to something that decodes to the same state.
		again, _ := st.MarshalBinary()
		var st2 State
		if err := st2.UnmarshalBinary(again); err != nil {
			t.Fatalf("re-encoded state does not decode: %v", err)
		}
		if !reflect.DeepEqual(st, st2) && !hasNaN(st) {
			t.Fatalf("re-encoding changed the state:\n%+v\n%+v", st, st2)
		}
	})
}

func hasNaN(st State) bool {
	for _, t := range st.Turns {
		if math.IsNaN(t.Confidence) {
			return true
		}
	}
	return false
}
