//go:build unix

package dirlock

import (
	"os"
	"testing"
	"time"
)

func TestLock(t *testing.T) {
	dir := t.TempDir()
	open := func() *os.File {
		f, err := os.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	a, b := open(), open()
	defer b.Close()
	if ok, err := TryLock(a); !ok || err != nil {
		t.Fatalf("TryLock of a free directory: %v, %v", ok, err)
	}
	if ok, err := TryLock(b); ok || err != nil {
		t.Fatalf("TryLock of a held directory: %v, %v; want false", ok, err)
	}
	got := make(chan error)
	go func() { got <- Lock(b) }()
	select {
	case err := <-got:
		t.Fatalf("Lock returned (%v) while another handle held the lock", err)
	case <-time.After(50 * time.Millisecond):
	}
	a.Close() // releases the lock
	if err := <-got; err != nil {
		t.Fatal(err)
	}
}
