package serve

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
)

func TestLogWriterFlushesOnTickAndClose(t *testing.T) {
	var out testsvc.Buffer
	lw := NewLogWriter(&out, 10*time.Millisecond)
	lw.Write([]byte("one\n"))
	deadline := time.Now().Add(5 * time.Second)
	for out.String() == "" && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if out.String() != "one\n" {
		t.Fatalf("after a tick: %q", out.String())
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				lw.Write([]byte("line\n"))
			}
		}()
	}
	wg.Wait()
	if err := lw.Close(); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out.String(), "line\n"); n != 400 {
		t.Errorf("%d lines after Close, want 400", n)
	}
	if err := lw.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
