package serve

import (
	"bufio"
	"io"
	"sync"
	"time"
)

// LogWriter buffers log lines and writes them out at most every interval (or when its buffer
// fills), so a busy server pays one write system call per batch of request lines instead of
// one per request. Close flushes what is left; call it before the process exits.
type LogWriter struct {
	mu    sync.Mutex
	buf   *bufio.Writer
	stop  chan struct{}
	done  chan struct{}
	close sync.Once
}

// NewLogWriter starts a LogWriter over w that flushes every interval.
func NewLogWriter(w io.Writer, interval time.Duration) *LogWriter {
	lw := &LogWriter{buf: bufio.NewWriterSize(w, 64*1024), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(lw.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				lw.Flush()
			case <-lw.stop:
				return
			}
		}
	}()
	return lw
}

// Write buffers p (one log record from slog's handler).
func (lw *LogWriter) Write(p []byte) (int, error) {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	return lw.buf.Write(p)
}

// Flush writes out what is buffered.
func (lw *LogWriter) Flush() error {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	return lw.buf.Flush()
}

// Close stops the flusher and writes out what is left. It is safe to call more than once.
func (lw *LogWriter) Close() error {
	lw.close.Do(func() {
		close(lw.stop)
		<-lw.done
	})
	return lw.Flush()
}
