package serve

import (
	"context"
	"errors"

	"github.com/valyala/fasthttp"

	"github.com/zhiyi-ai/zhiyi/store"
)

// ForgetRequest is the body of POST /admin/forget: the customer (sender_id) or the conversation
// (chat_id) whose records the decision log deletes, the raw ids as they were sent to /intent.
type ForgetRequest struct {
	SenderID string `json:"sender_id"`
	ChatID   string `json:"chat_id"`
}

// Forget deletes a subject's records from the decision log, those still on their way to it
// first (store.DB.Forget after store.Recorder.Flush).
type Forget func(ctx context.Context, s store.Subject) (store.Forgotten, error)

// WithForget enables POST /admin/forget.
func WithForget(fn Forget) Option { return func(s *Server) { s.forget = fn } }

// serveForget answers POST /admin/forget: a customer's request to delete their personal data.
// It answers what was deleted; on a failure, what was deleted so far (it stays deleted) and
// that the request may be sent again.
func (s *Server) serveForget(ctx *fasthttp.RequestCtx, info *reqInfo) {
	if !s.admin(ctx, info) {
		return
	}
	var req ForgetRequest
	if e := jsonBody(s, ctx, &req); e != nil {
		s.fail(ctx, info, e)
		return
	}
	// an id of white space alone names nobody (it answered 200, nothing deleted)
	subject := store.SubjectOf(req.SenderID, req.ChatID)
	if subject.SenderID == "" && subject.ChatID == "" {
		s.fail(ctx, info, errf(fasthttp.StatusBadRequest, CodeInvalidField, "sender_id or chat_id is required: the customer or conversation whose records to delete"))
		return
	}
	n, err := s.forget(callContext(ctx), subject)
	if errors.Is(err, store.ErrInvalid) {
		s.fail(ctx, info, errf(fasthttp.StatusBadRequest, CodeInvalidField, "%s", maskID(err.Error())))
		return
	}
	if err != nil {
		s.fail(ctx, info, errf(fasthttp.StatusServiceUnavailable, CodeStoreUnavailable,
			"the decision log cannot delete now (%s): deleted so far %d decisions, %d feedback, %d labels; send the request again to finish",
			maskID(err.Error()), n.Decisions, n.Feedback, n.Labels))
		return
	}
	_ = writeJSON(ctx, fasthttp.StatusOK, map[string]any{"status": "forgotten", "decisions": n.Decisions, "feedback": n.Feedback, "labels": n.Labels})
}
