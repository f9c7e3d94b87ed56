package serve

import (
	"context"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/valyala/fasthttp"

	"github.com/zhiyi-ai/zhiyi/alert"
	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/reply"
	"github.com/zhiyi-ai/zhiyi/store"
)

// Option adds an optional part to a Server (New's last arguments): the decision log, alerts,
// more metrics, rules reloaded with the bundle, rollback, the unmatched messages, the console.
type Option func(*Server)

// Recorder is the decision log's writer (store.Recorder): Record never blocks; AddFeedback
// returns store.ErrNotFound for an unknown msg_id, store.ErrInvalid for a bad field,
// store.ErrUnavailable when the database and its spool cannot take it.
type Recorder interface {
	Record(d store.Decision)
	AddFeedback(ctx context.Context, f store.Feedback) error
}

// Conversational is an engine that decides messages in their conversations (reply.Model): the
// server asks Decide, answers with the decision (or the bytes a retry replays), then Commit.
type Conversational interface {
	Decide(ctx context.Context, req intent.Request) *reply.Decision
	Commit(ctx context.Context, d *reply.Decision, response []byte)
}

// WithRecorder records every decision (hash turns sender and chat ids into the log's keyed
// hashes) and takes POST /feedback.
func WithRecorder(r Recorder, hash func(string) string) Option {
	return func(s *Server) { s.rec, s.hash = r, hash }
}

// WithAlerter feeds every decision, feedback and 5xx to the alerter (which never blocks).
func WithAlerter(a *alert.Alerter) Option { return func(s *Server) { s.alerter = a } }

// WithMetrics adds metric sets that GET /metrics writes after the server's own.
func WithMetrics(sets ...*metrics.Set) Option {
	return func(s *Server) { s.extraMetrics = append(s.extraMetrics, sets...) }
}

// WithReloadHook runs fn (reloading the operator's rules, say) after every reload of the bundle
// (Reload: POST /admin/reload, POST /admin/rollback, SIGHUP, the callers of Reload), not after
// New's first load; its error fails the reload (ErrPartsNotReloaded), the bundle stays swapped.
func WithReloadHook(fn func(ctx context.Context) error) Option {
	return func(s *Server) { s.reloadHook = fn }
}

// WithReloadCheck runs check on every bundle Reload has loaded, before it is swapped in (checking
// the operator's rules against its knowledge base, say): an error refuses the reload, the
// candidate is closed and nothing changes (ErrPartsRefused). New's first load is not checked.
func WithReloadCheck(check func(ctx context.Context, candidate Engine) error) Option {
	return func(s *Server) { s.reloadCheck = check }
}

// WithRollback enables POST /admin/rollback: parent returns the bundle the current one was
// learnt from (learn.Parent), which is then loaded.
func WithRollback(parent func(dir string) (string, error)) Option {
	return func(s *Server) { s.parentOf = parent }
}

// Unmatched returns, for GET /admin/unmatched, the messages the model did not place since the
// given time, grouped for labelling (a JSON-encodable value: the cluster sheet's lines).
type Unmatched func(ctx context.Context, eng Engine, since time.Time) (any, error)

// WithUnmatched enables GET /admin/unmatched?since=24h.
func WithUnmatched(fn Unmatched) Option { return func(s *Server) { s.unmatched = fn } }

// WithConsole serves h under /console (it checks its own sessions; the route is off without an
// admin token).
func WithConsole(h fasthttp.RequestHandler) Option { return func(s *Server) { s.console = h } }
