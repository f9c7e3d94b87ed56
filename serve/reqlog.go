package serve

import (
	"context"
	"log/slog"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/zhiyi-ai/zhiyi/alert"
)

// finish counts the request and writes its one log line. Message text never appears at info
// level; at debug level the engine's masked text does (with ?debug=1).
func (s *Server) finish(ctx *fasthttp.RequestCtx, info *reqInfo, start time.Time, readErr error) {
	status := ctx.Response.StatusCode()
	now := time.Now()
	took := now.Sub(start)
	s.met.request(info.route, status, took)
	// /readyz's 503 (loading, shutting down) is an answer, not a failure
	failed := status >= 500 && info.route != routeReadyz
	if failed && s.alerter != nil {
		s.alerter.Observe(alert.Event{Kind: alert.KindServerError, Status: status})
	}
	level := slog.LevelInfo
	switch {
	case failed:
		level = slog.LevelError
	case probed(info.route, status):
		// a probe's or a scrape's answer: Kubernetes and Prometheus ask every few seconds, some
		// 20,000 lines a day per replica that say nothing (the metrics count them)
		level = slog.LevelDebug
	}
	bg := context.Background()
	if !s.log.Enabled(bg, level) {
		return
	}
	attrs := make([]slog.Attr, 0, 12)
	attrs = append(attrs,
		slog.String("request_id", info.id),
		slog.String("route", info.route.String()),
		slog.Int("status", status),
		slog.Int64("latency_us", took.Microseconds()),
	)
	if info.msgID != "" {
		attrs = append(attrs, slog.String("msg_id", maskID(info.msgID)))
	}
	if info.intent != "" {
		attrs = append(attrs, slog.String("intent", info.intent), slog.String("decision", string(info.decision)))
	}
	if info.messages > 0 {
		attrs = append(attrs, slog.Int("messages", info.messages))
	}
	if info.replay {
		attrs = append(attrs, slog.Bool("replay", true))
	}
	if info.errCode != "" {
		// the method only matters when something went wrong (a 405, say)
		attrs = append(attrs, slog.String("error_code", info.errCode), slog.String("method", string(ctx.Method())))
	}
	if readErr != nil {
		// never the error's text: fasthttp's read errors quote the request
		attrs = append(attrs, slog.String("error_kind", errorKind(readErr)))
		if n := readSize(readErr); n >= 0 {
			attrs = append(attrs, slog.Int("read_bytes", n))
		}
		if n := ctx.Request.Header.ContentLength(); n > 0 {
			attrs = append(attrs, slog.Int("content_length", n))
		}
	}
	if s.log.Enabled(bg, slog.LevelDebug) {
		// slog formats floats through encoding/json, too slow for every info line
		if info.intent != "" {
			attrs = append(attrs, slog.Float64("confidence", info.confidence))
		}
		if info.maskedText != "" {
			attrs = append(attrs, slog.String("masked_text", info.maskedText))
		}
	}
	// The record goes to the handler directly: Logger.LogAttrs would also walk the stack for the
	// caller's position (a sixth of a request line's cost), which these records never show.
	if h, ok := s.log.Handler().(*jsonHandler); ok {
		_ = h.log(now, level, "request", attrs)
		return
	}
	rec := slog.NewRecord(now, level, "request", 0)
	rec.AddAttrs(attrs...)
	_ = s.log.Handler().Handle(bg, rec)
}

// probed reports whether a request is a health probe or a metrics scrape answered as such:
// /healthz and /metrics with a 2xx, /readyz with a 2xx or its 503 (loading, shutting down).
func probed(route routeID, status int) bool {
	switch route {
	case routeHealthz, routeMetrics:
		return status < 300
	case routeReadyz:
		return status < 300 || status == fasthttp.StatusServiceUnavailable
	}
	return false
}
