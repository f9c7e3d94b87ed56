package session

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
)

// formatVersion is the first byte of every encoded State.
//
// Version 1 layout (varint = encoding/binary signed varint, uvarint = unsigned, str = uvarint
// length then the bytes):
//
//	byte     version
//	varint   TurnCount, LastAnswerAt
//	str      ActiveIntent
//	varint   Fallbacks, Repeats
//	uvarint  number of experiments, then str id, str variant for each, ids sorted
//	uvarint  number of turns, then for each: uvarint body length, body:
//	           str MsgID, str Text, varint At, str Intent, 8 bytes Confidence (float64 bits,
//	           little endian), str Route, str AnswerID, byte flags (1 = Repeat), str Response
//
// Version 2 appends str Sender to each turn's body, version 3 str Escalation, version 4 uvarint
// Masked.
//
// Later versions only append: new State fields after the turns, new Turn fields at the end of
// a turn's body (which is why its length is prefixed). A decoder reads the fields it knows and
// skips the rest when the version is newer than its own, so during a rolling deploy an older
// replica still reads what a newer one wrote (minus the new fields). Data of the decoder's own
// version must end exactly where its fields do.
const formatVersion = 4

const flagRepeat = 1

// minTurnSize is the fewest bytes an encoded turn takes: its length, seven empty strings or
// varints, the confidence and the flags (version 1's fields: a bound for every version).
const minTurnSize = 1 + 7 + 8 + 1 + 1

// AppendBinary appends the encoded state to b and returns the extended slice
// (encoding.BinaryAppender). It never fails; the error is for the interface.
func (s *State) AppendBinary(b []byte) ([]byte, error) {
	b = slices.Grow(b, s.encodedSizeHint())
	b = append(b, formatVersion)
	b = binary.AppendVarint(b, int64(s.TurnCount))
	b = binary.AppendVarint(b, s.LastAnswerAt)
	b = appendStr(b, s.ActiveIntent)
	b = binary.AppendVarint(b, int64(s.Fallbacks))
	b = binary.AppendVarint(b, int64(s.Repeats))

	b = binary.AppendUvarint(b, uint64(len(s.Experiments)))
	if len(s.Experiments) > 0 {
		// Sorted, so that equal states encode to equal bytes.
		ids := make([]string, 0, len(s.Experiments))
		for id := range s.Experiments {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			b = appendStr(b, id)
			b = appendStr(b, s.Experiments[id])
		}
	}

	b = binary.AppendUvarint(b, uint64(len(s.Turns)))
	for i := range s.Turns {
		t := &s.Turns[i]
		b = binary.AppendUvarint(b, uint64(t.bodySize()))
		b = appendStr(b, t.MsgID)
		b = appendStr(b, t.Text)
		b = binary.AppendVarint(b, t.At)
		b = appendStr(b, t.Intent)
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(t.Confidence))
		b = appendStr(b, t.Route)
		b = appendStr(b, t.AnswerID)
		var flags byte
		if t.Repeat {
			flags |= flagRepeat
		}
		b = append(b, flags)
		b = appendStr(b, t.Response)
		b = appendStr(b, t.Sender)
		b = appendStr(b, t.Escalation)
		b = binary.AppendUvarint(b, uint64(t.Masked))
	}
	return b, nil
}

// MarshalBinary returns the encoded state (encoding.BinaryMarshaler).
func (s *State) MarshalBinary() ([]byte, error) {
	return s.AppendBinary(nil)
}

// UnmarshalBinary replaces s with the state encoded in data (encoding.BinaryUnmarshaler). It
// does not keep data: the decoded strings share one copy of it. An error wraps ErrCorrupt:
// data that is truncated, has a version this build does not read (0), or has bytes left over
// at this build's own version. On error s is unchanged.
func (s *State) UnmarshalBinary(data []byte) error {
	return s.decode(string(data))
}

// decode is UnmarshalBinary on an immutable encoding: the decoded strings are substrings of
// data, so a decode allocates only the turns and the experiments map.
func (s *State) decode(data string) error {
	d := decoder{data: data}
	version := d.byte()
	if d.err == nil && version == 0 {
		return fmt.Errorf("%w: format version 0", ErrCorrupt)
	}
	var st State
	st.TurnCount = int(d.varint())
	st.LastAnswerAt = d.varint()
	st.ActiveIntent = d.string()
	st.Fallbacks = int(d.varint())
	st.Repeats = int(d.varint())

	if n := d.count(2); n > 0 {
		st.Experiments = make(map[string]string, n)
		for range n {
			id := d.string()
			st.Experiments[id] = d.string()
		}
	}

	if n := d.count(minTurnSize); n > 0 {
		st.Turns = make([]Turn, n)
		for i := range st.Turns {
			bodyLen := d.count(1)
			end := d.pos + bodyLen
			if d.err != nil {
				break
			}
			t := &st.Turns[i]
			t.MsgID = d.string()
			t.Text = d.string()
			t.At = d.varint()
			t.Intent = d.string()
			t.Confidence = math.Float64frombits(d.uint64())
			t.Route = d.string()
			t.AnswerID = d.string()
			t.Repeat = d.byte()&flagRepeat != 0
			t.Response = d.string()
			if version >= 2 {
				t.Sender = d.string()
			}
			if version >= 3 {
				t.Escalation = d.string()
			}
			if version >= 4 {
				if m := d.uvarint(); m > math.MaxUint16 {
					d.fail("masked digest %d over 16 bits", m)
				} else {
					t.Masked = uint16(m)
				}
			}
			d.endOfBody(end, version)
		}
	}
	if d.err == nil && version == formatVersion && d.pos != len(data) {
		d.fail("%d bytes after the last field", len(data)-d.pos)
	}
	if d.err != nil {
		return d.err
	}
	*s = st
	return nil
}

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func uvarintLen(x uint64) int {
	n := 1
	for x >= 0x80 {
		x >>= 7
		n++
	}
	return n
}

func strLen(s string) int { return uvarintLen(uint64(len(s))) + len(s) }

// bodySize is the exact encoded length of the turn's body, which AppendBinary writes before it.
func (t *Turn) bodySize() int {
	var at [binary.MaxVarintLen64]byte
	return strLen(t.MsgID) + strLen(t.Text) + len(binary.AppendVarint(at[:0], t.At)) +
		strLen(t.Intent) + 8 + strLen(t.Route) + strLen(t.AnswerID) + 1 + strLen(t.Response) + strLen(t.Sender) + strLen(t.Escalation) +
		uvarintLen(uint64(t.Masked))
}

// encodedSizeHint is an upper bound of the encoded size, so that AppendBinary grows b once.
func (s *State) encodedSizeHint() int {
	n := 1 + 4*binary.MaxVarintLen64 + strLen(s.ActiveIntent) + 2*binary.MaxVarintLen64
	for id, v := range s.Experiments {
		n += strLen(id) + strLen(v)
	}
	for i := range s.Turns {
		n += binary.MaxVarintLen64 + s.Turns[i].bodySize()
	}
	return n
}

// decoder reads a State's fields from data; the first error sticks and later reads return
// zero values, so decode checks once at the end.
type decoder struct {
	data string
	pos  int
	err  error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: at byte %d: %s", ErrCorrupt, d.pos, fmt.Sprintf(format, args...))
	}
}

func (d *decoder) byte() byte {
	if d.err != nil {
		return 0
	}
	if d.pos >= len(d.data) {
		d.fail("truncated")
		return 0
	}
	d.pos++
	return d.data[d.pos-1]
}

func (d *decoder) varint() int64 {
	u := d.uvarint() // zigzag, as binary.AppendVarint writes it
	return int64(u>>1) ^ -int64(u&1)
}

// uvarint reads what binary.AppendUvarint wrote, from a string (binary.Uvarint takes bytes).
func (d *decoder) uvarint() uint64 {
	var x uint64
	for i, shift := 0, uint(0); d.err == nil; i, shift = i+1, shift+7 {
		if i == binary.MaxVarintLen64 || d.pos >= len(d.data) {
			d.fail("bad uvarint")
			break
		}
		c := d.data[d.pos]
		d.pos++
		if i == binary.MaxVarintLen64-1 && c > 1 {
			d.fail("uvarint overflows 64 bits")
			break
		}
		x |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return x
		}
	}
	return 0
}

// count reads a length or count whose items take at least minSize bytes each, and refuses one
// the remaining data cannot hold, so corrupt data never makes the decoder allocate much.
func (d *decoder) count(minSize int) int {
	v := d.uvarint()
	if d.err != nil {
		return 0
	}
	if v > uint64((len(d.data)-d.pos)/minSize) {
		d.fail("count %d exceeds the data", v)
		return 0
	}
	return int(v)
}

func (d *decoder) uint64() uint64 {
	if d.err != nil {
		return 0
	}
	if len(d.data)-d.pos < 8 {
		d.fail("truncated")
		return 0
	}
	var b [8]byte
	copy(b[:], d.data[d.pos:])
	d.pos += 8
	return binary.LittleEndian.Uint64(b[:])
}

// string reads a length-prefixed string, as a substring of data.
func (d *decoder) string() string {
	n := d.count(1)
	if d.err != nil || n == 0 {
		return ""
	}
	d.pos += n
	return d.data[d.pos-n : d.pos]
}

// endOfBody checks that a turn's fields ended at its declared end, skipping fields a newer
// version appended.
func (d *decoder) endOfBody(end int, version byte) {
	switch {
	case d.err != nil:
	case d.pos > end:
		d.fail("turn body overruns its length")
	case d.pos < end && version == formatVersion:
		d.fail("%d bytes left in a turn body", end-d.pos)
	default:
		d.pos = end
	}
}
