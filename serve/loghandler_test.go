package serve

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"testing"
	"time"
	"unicode/utf8"
)

// The fast handler writes exactly what slog.JSONHandler writes, for every kind of record: its
// own fast path for plain ones and slog's for the rest.
func TestJSONHandlerMatchesSlog(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	plain := []string{"", "a", "req-1f", "/intent", "return_goods", "退货", "其他", "\x7f", "<&>", "é", "😀", "wm****1234"}
	odd := []string{"a\"b", "a\\b", "tab\there", "line\n", "\x00", "\u2028", "x\u2029", "\xff"}
	str := func() string {
		if rng.IntN(10) == 0 {
			return odd[rng.IntN(len(odd))]
		}
		return plain[rng.IntN(len(plain))]
	}
	times := []time.Time{{}, time.Date(2026, 11, 22, 5, 0, 0, 123456789, time.UTC),
		time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("CST", 8*3600)), time.Now(), time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC)}
	levels := []slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError, slog.LevelInfo + 2}
	values := func() slog.Value {
		switch rng.IntN(20) {
		case 0:
			return slog.Int64Value(rng.Int64() - rng.Int64())
		case 1:
			return slog.Uint64Value(rng.Uint64())
		case 2:
			return slog.BoolValue(rng.IntN(2) == 0)
		case 3:
			return slog.Float64Value(rng.NormFloat64())
		case 4:
			return slog.DurationValue(time.Duration(rng.Int64N(1e12)))
		case 5:
			return slog.AnyValue(errors.New(str()))
		case 6:
			return slog.GroupValue(slog.String("k", str()))
		default:
			return slog.StringValue(str())
		}
	}
	fast, slow := 0, 0
	for range 5000 {
		r := slog.NewRecord(times[rng.IntN(len(times))], levels[rng.IntN(len(levels))], str(), 0)
		for range rng.IntN(9) {
			key := str()
			if rng.IntN(3) > 0 {
				key = "request_id"
			}
			r.AddAttrs(slog.Attr{Key: key, Value: values()})
		}
		var want, got bytes.Buffer
		_ = slog.NewJSONHandler(&want, nil).Handle(context.Background(), r)
		_ = newJSONHandler(&got, slog.LevelDebug).Handle(context.Background(), r)
		if got.String() != want.String() {
			t.Fatalf("record %v:\n got  %s\n want %s", r, got.String(), want.String())
		}
		// The same record through log, as the server writes its request lines.
		var attrs []slog.Attr
		b, ok := new(logClock).appendHead(nil, r.Time, r.Level, r.Message)
		r.Attrs(func(a slog.Attr) bool {
			attrs = append(attrs, a)
			b, ok = appendAttr(b, a, ok)
			return true
		})
		var viaLog bytes.Buffer
		_ = newJSONHandler(&viaLog, slog.LevelDebug).log(r.Time, r.Level, r.Message, attrs)
		if viaLog.String() != want.String() {
			t.Fatalf("record %v through log:\n got  %s\n want %s", r, viaLog.String(), want.String())
		}
		if ok {
			fast++
		} else {
			slow++
		}
	}
	if fast < 500 || slow < 500 {
		t.Errorf("%d records on the fast path and %d on slog's: the test should exercise both", fast, slow)
	}
	var b bytes.Buffer
	h := newJSONHandler(&b, slog.LevelInfo)
	if h.Enabled(context.Background(), slog.LevelDebug) || !h.Enabled(context.Background(), slog.LevelInfo) {
		t.Error("Enabled does not follow the level")
	}
	slog.New(h).With("a", 1).WithGroup("g").Info("m", "b", 2)
	if s := b.String(); !bytes.Contains(b.Bytes(), []byte(`"a":1,"g":{"b":2}`)) {
		t.Errorf("WithAttrs and WithGroup: %s", s)
	}
}

func BenchmarkJSONHandler(b *testing.B) {
	r := slog.NewRecord(time.Now(), slog.LevelInfo, "request", 0)
	r.AddAttrs(slog.String("request_id", "a1b2c3d4-1f"), slog.String("route", "/intent"), slog.Int("status", 200),
		slog.Int64("latency_us", 57), slog.String("msg_id", "m-1"), slog.String("intent", "return_goods"),
		slog.String("decision", "suggest"))
	for _, h := range []struct {
		name string
		h    slog.Handler
	}{{"slog", slog.NewJSONHandler(discard{}, nil)}, {"fast", newJSONHandler(discard{}, slog.LevelInfo)}} {
		b.Run(h.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = h.h.Handle(context.Background(), r)
			}
		})
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// appendPlain takes exactly the strings JSON holds without escapes.
func TestAppendPlain(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	alphabet := []string{"a", "Z", " ", "~", "\x7f", "\"", "\\", "\x00", "\x1f", "\n", "退", "😀", "\u2028", "\u2029", "\xff", "\xe9", "\xe9\x80"}
	for range 20000 {
		var s string
		for range rng.IntN(20) {
			s += alphabet[rng.IntN(len(alphabet))]
		}
		want := utf8.ValidString(s)
		for _, r := range s {
			if r < 0x20 || r == '"' || r == '\\' || r == '\u2028' || r == '\u2029' {
				want = false
			}
		}
		got := appendPlain([]byte("x"), s)
		if (got != nil) != want || got != nil && string(got) != `x"`+s+`"` {
			t.Fatalf("appendPlain(%q) = %q, plain: %v", s, got, want)
		}
	}
}

// The log clock writes every time as time.RFC3339Nano does, whichever second and location it
// formatted last.
func TestLogClockMatchesRFC3339Nano(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	locs := []*time.Location{time.UTC, time.Local, time.FixedZone("CST", 8*3600), time.FixedZone("", -(3*3600 + 30*60)), time.FixedZone("odd", 5*3600+45*60)}
	if sh, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		locs = append(locs, sh)
	}
	var c logClock
	base := time.Date(2026, 11, 22, 7, 0, 0, 0, time.UTC).Unix()
	nanos := []int{0, 1, 10, 100000, 120000000, 123456789, 999999999, 500000000}
	for range 20000 {
		sec := base + rng.Int64N(3) // few seconds: the cache is hit and missed
		if rng.IntN(10) == 0 {
			sec = rng.Int64N(253402300799) // any second of years 1970–9999
		}
		ns := nanos[rng.IntN(len(nanos))]
		if rng.IntN(2) == 0 {
			ns = rng.IntN(1e9)
		}
		tm := time.Unix(sec, int64(ns)).In(locs[rng.IntN(len(locs))])
		want := tm.AppendFormat(nil, time.RFC3339Nano)
		if got := c.appendTime(nil, tm); !bytes.Equal(got, want) {
			t.Fatalf("%v: got %s, want %s", tm, got, want)
		}
	}
}
