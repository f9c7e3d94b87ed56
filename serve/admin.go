package serve

import (
	"errors"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/period"

	"github.com/valyala/fasthttp"
)

// admin checks the bearer token of an admin route; false means it answered 401, or 429 to a
// client with too many wrong tokens lately (checkToken).
func (s *Server) admin(ctx *fasthttp.RequestCtx, info *reqInfo) bool {
	switch v, wait := s.checkToken(ctx); v {
	case tokenRight:
		return true
	case tokenBlocked:
		s.tooManyAttempts(ctx, info, wait)
		return false
	}
	ctx.Response.Header.Set("WWW-Authenticate", `Bearer realm="zhiyi admin"`)
	s.fail(ctx, info, errf(fasthttp.StatusUnauthorized, CodeUnauthorized, "send Authorization: Bearer <admin token>"))
	return false
}

// serveUnmatched answers GET /admin/unmatched?since=24h: the messages the model did not place
// in the period, as the cluster sheet's lines (a JSON array), largest cluster first.
func (s *Server) serveUnmatched(ctx *fasthttp.RequestCtx, info *reqInfo) {
	if !s.admin(ctx, info) {
		return
	}
	var unknown []byte
	for k := range ctx.QueryArgs().All() {
		if string(k) != "since" {
			unknown = append([]byte{}, k...)
			break
		}
	}
	if unknown != nil {
		// A mistyped key (?sinse=7d) would otherwise answer for the default day, unsaid.
		s.fail(ctx, info, errf(fasthttp.StatusBadRequest, CodeUnknownField, "unknown query parameter %q: this route takes since", maskID(string(unknown))))
		return
	}
	since := time.Now().Add(-24 * time.Hour)
	if v := string(ctx.QueryArgs().Peek("since")); v != "" {
		t, err := period.Parse(v, time.Now())
		if err != nil {
			s.fail(ctx, info, errf(fasthttp.StatusBadRequest, CodeInvalidField, "since: %v", err))
			return
		}
		since = t
	}
	m := s.acquire()
	defer m.release()
	lines, err := s.unmatched(callContext(ctx), m.engine, since)
	if err != nil {
		s.fail(ctx, info, errf(fasthttp.StatusServiceUnavailable, CodeStoreUnavailable, "the decision log cannot be read now: %s", maskID(err.Error())))
		return
	}
	_ = writeJSON(ctx, fasthttp.StatusOK, lines)
}

// serveRollback answers POST /admin/rollback: it loads the bundle the current one was learnt
// from.
func (s *Server) serveRollback(ctx *fasthttp.RequestCtx, info *reqInfo) {
	if !s.admin(ctx, info) {
		return
	}
	if e := checkEncoding(&ctx.Request.Header); e != nil {
		s.fail(ctx, info, e) // it takes no body, but one the client compressed is not ours to guess at
		return
	}
	cur := s.cur.Load()
	parent, err := s.parentOf(cur.dir)
	if err != nil {
		s.fail(ctx, info, errf(fasthttp.StatusConflict, CodeNoParent, "the model %s has no parent to roll back to: it was trained from exports, or its parent is gone", cur.version))
		return
	}
	if err := s.Reload(s.life, parent); errors.Is(err, ErrPartsNotReloaded) {
		s.fail(ctx, info, partsNotReloaded("rolled back to "+s.cur.Load().version, err))
		return
	} else if errors.Is(err, ErrNotRecorded) {
		s.fail(ctx, info, notRecorded("rolling back to the parent bundle", cur.version, err))
		return
	} else if errors.Is(err, ErrPartsRefused) {
		s.fail(ctx, info, partsRefused("the parent bundle", cur.version, err))
		return
	} else if err != nil {
		s.fail(ctx, info, errf(fasthttp.StatusUnprocessableEntity, CodeReloadFailed, "the parent bundle did not load: %s; the running model %s keeps serving",
			loadErrorText(errors.Unwrap(err)), cur.version))
		return
	}
	m := s.cur.Load()
	_ = writeJSON(ctx, fasthttp.StatusOK, map[string]any{"status": "rolled back", "model": m.version, "dir": m.dir, "previous": cur.version})
}

// CodeNoParent is POST /admin/rollback's 409: the model was not learnt from another.
const CodeNoParent = "no_parent"
