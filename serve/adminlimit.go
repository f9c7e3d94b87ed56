package serve

import (
	"bytes"
	"context"
	"log/slog"
	"math"
	"net/netip"
	"strconv"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/valyala/fasthttp"

	"github.com/zhiyi-ai/zhiyi/internal/authlimit"
)

// CodeTooManyAttempts is the admin routes' 429: the client sent Config.AdminAttempts wrong
// tokens within Config.AdminWindow and is refused, the right token too, until Retry-After.
const CodeTooManyAttempts = "too_many_attempts"

// adminLimit is the admin API's limit on wrong tokens per client address: without it a token
// could be guessed as fast as the server answers. The console's sign-in has its own limiter of
// the same kind (internal/authlimit), so guesses at one do not lock the other.
type adminLimit struct {
	lim      *authlimit.Limiter
	lockouts *metrics.Counter // zhiyi_admin_lockouts_total
}

func newAdminLimit(cfg Config, set *metrics.Set) *adminLimit {
	return &adminLimit{
		lim:      authlimit.New(cfg.AdminAttempts, cfg.AdminWindow, authlimit.DefaultMaxClients),
		lockouts: set.NewCounter(`zhiyi_admin_lockouts_total`),
	}
}

// tokenVerdict is what checkToken found.
type tokenVerdict uint8

const (
	tokenWrong   tokenVerdict = iota // missing or wrong: 401
	tokenRight                       // the admin token: go on
	tokenBlocked                     // too many wrong ones from this client lately: 429
)

// checkToken checks the request's bearer token against the admin token, under the per-client
// limit: a blocked client is refused before its token is looked at (the right token must not
// tell it apart); a right token clears the client's count; a wrong one counts (guesses). The
// comparison runs inside the limiter (authlimit.Limiter.Guess), so guesses sent at once are
// compared one at a time, each counted before the next.
func (s *Server) checkToken(ctx *fasthttp.RequestCtx) (tokenVerdict, time.Duration) {
	client := s.clientOf(ctx)
	now := s.now()
	h := ctx.Request.Header.Peek("Authorization")
	if !guesses(h) { // never the token: nothing to count, but a blocked client is refused alike
		if wait, blocked := s.admins.lim.Blocked(client, now); blocked {
			return tokenBlocked, wait
		}
		return tokenWrong, 0
	}
	v := s.admins.lim.Guess(client, now, func() bool {
		if s.compared != nil {
			s.compared()
		}
		return s.authorized(h)
	})
	switch {
	case v.Blocked:
		return tokenBlocked, v.RetryAfter
	case v.Right:
		return tokenRight, 0
	case v.LockedOut:
		s.admins.lockouts.Inc()
		// once per lockout, never the token
		s.log.LogAttrs(context.Background(), slog.LevelWarn, "admin API: a client is locked out after too many wrong tokens",
			slog.String("client", client), slog.Int("attempts", s.admins.lim.Attempts()), slog.String("window", s.admins.lim.Window().String()))
	}
	return tokenWrong, 0
}

// guesses reports whether an Authorization header that is not the admin token tried one: an
// empty header, or a scheme without a token (zhiyi rollback --server with ZHIYI_ADMIN_TOKEN
// unset sends "Bearer "), guesses nothing and must not lock its operator out.
func guesses(h []byte) bool {
	h = bytes.TrimSpace(h)
	return len(h) > 0 && !bytes.EqualFold(h, []byte("bearer"))
}

// tooManyAttempts is the blocked client's 429, with Retry-After in whole seconds (rounded up,
// so that a client waiting that long is let in).
func (s *Server) tooManyAttempts(ctx *fasthttp.RequestCtx, info *reqInfo, wait time.Duration) {
	secs := max(1, int(math.Ceil(wait.Seconds())))
	ctx.Response.Header.Set("Retry-After", strconv.Itoa(secs))
	s.fail(ctx, info, errf(fasthttp.StatusTooManyRequests, CodeTooManyAttempts,
		"too many wrong admin tokens from this address: try again in %d seconds", secs))
}

// clientOf is the key the admin limit counts a request under: the connection's address, or
// behind one of Config.TrustedProxies the client X-Forwarded-For names (authlimit.Client, as
// the console counts it). Without trusted proxies every client behind a proxy shares its limit.
func (s *Server) clientOf(ctx *fasthttp.RequestCtx) string {
	a, ok := netip.AddrFromSlice(ctx.RemoteIP())
	if !ok {
		return "unknown"
	}
	var forwarded []string
	if len(s.cfg.TrustedProxies) > 0 {
		for _, v := range ctx.Request.Header.PeekAll("X-Forwarded-For") {
			forwarded = append(forwarded, string(v))
		}
	}
	return authlimit.Client(a, forwarded, s.cfg.TrustedProxies)
}
