package serve

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/valyala/fasthttp"

	"github.com/zhiyi-ai/zhiyi/alert"
	"github.com/zhiyi-ai/zhiyi/index"
	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/nlp"
	"github.com/zhiyi-ai/zhiyi/store"
)

// FeedbackRequest is the body of POST /feedback: what a customer or an agent says about an
// answer. Only msg_id is required.
type FeedbackRequest struct {
	MsgID string `json:"msg_id"`
	// Rating is 1 (bad) to 5 (good); Thumbs "up" or "down" is the same as 5 or 1.
	Rating *int   `json:"rating,omitempty"`
	Thumbs string `json:"thumbs,omitempty"`
	// Resolved says whether the answer solved the customer's need.
	Resolved *bool `json:"resolved,omitempty"`
	// CorrectIntent is the intent the message really was, when an agent corrects the model.
	CorrectIntent string `json:"correct_intent,omitempty"`
	// Comment is trimmed of white space and masked before it is stored; one of nothing but
	// white space counts as absent.
	Comment string `json:"comment,omitempty"`
	AgentID string `json:"agent_id,omitempty"`
}

// Codes of POST /feedback's errors (beside the body's own: invalid_json, unknown_field …).
const (
	CodeMissingField     = "missing_field"     // 400: msg_id missing
	CodeUnknownIntent    = "unknown_intent"    // 400: correct_intent is not an intent of the model
	CodeUnknownMessage   = "unknown_msg_id"    // 404: no decision with this msg_id in the log
	CodeStoreUnavailable = "store_unavailable" // 503: the decision log cannot take it now; retry
)

// maxCommentBytes bounds a feedback comment (a WeCom message's limit).
const maxCommentBytes = 2048

// feedbackTimeout bounds a feedback's write to the decision log.
const feedbackTimeout = 3 * time.Second

func (s *Server) serveFeedback(ctx *fasthttp.RequestCtx, info *reqInfo) {
	var req FeedbackRequest
	if e := jsonBody(s, ctx, &req); e != nil {
		s.fail(ctx, info, e)
		return
	}
	info.msgID = req.MsgID
	f, e := s.checkFeedback(&req)
	if e != nil {
		s.fail(ctx, info, e)
		return
	}
	wctx, cancel := context.WithTimeout(callContext(ctx), feedbackTimeout)
	defer cancel()
	switch err := s.rec.AddFeedback(wctx, f); {
	case errors.Is(err, store.ErrNotFound):
		s.fail(ctx, info, errf(fasthttp.StatusNotFound, CodeUnknownMessage, "no decision has msg_id %q; send the msg_id of an /intent answer", maskID(req.MsgID)))
		return
	case errors.Is(err, store.ErrInvalid):
		s.fail(ctx, info, errf(fasthttp.StatusBadRequest, CodeInvalidField, "%s", err.Error()))
		return
	case err != nil:
		ctx.Response.Header.Set("Retry-After", "5")
		s.fail(ctx, info, errf(fasthttp.StatusServiceUnavailable, CodeStoreUnavailable, "the decision log cannot take feedback now; try again"))
		return
	}
	s.met.feedback(&f)
	if s.alerter != nil {
		s.alerter.Observe(alert.Event{Kind: alert.KindFeedback, Rating: f.Rating, Comment: f.Comment, MsgID: f.MsgID})
	}
	_ = writeJSON(ctx, fasthttp.StatusOK, map[string]string{"status": "recorded", "msg_id": maskID(req.MsgID)})
}

// checkFeedback validates a feedback request and turns it into the log's record.
func (s *Server) checkFeedback(req *FeedbackRequest) (store.Feedback, *apiError) {
	bad := func(format string, args ...any) *apiError {
		return errf(fasthttp.StatusBadRequest, CodeInvalidField, format, args...)
	}
	// A comment of nothing but space (U+3000 too) is no comment, as such a text is empty_text
	// to /intent: recorded, it would be an empty row and a feedback that says nothing.
	comment := strings.TrimFunc(req.Comment, unicode.IsSpace)
	if blank(comment) {
		comment = ""
	}
	f := store.Feedback{MsgID: req.MsgID, Resolved: req.Resolved, CorrectIntent: req.CorrectIntent, AgentID: req.AgentID}
	if req.Rating != nil {
		f.Rating = *req.Rating
	}
	switch {
	case req.MsgID == "":
		return f, errf(fasthttp.StatusBadRequest, CodeMissingField, `"msg_id" is required: the msg_id of the /intent answer`)
	case len(req.MsgID) > maxLoggedID:
		return f, bad(`"msg_id" is longer than %d bytes`, maxLoggedID)
	case req.Rating != nil && (f.Rating < 1 || f.Rating > 5):
		return f, bad(`"rating" is %d: want 1 (bad) to 5 (good)`, f.Rating)
	case req.Thumbs != "" && req.Rating != nil:
		return f, bad(`give "rating" or "thumbs", not both`)
	case req.Rating == nil && req.Thumbs == "" && req.Resolved == nil && req.CorrectIntent == "" && comment == "":
		return f, errf(fasthttp.StatusBadRequest, CodeMissingField, `nothing to record: give "rating" (or "thumbs"), "resolved", "correct_intent" or "comment"`)
	case !utf8.ValidString(req.Comment):
		return f, bad(`"comment" must be valid UTF-8`)
	case len(comment) > maxCommentBytes: // as kept: the white space around it is not
		return f, bad(`"comment" is %d bytes: the limit is %d`, len(comment), maxCommentBytes)
	case len(req.AgentID) > maxLoggedID:
		return f, bad(`"agent_id" is longer than %d bytes`, maxLoggedID)
	}
	switch req.Thumbs {
	case "":
	case "up":
		f.Rating = 5
	case "down":
		f.Rating = 1
	default:
		return f, bad(`"thumbs" is %q: want "up" or "down"`, req.Thumbs)
	}
	if req.CorrectIntent != "" && req.CorrectIntent != intent.NoneIntent {
		m := s.acquire()
		kb := knowledgeBase(m.engine)
		m.release()
		if kb != nil {
			if _, ok := kb.Intent(req.CorrectIntent); !ok {
				return f, errf(fasthttp.StatusBadRequest, CodeUnknownIntent, "correct_intent %q is not an intent of the model %s", req.CorrectIntent, m.version)
			}
		}
	}
	f.Comment, _ = nlp.Mask(nlp.Normalize(comment))
	return f, nil
}

// knowledgeBase returns the engine's knowledge base when it has one (*intent.Engine does).
func knowledgeBase(e Engine) *index.KB {
	if k, ok := e.(interface{ KB() *index.KB }); ok {
		return k.KB()
	}
	return nil
}
