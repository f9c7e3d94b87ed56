package serve

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/valyala/fasthttp"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// reqInfo is what one request's log line and metrics need. It holds copies only, never
// RequestCtx memory.
type reqInfo struct {
	route      routeID
	id         string
	msgID      string
	intent     string
	decision   intent.Route
	confidence float64
	messages   int    // batch size
	errCode    string // set when the answer is an error
	maskedText string // the engine's masked text, for debug logs only
	replay     bool   // a retry answered with the bytes sent the first time
}

// BatchRequest is the body of POST /intent/batch.
type BatchRequest struct {
	Messages []intent.Request `json:"messages"`
}

// BatchResponse is the answer of POST /intent/batch: one result per message, in order.
type BatchResponse struct {
	Results []intent.Result `json:"results"`
}

// ReloadRequest is the optional body of POST /admin/reload.
type ReloadRequest struct {
	// Model is the bundle directory to load; empty reloads the current one.
	Model string `json:"model"`
}

// handle is the fasthttp handler: route, answer, count, log; while draining, the connection is
// then served by serveDraining (drain.go).
func (s *Server) handle(ctx *fasthttp.RequestCtx) {
	s.serveOne(ctx)
	if s.draining.Load() {
		s.drainAfter(ctx)
	}
}

// serveOne answers one request.
func (s *Server) serveOne(ctx *fasthttp.RequestCtx) {
	start := ctx.Time() // fasthttp's clock reading just before the handler: one time.Now saved
	if start.IsZero() {
		start = time.Now()
	}
	info := reqInfo{route: routeOf(ctx.Path()), id: s.requestID(ctx)}
	setCanonicalHeader(&ctx.Response.Header, "X-Request-Id", info.id)
	if raw := ctx.Request.Header.RawHeaders(); bytes.Contains(raw, []byte("hunked")) && framedTwice(raw) {
		// Content-Length beside chunked: a proxy that frames by the length and zhiyi (by the
		// chunks) would split the stream differently (request smuggling, RFC 9112 §6.3).
		ctx.SetConnectionClose()
		s.fail(ctx, &info, errf(fasthttp.StatusBadRequest, CodeBadRequest, "both Content-Length and Transfer-Encoding: send one"))
		s.finish(ctx, &info, start, nil)
		return
	}
	s.dispatch(ctx, &info)
	s.finish(ctx, &info, start, nil)
}

// framedTwice reports whether raw request headers hold both a Content-Length and a
// Transfer-Encoding.
func framedTwice(raw []byte) bool {
	length, chunks := false, false
	for len(raw) > 0 {
		line := raw
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			line, raw = raw[:i], raw[i+1:]
		} else {
			raw = nil
		}
		length = length || hasName(line, "content-length:")
		chunks = chunks || hasName(line, "transfer-encoding:")
	}
	return length && chunks
}

// hasName reports whether a header line starts with name, in any case.
func hasName(line []byte, name string) bool {
	return len(line) >= len(name) && bytes.EqualFold(line[:len(name)], []byte(name))
}

// dispatch runs the route's handler, turning a panic into a 500 internal answer.
func (s *Server) dispatch(ctx *fasthttp.RequestCtx, info *reqInfo) {
	defer func() {
		if p := recover(); p != nil {
			s.met.panics.Inc()
			s.log.LogAttrs(context.Background(), slog.LevelError, "panic",
				slog.String("request_id", info.id), slog.String("route", info.route.String()),
				slog.String("panic", redact(fmt.Sprint(p), 512)), slog.String("stack", string(debug.Stack())))
			s.fail(ctx, info, errf(fasthttp.StatusInternalServerError, CodeInternal, "internal error; the request id is in the X-Request-Id header"))
		}
	}()
	switch info.route {
	case routeUnmatched, routeRollback, routeReload, routeForget:
		// customers' (masked) text and the serving model's lineage: for the admin alone
		ctx.Response.Header.Set("Cache-Control", "no-store")
		ctx.Response.Header.Set("X-Content-Type-Options", "nosniff")
	}
	switch info.route {
	case routeIntent:
		if s.allow(ctx, info, "POST") {
			s.serveIntent(ctx, info)
		}
	case routeBatch:
		if s.allow(ctx, info, "POST") {
			s.serveBatch(ctx, info)
		}
	case routeHealthz:
		if s.allow(ctx, info, "GET, HEAD") {
			_ = writeJSON(ctx, fasthttp.StatusOK, map[string]string{"status": "ok"})
		}
	case routeReadyz:
		if s.allow(ctx, info, "GET, HEAD") {
			s.serveReady(ctx)
		}
	case routeMetrics:
		if s.allow(ctx, info, "GET, HEAD") {
			ctx.SetContentType("text/plain; version=0.0.4; charset=utf-8")
			if srv := s.http.Load(); srv != nil {
				// answered 503 by fasthttp before any request is read: no handler counts them
				s.met.rejected.Set(uint64(srv.GetRejectedConnectionsCount()))
			}
			s.met.set.WritePrometheus(ctx)
			for _, set := range s.extraMetrics {
				set.WritePrometheus(ctx)
			}
			metrics.WriteProcessMetrics(ctx)
		}
	case routeFeedback:
		if s.rec == nil {
			s.fail(ctx, info, errf(fasthttp.StatusNotFound, CodeNotFound, "/feedback needs the decision log, which this server does not keep (--record=false)"))
		} else if s.allow(ctx, info, "POST") {
			s.serveFeedback(ctx, info)
		}
	case routeUnmatched:
		if !s.adminOn || s.unmatched == nil {
			s.fail(ctx, info, errf(fasthttp.StatusNotFound, CodeNotFound, "no route %s (it needs an admin token and the decision log)", "/admin/unmatched"))
		} else if s.allow(ctx, info, "GET, HEAD") {
			s.serveUnmatched(ctx, info)
		}
	case routeRollback:
		if !s.adminOn {
			s.fail(ctx, info, errf(fasthttp.StatusNotFound, CodeNotFound, "no route %s (it needs an admin token: serve with ZHIYI_ADMIN_TOKEN set)", "/admin/rollback"))
		} else if s.parentOf == nil {
			s.fail(ctx, info, errf(fasthttp.StatusNotFound, CodeNotFound, "no route %s (this server was built without rollback)", "/admin/rollback"))
		} else if s.allow(ctx, info, "POST") {
			s.serveRollback(ctx, info)
		}
	case routeForget:
		if !s.adminOn || s.forget == nil {
			s.fail(ctx, info, errf(fasthttp.StatusNotFound, CodeNotFound, "no route %s (it needs an admin token and the decision log)", "/admin/forget"))
		} else if s.allow(ctx, info, "POST") {
			s.serveForget(ctx, info)
		}
	case routeConsole:
		if !s.adminOn || s.console == nil {
			s.fail(ctx, info, errf(fasthttp.StatusNotFound, CodeNotFound, "no console: serve with --console and an admin token"))
		} else {
			s.console(ctx)
		}
	case routeReload:
		if !s.adminOn {
			s.fail(ctx, info, errf(fasthttp.StatusNotFound, CodeNotFound, "no route %s (it needs an admin token: serve with ZHIYI_ADMIN_TOKEN set)", "/admin/reload"))
		} else if s.allow(ctx, info, "POST") {
			s.serveReload(ctx, info)
		}
	default:
		msg := s.noRoute
		if s.adminOn && s.console != nil && underPath(ctx.Path(), "/console") {
			// A proxy that serves zhiyi under a path and passes it on unstripped (nginx's
			// proxy_pass without a URI, the usual way to write it) sent the operator here; the
			// route list alone left them guessing. The console's sign-in page is public at
			// /console anyway, so naming it tells a stranger nothing.
			s.fail(ctx, info, errf(fasthttp.StatusNotFound, CodeNotFound, "%s", noRouteUnstripped))
			return
		}
		if s.adminOn {
			// under the limit too: the admin routes listed would otherwise tell a right guess
			if v, _ := s.checkToken(ctx); v == tokenRight {
				msg = s.noRouteAdmin
			}
		}
		s.fail(ctx, info, errf(fasthttp.StatusNotFound, CodeNotFound, "%s", msg))
	}
}

// noRouteUnstripped is the 404 of a console path under some other path (/zhiyi/console/…).
const noRouteUnstripped = "no such route: the console is at /console; a reverse proxy that serves zhiyi under a path must strip that path before passing requests on (nginx: end proxy_pass's address with a slash, as in docs/console.md), and zhiyi be told it with --console-prefix"

// underPath reports whether path holds seg as a whole segment after its first one
// (/zhiyi/console, /zhiyi/console/login), not at its start (that is the route itself).
func underPath(path []byte, seg string) bool {
	for i := 1; i < len(path); i++ {
		if path[i] == '/' && bytes.HasPrefix(path[i:], []byte(seg)) {
			if rest := path[i+len(seg):]; len(rest) == 0 || rest[0] == '/' {
				return true
			}
		}
	}
	return false
}

// noRouteMessages are the unknown path's 404 messages: the routes this server has, and the same
// with the admin ones, for a request that carries the admin token.
func (s *Server) noRouteMessages() (public, admin string) {
	routes := []string{"POST /intent", "POST /intent/batch", "GET /healthz", "GET /readyz", "GET /metrics"}
	if s.rec != nil {
		routes = append(routes, "POST /feedback")
	}
	public = "no such route; see " + strings.Join(routes, ", ")
	if !s.adminOn {
		return public, public
	}
	admins := []string{"POST /admin/reload"}
	if s.parentOf != nil {
		admins = append(admins, "POST /admin/rollback")
	}
	if s.unmatched != nil {
		admins = append(admins, "GET /admin/unmatched")
	}
	if s.forget != nil {
		admins = append(admins, "POST /admin/forget")
	}
	if s.console != nil {
		admins = append(admins, "/console")
	}
	return public, public + "; with the admin token: " + strings.Join(admins, ", ")
}

// allow answers 405 with an Allow header unless the method is in allowed ("GET, HEAD" or "POST").
func (s *Server) allow(ctx *fasthttp.RequestCtx, info *reqInfo, allowed string) bool {
	m := ctx.Method()
	ok := false
	switch allowed {
	case "POST":
		ok = string(m) == fasthttp.MethodPost
	case "GET, HEAD":
		ok = string(m) == fasthttp.MethodGet || string(m) == fasthttp.MethodHead
	}
	if !ok {
		ctx.Response.Header.Set("Allow", allowed)
		s.fail(ctx, info, errf(fasthttp.StatusMethodNotAllowed, CodeMethodNotAllowed, "use %s", allowed))
	}
	return ok
}

func (s *Server) fail(ctx *fasthttp.RequestCtx, info *reqInfo, e *apiError) {
	info.errCode = e.Code
	writeError(ctx, e)
}

// jsonBody checks the encoding, content type and size of a JSON body and decodes it into v.
func jsonBody[T any](s *Server, ctx *fasthttp.RequestCtx, v *T) *apiError {
	if e := checkEncoding(&ctx.Request.Header); e != nil {
		return e
	}
	if e := checkContentType(ctx.Request.Header.ContentType()); e != nil {
		return e
	}
	body := ctx.PostBody()
	if len(body) > s.cfg.MaxBodyBytes {
		return bodyTooLarge(s.cfg.MaxBodyBytes)
	}
	if _, batch := any(v).(*BatchRequest); batch && batchOver(body, s.cfg.MaxBatch) {
		// before decoding: a megabyte of {} is 350,000 messages, 360 MB decoded
		return errf(fasthttp.StatusBadRequest, CodeBatchTooLarge, "more than %d messages; the limit is %d", s.cfg.MaxBatch, s.cfg.MaxBatch)
	}
	return decodeBody(body, v)
}

func bodyTooLarge(limit int) *apiError {
	return errf(fasthttp.StatusRequestEntityTooLarge, CodeBodyTooLarge, "the body is over the limit of %d bytes", limit)
}

func wantDebug(ctx *fasthttp.RequestCtx) bool {
	v := ctx.QueryArgs().Peek("debug")
	return string(v) == "1" || string(v) == "true"
}

func (s *Server) serveIntent(ctx *fasthttp.RequestCtx, info *reqInfo) {
	var req intent.Request
	if e := jsonBody(s, ctx, &req); e != nil {
		s.fail(ctx, info, e)
		return
	}
	info.msgID = req.MsgID
	if e := checkMessage(&req, s.cfg.MaxTextBytes); e != nil {
		s.fail(ctx, info, e)
		return
	}
	req.Debug = wantDebug(ctx)
	m := s.acquire()
	defer m.release() // even after a panic: a replaced engine is closed when its last request ends
	buf := s.scratch.Get().(*[]byte)
	var res *intent.Result
	*buf, res = s.decide(callContext(ctx), m, req, (*buf)[:0])
	if res != nil {
		info.msgID = res.MsgID
		info.intent, info.decision, info.confidence = res.Intent, res.Route, res.Confidence
		if res.Debug != nil {
			info.maskedText = res.Debug.Text
		}
	} else {
		info.replay = true
	}
	s.writeBytes(ctx, buf)
}

// callContext is the context a handler passes to what it calls (the session store, the decision
// log, the engine): not the *fasthttp.RequestCtx, which fasthttp resets for the next request once
// the handler returns, while a deadline derived from it would still read it from the timer's
// goroutine (context's cancel propagation calls its Value). Nothing zhiyi calls needs the
// request's values, and the server drains in-flight requests rather than cancelling them.
func callContext(*fasthttp.RequestCtx) context.Context { return context.Background() }

func (s *Server) serveBatch(ctx *fasthttp.RequestCtx, info *reqInfo) {
	var req BatchRequest
	if e := jsonBody(s, ctx, &req); e != nil {
		s.fail(ctx, info, e)
		return
	}
	info.messages = len(req.Messages)
	switch {
	case len(req.Messages) == 0:
		s.fail(ctx, info, errf(fasthttp.StatusBadRequest, CodeEmptyBatch, `"messages" is missing or empty`))
		return
	case len(req.Messages) > s.cfg.MaxBatch:
		s.fail(ctx, info, errf(fasthttp.StatusBadRequest, CodeBatchTooLarge, "%d messages; the limit is %d", len(req.Messages), s.cfg.MaxBatch))
		return
	}
	for i := range req.Messages {
		if e := checkMessage(&req.Messages[i], s.cfg.MaxTextBytes); e != nil {
			e.Message = "messages[" + strconv.Itoa(i) + "]: " + e.Message
			s.fail(ctx, info, e)
			return
		}
	}
	debugOn := wantDebug(ctx)
	m := s.acquire() // one engine for the whole batch
	defer m.release()
	buf := s.scratch.Get().(*[]byte)
	b := append((*buf)[:0], `{"results":[`...)
	for i := range req.Messages {
		if i > 0 {
			b = append(b, ',')
		}
		req.Messages[i].Debug = debugOn
		b, _ = s.decide(callContext(ctx), m, req.Messages[i], b)
	}
	*buf = append(b, "]}"...)
	s.writeBytes(ctx, buf)
}

func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

func (s *Server) serveReady(ctx *fasthttp.RequestCtx) {
	m := s.cur.Load()
	if m == nil || s.draining.Load() || s.leaving.Load() {
		_ = writeJSON(ctx, fasthttp.StatusServiceUnavailable, map[string]string{"status": "not_ready"})
		return
	}
	_ = writeJSON(ctx, fasthttp.StatusOK, map[string]string{
		"status":    "ready",
		"model":     m.version,
		"loaded_at": m.loadedAt.UTC().Format(time.RFC3339),
	})
}

func (s *Server) serveReload(ctx *fasthttp.RequestCtx, info *reqInfo) {
	if !s.admin(ctx, info) {
		return
	}
	var req ReloadRequest
	if e := checkEncoding(&ctx.Request.Header); e != nil {
		s.fail(ctx, info, e) // an empty body too: its encoding says the client compresses
		return
	}
	if len(bytes.TrimSpace(ctx.PostBody())) > 0 {
		if e := jsonBody(s, ctx, &req); e != nil {
			s.fail(ctx, info, e)
			return
		}
	}
	if req.Model != "" && blank(req.Model) {
		// not a directory anyone meant: the load would fail as "the bundle in    did not load"
		s.fail(ctx, info, errf(fasthttp.StatusBadRequest, CodeInvalidField,
			`"model" is only white space: leave it out to reload the serving bundle, or name a bundle directory`))
		return
	}
	// The reload ends when shutdown begins, so that a stuck one does not hold it up.
	if err := s.Reload(s.life, req.Model); errors.Is(err, ErrPartsNotReloaded) {
		s.fail(ctx, info, partsNotReloaded("the bundle was reloaded and "+s.cur.Load().version+" serves", err))
		return
	} else if errors.Is(err, ErrNotRecorded) {
		s.fail(ctx, info, notRecorded("switching to the bundle in "+maskID(cmp.Or(req.Model, s.cur.Load().dir)), s.cur.Load().version, err))
		return
	} else if errors.Is(err, ErrPartsRefused) {
		s.fail(ctx, info, partsRefused("the bundle in "+maskID(cmp.Or(req.Model, s.cur.Load().dir)), s.cur.Load().version, err))
		return
	} else if err != nil {
		s.fail(ctx, info, errf(fasthttp.StatusUnprocessableEntity, CodeReloadFailed,
			"the bundle in %s did not load: %s; the running model %s keeps serving",
			maskID(cmp.Or(req.Model, s.cur.Load().dir)), loadErrorText(errors.Unwrap(err)), s.cur.Load().version))
		return
	}
	m := s.cur.Load()
	_ = writeJSON(ctx, fasthttp.StatusOK, map[string]any{
		"status":  "reloaded",
		"model":   m.version,
		"dir":     m.dir,
		"took_ms": m.took.Milliseconds(),
	})
}

// partsNotReloaded is the 422 of a reload whose bundle serves but whose rules or experiments did
// not load (err wraps ErrPartsNotReloaded and the hook's error).
func partsNotReloaded(done string, err error) *apiError {
	msg := strings.TrimPrefix(err.Error(), ErrPartsNotReloaded.Error()+": ")
	return errf(fasthttp.StatusUnprocessableEntity, CodeReloadFailed,
		"%s, but its rules or experiments did not load: %s; the rules and experiments loaded before stay in force with it: fix the file and reload again", done, redact(msg, maxHookError))
}

// partsRefused is the 422 of a reload refused because the rules or the experiments file do not
// fit the bundle (err wraps ErrPartsRefused and the check's error): nothing changed.
func partsRefused(what, serving string, err error) *apiError {
	msg := strings.TrimPrefix(err.Error(), ErrPartsRefused.Error()+": ")
	return errf(fasthttp.StatusUnprocessableEntity, CodeReloadFailed,
		"%s loaded, but the rules or experiments file do not fit it: %s; nothing changed: %s keeps serving with its rules and experiments (fix the file named, or reload a bundle it fits)", what, redact(msg, maxHookError), serving)
}

// notRecorded is the 503 of a switch refused because it could not be recorded (err wraps
// ErrPartsRefused, ErrNotRecorded and the check's error): nothing changed.
func notRecorded(what, serving string, err error) *apiError {
	msg := strings.TrimPrefix(err.Error(), ErrPartsRefused.Error()+": ")
	return errf(fasthttp.StatusServiceUnavailable, CodeNotRecorded,
		"%s was refused: %s; nothing changed: %s keeps serving (free the space and try again)", what, redact(msg, maxHookError), serving)
}

// authorized checks "Authorization: Bearer <token>" in constant time (hashes of equal length are
// compared, so not even the token's length leaks).
func (s *Server) authorized(h []byte) bool {
	const scheme = "bearer "
	if len(h) <= len(scheme) || !bytes.EqualFold(h[:len(scheme)], []byte(scheme)) {
		return false
	}
	got := sha256.Sum256(bytes.TrimSpace(h[len(scheme):]))
	return subtle.ConstantTimeCompare(got[:], s.tokenHash[:]) == 1
}

// handleError answers the requests fasthttp could not read (body over the limit, bad framing,
// timeouts) with a JSON error instead of fasthttp's plain-text 400.
func (s *Server) handleError(ctx *fasthttp.RequestCtx, err error) {
	start := time.Now()
	info := reqInfo{route: routeOf(ctx.Path()), id: s.requestID(ctx)}
	setCanonicalHeader(&ctx.Response.Header, "X-Request-Id", info.id)
	var small *fasthttp.ErrSmallBuffer
	var timeout interface{ Timeout() bool } // net.Error, and fasthttputil's pipe timeouts
	switch {
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		s.fail(ctx, &info, bodyTooLarge(s.cfg.MaxBodyBytes))
	case errors.As(err, &small):
		s.fail(ctx, &info, errf(fasthttp.StatusRequestHeaderFieldsTooLarge, CodeHeaderTooLarge, "the request headers are too large"))
	case errors.As(err, &timeout) && timeout.Timeout():
		s.fail(ctx, &info, errf(fasthttp.StatusRequestTimeout, CodeRequestTimeout, "the request was not received in time"))
	default:
		s.fail(ctx, &info, errf(fasthttp.StatusBadRequest, CodeBadRequest, "the HTTP request could not be parsed"))
	}
	s.finish(ctx, &info, start, err)
}

// setCanonicalHeader sets key, already in canonical form, to value without fasthttp
// normalising the key again (which it does byte by byte on every Set).
func setCanonicalHeader(h *fasthttp.ResponseHeader, key, value string) {
	was := h.DisableNormalizing()
	h.Set(key, value)
	if !was {
		h.EnableNormalizing()
	}
}

// requestID returns the client's X-Request-Id when it is a plausible id (1–128 bytes of
// letters, digits and ._:-/+=; mobile numbers masked), or a new one: a per-process random
// prefix and a counter.
func (s *Server) requestID(ctx *fasthttp.RequestCtx) string {
	if v := ctx.Request.Header.Peek("X-Request-Id"); validID(v) {
		return maskID(string(v))
	}
	var b [32]byte
	out := append(b[:0], s.idPrefix...)
	out = strconv.AppendUint(out, s.idSeq.Add(1), 16)
	return string(out)
}

func validID(v []byte) bool {
	if len(v) == 0 || len(v) > maxLoggedID {
		return false
	}
	for _, c := range v {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '.', c == '_', c == ':', c == '-', c == '/', c == '+', c == '=':
		default:
			return false
		}
	}
	return true
}
