package serve

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
)

// Graceful shutdown that answers every request a client has written.
//
// fasthttp's Server.Shutdown loses requests (read fasthttp v1.74.0's serveConn and
// closeIdleConns): once it has begun, each connection is closed right after the answer it is
// writing, with the pipelined requests already in its read buffer unanswered; CloseOnShutdown
// puts Connection: close on that answer whatever is buffered behind it; and a keep-alive
// connection counts as idle, and is closed, from the moment an answer is written until the
// next request's first byte is parsed — a request the client has just written is then reset.
//
// So Serve does not call it. When shutdown begins it closes the listener and:
//
//   - a request answered while draining hands its connection over (fasthttp's Hijack, which
//     passes on the bytes fasthttp has buffered) to serveDraining, which answers the requests
//     pipelined behind it one by one and puts Connection: close on the first answer with
//     nothing more to read; then it half-closes and waits for the client to close (a lingering
//     close: closing with unread bytes would reset the connection and could destroy the
//     answer);
//   - a connection idle when shutdown begins stays open for Config.ShutdownIdle, so that a
//     client that has not heard of the shutdown has its next request answered (with
//     Connection: close); then it is closed — unless it is partway through a request, which is
//     then answered;
//   - Serve returns when every connection is gone, or at Config.ShutdownTimeout, when the rest
//     are closed.
//
// HTTP/1.1 cannot tell an idle client that the server is going: a request written in the
// instant the idle connection is closed is lost, as with any server. A gateway keeping
// connections busy gets Connection: close on each of them in time.

// conns tracks the connections a Serve call accepted.
type conns struct {
	mu  sync.Mutex
	set map[*trackedConn]struct{}
}

// trackedListener registers each accepted connection with conns.
type trackedListener struct {
	net.Listener
	conns    *conns
	accepted *atomic.Int64 // connections accepted so far (Server.accepted)
}

func (l *trackedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.accepted.Add(1)
	tc := &trackedConn{Conn: c, conns: l.conns}
	l.conns.mu.Lock()
	l.conns.set[tc] = struct{}{}
	l.conns.mu.Unlock()
	return tc, nil
}

// trackedConn is one accepted connection.
type trackedConn struct {
	net.Conn
	conns *conns
	// midRequest is set by a read of request bytes and cleared by a write of an answer: a
	// connection without it that is reading is waiting for a next request.
	midRequest atomic.Bool
	// closing makes a read that times out waiting for a next request end the connection
	// quietly (io.EOF to fasthttp) instead of an error answer.
	closing   atomic.Bool
	hijacked  atomic.Bool // served by serveDraining
	closeOnce sync.Once
}

func (c *trackedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.midRequest.Store(true)
	}
	if n == 0 && err != nil && c.closing.Load() && !c.hijacked.Load() && !c.midRequest.Load() {
		var timeout interface{ Timeout() bool }
		if errors.As(err, &timeout) && timeout.Timeout() {
			return 0, io.EOF
		}
	}
	return n, err
}

func (c *trackedConn) Write(p []byte) (int, error) {
	c.midRequest.Store(false)
	return c.Conn.Write(p)
}

func (c *trackedConn) Close() error {
	c.closeOnce.Do(func() {
		c.conns.mu.Lock()
		delete(c.conns.set, c)
		c.conns.mu.Unlock()
	})
	return c.Conn.Close()
}

// closeIfIdle ends the connection if it is waiting for a next request (see closing).
func (c *trackedConn) closeIfIdle() {
	if c.hijacked.Load() {
		return
	}
	c.closing.Store(true)
	if !c.midRequest.Load() {
		// A moment ahead rather than now: fasthttputil's pipes wake a blocked read only for a
		// deadline still to come.
		_ = c.Conn.SetReadDeadline(time.Now().Add(time.Millisecond))
	}
}

func (cs *conns) snapshot() []*trackedConn {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	out := make([]*trackedConn, 0, len(cs.set))
	for c := range cs.set {
		out = append(out, c)
	}
	return out
}

// drain waits for the connections to end as described at the top of this file. It returns an
// error when some had to be closed at the deadline.
func (s *Server) drain(cs *conns, start time.Time) error {
	idleEnd := start.Add(min(s.cfg.ShutdownIdle, s.cfg.ShutdownTimeout))
	deadline := start.Add(s.cfg.ShutdownTimeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for now := range tick.C {
		left := cs.snapshot()
		if len(left) == 0 {
			return nil
		}
		if now.After(deadline) {
			for _, c := range left {
				_ = c.Conn.Close()
			}
			return fmt.Errorf("%d connections still busy after %s were closed", len(left), s.cfg.ShutdownTimeout)
		}
		if now.After(idleEnd) {
			for _, c := range left {
				c.closeIfIdle()
			}
		}
	}
	return nil
}

// drainAfter runs after a request answered while draining: unless the connection closes after
// this answer anyway, it is handed to serveDraining, which writes the answer.
func (s *Server) drainAfter(ctx *fasthttp.RequestCtx) {
	if ctx.Response.ConnectionClose() || ctx.Request.Header.ConnectionClose() {
		return
	}
	tc, ok := ctx.Conn().(*trackedConn)
	if !ok { // a fasthttp.Server of the caller's own (Handler): close after the answer
		ctx.Response.SetConnectionClose()
		return
	}
	tc.hijacked.Store(true)
	resp := fasthttp.AcquireResponse()
	ctx.Response.CopyTo(resp)
	resp.SkipBody = ctx.IsHead()
	ctx.HijackSetNoResponse(true)
	ctx.Hijack(func(c net.Conn) { s.serveDraining(c, tc, resp) })
}

// serveDraining answers resp and then the requests pipelined behind it on the hijacked
// connection c (which reads fasthttp's buffered bytes first), until one is answered with
// nothing more to read: that answer says Connection: close, and the connection is closed
// gracefully.
func (s *Server) serveDraining(c net.Conn, tc *trackedConn, resp *fasthttp.Response) {
	defer fasthttp.ReleaseResponse(resp)
	br := bufio.NewReaderSize(c, 4096)
	bw := bufio.NewWriterSize(c, 4096)
	var rctx fasthttp.RequestCtx
	for {
		more := s.moreInput(br, tc)
		if !more {
			resp.SetConnectionClose()
		}
		_ = tc.Conn.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
		if err := resp.Write(bw); err != nil {
			return
		}
		if err := bw.Flush(); err != nil {
			return
		}
		if !more {
			s.lingerClose(c, tc)
			return
		}
		rctx.Request.Reset()
		rctx.Response.Reset()
		rctx.Init2(tc, fastLogger{s.log}, false)
		_ = tc.Conn.SetReadDeadline(time.Now().Add(s.cfg.ReadTimeout))
		err := rctx.Request.ReadLimitBody(br, s.cfg.MaxBodyBytes)
		if err == nil && rctx.Request.MayContinue() {
			if _, err = bw.WriteString("HTTP/1.1 100 Continue\r\n\r\n"); err == nil {
				if err = bw.Flush(); err == nil {
					err = rctx.Request.ContinueReadBody(br, s.cfg.MaxBodyBytes)
				}
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) && br.Buffered() == 0 {
				return // the client closed
			}
			s.handleError(&rctx, err)
			rctx.Response.SetConnectionClose()
		} else {
			s.serveOne(&rctx)
			if rctx.Request.Header.ConnectionClose() {
				rctx.Response.SetConnectionClose()
			}
		}
		resp.Reset()
		rctx.Response.CopyTo(resp)
		resp.Header.SetServer("zhiyi")
		resp.SkipBody = rctx.IsHead()
		if resp.ConnectionClose() {
			_ = tc.Conn.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
			if resp.Write(bw) == nil && bw.Flush() == nil {
				s.lingerClose(c, tc)
			}
			return
		}
	}
}

// moreInput reports whether the client has sent more than what was answered: bytes buffered
// here or by fasthttp, or arriving within a few milliseconds.
func (s *Server) moreInput(br *bufio.Reader, tc *trackedConn) bool {
	if br.Buffered() > 0 {
		return true
	}
	_ = tc.Conn.SetReadDeadline(time.Now().Add(2 * time.Millisecond))
	_, _ = br.Peek(1)
	_ = tc.Conn.SetReadDeadline(time.Time{})
	return br.Buffered() > 0
}

// lingerClose half-closes the connection after the last answer and reads (and drops) what the
// client still sends until it closes, for at most a second: closing a socket with unread bytes
// resets it, and the client could lose the answer it has not read yet.
func (s *Server) lingerClose(c net.Conn, tc *trackedConn) {
	cw, ok := tc.Conn.(interface{ CloseWrite() error })
	if !ok || cw.CloseWrite() != nil {
		return
	}
	_ = tc.Conn.SetReadDeadline(time.Now().Add(time.Second))
	_, _ = io.Copy(io.Discard, io.LimitReader(c, 1<<20))
}

// serveWithDrain runs srv on ln until ctx is done, then drains (see the top of this file).
func (s *Server) serveWithDrain(ctx context.Context, srv *fasthttp.Server, ln net.Listener) error {
	cs := &conns{set: map[*trackedConn]struct{}{}}
	// ln is closed through the wrapper, which ends an accept waiting out a shortage of
	// descriptors at once.
	ln = newAcceptRetrying(ln, s.log)
	tl := &trackedListener{Listener: ln, conns: cs, accepted: &s.accepted}
	s.http.Store(srv) // its count of connections refused past Config.Concurrency, for /metrics
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(tl) }()
	select {
	case err := <-errc:
		_ = ln.Close()
		if err != nil {
			return fmt.Errorf("serve: %w", err)
		}
		return nil
	case <-ctx.Done():
	}
	if d := s.cfg.ShutdownDelay; d > 0 {
		// served as usual, /readyz failing, until the load balancer has looked again
		s.leaving.Store(true)
		s.log.LogAttrs(context.Background(), slog.LevelInfo, "shutting down: /readyz fails; still serving until the delay ends",
			slog.String("delay", d.String()))
		select {
		case <-time.After(d):
		case err := <-errc:
			_ = ln.Close()
			if err != nil {
				return fmt.Errorf("serve: %w", err)
			}
			return nil
		}
	}
	start := time.Now()
	s.draining.Store(true)
	s.endLife() // a reload still loading gives up now
	s.log.LogAttrs(context.Background(), slog.LevelInfo, "shutting down",
		slog.String("grace", s.cfg.ShutdownTimeout.String()), slog.String("idle", s.cfg.ShutdownIdle.String()))
	_ = ln.Close()
	<-errc
	if err := s.drain(cs, start); err != nil {
		return fmt.Errorf("serve: shutdown: %w", err)
	}
	s.log.LogAttrs(context.Background(), slog.LevelInfo, "stopped")
	return nil
}
