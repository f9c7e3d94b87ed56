package serve

import (
	"errors"
	"log/slog"
	"net"
	"os"
	"syscall"
	"testing"
)

// shortListener is a real listener whose accepts fail for want of descriptors, as under a low
// ulimit -n, until it is closed (TestServeOutlivesDescriptorLimit makes a real shortage in a
// process of its own; the test binary cannot lower its own limit). fail runs as an accept
// fails, before it returns.
type shortListener struct {
	net.Listener
	closed  bool
	accepts int
	fail    func()
}

func (l *shortListener) Accept() (net.Conn, error) {
	l.accepts++
	if l.closed {
		return nil, net.ErrClosed
	}
	l.fail()
	return nil, &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.EMFILE)}
}

func (l *shortListener) Close() error {
	l.closed = true
	return l.Listener.Close()
}

// A shutdown closes the listener while accepts fail for want of descriptors: the accept slept
// out its backoff (up to a second) and tried the closed listener again before Serve could
// return and the drain begin. It returns at once now, without another accept.
func TestAcceptRetryingEndsOnClose(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	short := &shortListener{Listener: ln}
	ar := newAcceptRetrying(short, slog.New(slog.DiscardHandler))
	short.fail = func() { ar.Close() } // the shutdown comes while the accept fails
	c, err := ar.Accept()
	if c != nil || !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Accept after Close = %v, %v; want net.ErrClosed", c, err)
	}
	if short.accepts != 1 {
		t.Errorf("%d accepts, want 1: the closed listener was tried again after the wait", short.accepts)
	}
	if err := ar.Close(); err == nil { // and the second Close does not close the channel again
		t.Error("a second Close reported no error")
	}
}
