package serve

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// jsonHandler writes the same JSON lines as slog.JSONHandler, faster for the records a server
// logs per request: attributes of strings, integers and booleans whose strings need no escaping.
// It writes those itself; any other record (floats, groups, errors, strings to escape, a handler
// made by WithAttrs or WithGroup) goes to the slog.JSONHandler it wraps. slog's handler was a
// quarter of the /intent handler's time, most of it walking attributes through interfaces.
// TestJSONHandlerMatchesSlog holds the two to the same bytes.
type jsonHandler struct {
	slow  slog.Handler // slog.JSONHandler over w
	w     io.Writer    // writes each line whole, whichever goroutine calls
	level slog.Leveler
	bufs  *sync.Pool // *[]byte
	clock *logClock
}

// lockedWriter serialises the two paths' writes, as slog.JSONHandler does its own.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// newJSONHandler returns a handler writing JSON lines at level and above to w. A LogWriter
// takes each line whole under its own lock; any other w gets one.
func newJSONHandler(w io.Writer, level slog.Leveler) *jsonHandler {
	if _, ok := w.(*LogWriter); !ok {
		w = &lockedWriter{w: w}
	}
	return &jsonHandler{
		slow:  slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}),
		w:     w,
		level: level,
		bufs:  &sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }},
		clock: new(logClock),
	}
}

// Enabled reports whether records at level are written.
func (h *jsonHandler) Enabled(_ context.Context, level slog.Level) bool {
	return level >= h.level.Level()
}

// WithAttrs returns slog's handler with the attributes: such loggers take the slow path.
func (h *jsonHandler) WithAttrs(attrs []slog.Attr) slog.Handler { return h.slow.WithAttrs(attrs) }

// WithGroup returns slog's handler with the group: such loggers take the slow path.
func (h *jsonHandler) WithGroup(name string) slog.Handler { return h.slow.WithGroup(name) }

// Handle writes r as one JSON line.
func (h *jsonHandler) Handle(ctx context.Context, r slog.Record) error {
	bp := h.bufs.Get().(*[]byte)
	defer h.bufs.Put(bp)
	b, ok := h.clock.appendHead((*bp)[:0], r.Time, r.Level, r.Message)
	r.Attrs(func(a slog.Attr) bool {
		b, ok = appendAttr(b, a, ok)
		return ok
	})
	if !ok {
		return h.slow.Handle(ctx, r)
	}
	return h.finish(bp, b)
}

// log writes a record of t, level, msg and attrs as Handle does, without building a Record
// (a record holds five attributes and copies more into a slice of its own). The caller checks
// Enabled.
func (h *jsonHandler) log(t time.Time, level slog.Level, msg string, attrs []slog.Attr) error {
	bp := h.bufs.Get().(*[]byte)
	defer h.bufs.Put(bp)
	b, ok := h.clock.appendHead((*bp)[:0], t, level, msg)
	for _, a := range attrs {
		b, ok = appendAttr(b, a, ok)
	}
	if !ok {
		r := slog.NewRecord(t, level, msg, 0)
		r.AddAttrs(attrs...)
		return h.slow.Handle(context.Background(), r)
	}
	return h.finish(bp, b)
}

func (h *jsonHandler) finish(bp *[]byte, b []byte) error {
	b = append(b, "}\n"...)
	*bp = b
	_, err := h.w.Write(b)
	return err
}

// logClock formats log times as time.RFC3339Nano does, remembering the last second's date,
// clock and zone: a server writes thousands of lines a second, and formatting the whole time
// was a third of a request line's cost.
type logClock struct {
	last atomic.Pointer[clockSecond]
}

// clockSecond is one second of one location, formatted up to the fraction (head) and the zone.
type clockSecond struct {
	unix       int64
	loc        *time.Location
	head, zone []byte
}

// appendTime appends t as t.AppendFormat(b, time.RFC3339Nano) would.
func (c *logClock) appendTime(b []byte, t time.Time) []byte {
	sec := c.last.Load()
	if sec == nil || sec.unix != t.Unix() || sec.loc != t.Location() {
		whole := t.Truncate(time.Second)
		f := whole.AppendFormat(nil, time.RFC3339)
		n := len("2006-01-02T15:04:05")
		sec = &clockSecond{unix: t.Unix(), loc: t.Location(), head: f[:n], zone: f[n:]}
		c.last.Store(sec)
	}
	b = append(b, sec.head...)
	if ns := t.Nanosecond(); ns != 0 {
		var frac [10]byte
		frac[0] = '.'
		for i := 9; i > 0; i-- {
			frac[i] = byte('0' + ns%10)
			ns /= 10
		}
		end := 10
		for frac[end-1] == '0' {
			end--
		}
		b = append(b, frac[:end]...)
	}
	return append(b, sec.zone...)
}

// appendHead appends the start of a line as slog.JSONHandler writes it (time, level, message),
// or returns false where slog's own handler must write the record.
func (c *logClock) appendHead(b []byte, t time.Time, level slog.Level, msg string) ([]byte, bool) {
	b = append(b, '{')
	if !t.IsZero() {
		t = t.Round(0)
		if y := t.Year(); y < 0 || y >= 10000 {
			return b, false
		}
		b = append(b, `"time":"`...)
		b = c.appendTime(b, t)
		b = append(b, `",`...)
	}
	b = append(b, `"level":"`...)
	b = append(b, level.String()...)
	b = append(b, `","msg":`...)
	if p := appendPlain(b, msg); p != nil {
		return p, true
	}
	return b, false
}

// appendAttr appends a plain string, integer or boolean attribute; ok false (given or
// returned) means slog's own handler must write the record.
func appendAttr(b []byte, a slog.Attr, ok bool) ([]byte, bool) {
	if !ok || a.Key == "" {
		return b, false
	}
	b = append(b, ',')
	p := appendPlain(b, a.Key)
	if p == nil {
		return b, false
	}
	b = append(p, ':')
	switch v := a.Value; v.Kind() {
	case slog.KindString:
		p = appendPlain(b, v.String())
	case slog.KindInt64:
		p = strconv.AppendInt(b, v.Int64(), 10)
	case slog.KindUint64:
		p = strconv.AppendUint(b, v.Uint64(), 10)
	case slog.KindBool:
		p = strconv.AppendBool(b, v.Bool())
	default:
		p = nil
	}
	if p == nil {
		return b, false
	}
	return p, true
}

// jsonSafe marks the ASCII bytes a JSON string holds as they are.
var jsonSafe = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendPlain appends s quoted when JSON needs no escape for it (valid UTF-8 without control
// characters, quotes, backslashes, U+2028 or U+2029), and returns nil otherwise.
func appendPlain(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if jsonSafe[c] {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			return nil
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			return nil
		}
		i += size
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
