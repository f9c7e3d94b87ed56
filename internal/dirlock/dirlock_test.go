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

func TestTryLockShared(t *testing.T) {
	dir := t.TempDir()
	open := func() *os.File {
		f, err := os.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	a, b, c := open(), open(), open()
	defer c.Close()
	for _, f := range []*os.File{a, b} {
		if ok, err := TryLockShared(f); !ok || err != nil {
			t.Fatalf("TryLockShared beside another shared holder: %v, %v", ok, err)
		}
	}
	if ok, err := TryLock(c); ok || err != nil {
		t.Fatalf("TryLock while shared holders remain: %v, %v; want false", ok, err)
	}
	a.Close()
	if ok, err := TryLock(c); ok || err != nil {
		t.Fatalf("TryLock while one shared holder remains: %v, %v; want false", ok, err)
	}
	b.Close()
	if ok, err := TryLock(c); !ok || err != nil {
		t.Fatalf("TryLock once every shared holder closed: %v, %v", ok, err)
	}
	d := open()
	defer d.Close()
	if ok, err := TryLockShared(d); ok || err != nil {
		t.Fatalf("TryLockShared while the exclusive lock is held: %v, %v; want false", ok, err)
	}
}
