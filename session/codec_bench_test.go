package session_test

import (
	"encoding/json"
	"testing"

	"github.com/zhiyi-ai/zhiyi/session"
	"github.com/zhiyi-ai/zhiyi/session/sessiontest"
)

// The codec benchmarks encode and decode sessiontest.Typical (six turns with ~700-byte
// responses) with the binary codec and, as the baseline it was chosen against, encoding/json.
// "bytes" is the encoded size.

var sink int

func BenchmarkEncodeBinary(b *testing.B) {
	st := sessiontest.Typical()
	b.ReportAllocs()
	var n int
	for b.Loop() {
		buf, _ := st.AppendBinary(nil)
		n = len(buf)
	}
	b.ReportMetric(float64(n), "bytes")
	sink += n
}

func BenchmarkDecodeBinary(b *testing.B) {
	st := sessiontest.Typical()
	buf, _ := st.MarshalBinary()
	b.ReportAllocs()
	for b.Loop() {
		var got session.State
		if err := got.UnmarshalBinary(buf); err != nil {
			b.Fatal(err)
		}
		sink += len(got.Turns)
	}
	b.ReportMetric(float64(len(buf)), "bytes")
}

func BenchmarkEncodeJSON(b *testing.B) {
	st := sessiontest.Typical()
	b.ReportAllocs()
	var n int
	for b.Loop() {
		buf, err := json.Marshal(&st)
		if err != nil {
			b.Fatal(err)
		}
		n = len(buf)
	}
	b.ReportMetric(float64(n), "bytes")
	sink += n
}

func BenchmarkDecodeJSON(b *testing.B) {
	st := sessiontest.Typical()
	buf, _ := json.Marshal(&st)
	b.ReportAllocs()
	for b.Loop() {
		var got session.State
		if err := json.Unmarshal(buf, &got); err != nil {
			b.Fatal(err)
		}
		sink += len(got.Turns)
	}
	b.ReportMetric(float64(len(buf)), "bytes")
}
