package serve

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync"
	"syscall"
	"time"
)

// Running out of file descriptors.
//
// fasthttp's Serve treats every accept error but a timeout as permanent and returns it (read
// fasthttp v1.74.0's acceptConn), so a burst of connections past the process's descriptor limit
// (ulimit -n, systemd's LimitNOFILE) ended zhiyi serve: "accept4: too many open files", and
// every connection after it was refused until someone restarted it. net/http waits and tries
// again instead, and so does acceptRetrying: the connections that have the descriptors are
// served, the others wait in the listen backlog until one is closed.

// Backoff between accepts that failed for want of a resource: from acceptBackoffMin, doubling,
// up to acceptBackoffMax (net/http's 5 ms and 1 s).
const (
	acceptBackoffMin = 5 * time.Millisecond
	acceptBackoffMax = time.Second
)

// acceptRetrying is the listener's Accept that waits and tries again while the process (or the
// system) is out of descriptors or buffers. It logs a warning when accepting fails, at most one
// a minute however long the shortage lasts (a server at its limit under load fails and succeeds
// in turn, as connections close); any other error is returned. Close ends a wait at once:
// shutting down does not wait out a backoff of up to a second, nor depend on the next accept
// to say the listener is closed.
type acceptRetrying struct {
	net.Listener
	log *slog.Logger

	closeOnce sync.Once
	closed    chan struct{} // closed by Close; made by newAcceptRetrying

	delay  time.Duration // the next wait; 0 after an accept that worked
	warned time.Time     // when the last warning was logged
	failed int           // accepts failed since then
}

// newAcceptRetrying wraps ln.
func newAcceptRetrying(ln net.Listener, log *slog.Logger) *acceptRetrying {
	return &acceptRetrying{Listener: ln, log: log, closed: make(chan struct{})}
}

// Close closes the listener and ends an Accept waiting out a shortage, which returns
// net.ErrClosed.
func (l *acceptRetrying) Close() error {
	l.closeOnce.Do(func() { close(l.closed) })
	return l.Listener.Close()
}

// acceptWarnEvery is how often, at most, a shortage of descriptors is logged.
const acceptWarnEvery = time.Minute

// Accept returns the next connection, waiting out resource exhaustion.
func (l *acceptRetrying) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err == nil {
			l.delay = 0
			return c, nil
		}
		if !outOfResources(err) {
			return nil, err
		}
		l.failed++
		if now := time.Now(); l.warned.IsZero() || now.Sub(l.warned) >= acceptWarnEvery {
			l.log.LogAttrs(context.Background(), slog.LevelWarn,
				"serve: cannot accept connections; new ones wait until a connection closes (raise the file descriptor limit, ulimit -n or LimitNOFILE, or set --concurrency below it)",
				slog.String("error", err.Error()), slog.Int("failed_accepts", l.failed))
			l.warned, l.failed = now, 0
		}
		if l.delay == 0 {
			l.delay = acceptBackoffMin
		} else {
			l.delay = min(2*l.delay, acceptBackoffMax)
		}
		select {
		case <-l.closed: // closed while this accept failed
			return nil, net.ErrClosed
		default:
		}
		t := time.NewTimer(l.delay)
		select {
		case <-t.C:
		case <-l.closed:
			t.Stop()
			return nil, net.ErrClosed
		}
	}
}

// outOfResources reports whether an accept failed for want of descriptors, buffers or memory:
// errors that pass once connections close.
func outOfResources(err error) bool {
	for _, e := range []syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
