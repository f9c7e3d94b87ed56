package serve

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
)

// TestReloadIfKeepsAnotherReload: a bundle made from the one serving (learning) replaces it only
// while it still serves. A rollback that comes first — before the conditional reload starts, or
// while it waits for the reload slot — stays in force, the hook does not run for the refused
// bundle, and its engine is closed.
func TestReloadIfKeepsAnotherReload(t *testing.T) {
	g := &gate{entered: make(chan struct{}), release: make(chan struct{})}
	var mu sync.Mutex
	var engines []*closingEngine
	load := closingLoader(&mu, &engines, func(f *fakeEngine) {})
	slow := func(ctx context.Context, dir string) (Engine, error) {
		if filepath.Base(dir) == "rollback" {
			g.entered <- struct{}{}
			<-g.release
		}
		return load(ctx, dir)
	}
	var hooks atomic.Int32
	ts := startServer(t, Config{ModelDir: "models/v0"}, slow, slog.LevelWarn, WithReloadHook(func(context.Context) error {
		hooks.Add(1)
		return nil
	}))
	ctx := context.Background()
	from := ts.ModelVersion()

	// while learning the operator rolls back: the rollback is loading when the learnt bundle
	// asks to replace v0
	rolled := make(chan error, 1)
	go func() { rolled <- ts.Reload(ctx, "models/rollback") }()
	<-g.entered
	learnt := make(chan error, 1)
	go func() { learnt <- ts.ReloadIf(ctx, "models/learnt", from) }()
	close(g.release)
	if err := <-rolled; err != nil {
		t.Fatal(err)
	}
	if err := <-learnt; !errors.Is(err, ErrNotServing) {
		t.Fatalf("ReloadIf after a rollback: %v, want ErrNotServing", err)
	}
	// and once more after the rollback has finished
	if err := ts.ReloadIf(ctx, "models/learnt", from); !errors.Is(err, ErrNotServing) {
		t.Fatalf("ReloadIf of a version no longer serving: %v, want ErrNotServing", err)
	}
	if got := ts.ModelVersion(); got != "fake-rollback" {
		t.Fatalf("serving %s, want the rollback's fake-rollback", got)
	}
	if n := hooks.Load(); n != 1 {
		t.Errorf("the hook ran %d times, want once (the rollback's)", n)
	}
	mu.Lock()
	for _, e := range engines {
		if e.version == "fake-learnt" && !e.isClosed() {
			t.Errorf("a refused bundle's engine was left open")
		}
	}
	mu.Unlock()

	// the version still serving is replaced, hook and all
	if err := ts.ReloadIf(ctx, "models/learnt", ts.ModelVersion()); err != nil {
		t.Fatal(err)
	}
	if got := ts.ModelVersion(); got != "fake-learnt" || hooks.Load() != 2 {
		t.Errorf("serving %s after %d hooks, want fake-learnt after 2", got, hooks.Load())
	}
}

// TestAcquireHoldsTheEngine: an engine acquired outside a request stays open across a reload
// until it is released, and a second release does not close an engine still in use.
func TestAcquireHoldsTheEngine(t *testing.T) {
	var mu sync.Mutex
	var engines []*closingEngine
	ts := startServer(t, Config{ModelDir: "models/v0"}, closingLoader(&mu, &engines, func(*fakeEngine) {}), slog.LevelWarn)
	ctx := context.Background()
	h, release := ts.Acquire()
	if h.Version != "fake-v0" || h.Dir != "models/v0" || h.Engine.Version() != h.Version {
		t.Fatalf("Acquire: %+v", h)
	}
	if err := ts.Reload(ctx, "models/v1"); err != nil {
		t.Fatal(err)
	}
	held := h.Engine.(*closingEngine)
	if held.isClosed() {
		t.Fatal("a reload closed an engine still held")
	}
	release()
	if !held.isClosed() {
		t.Fatal("the replaced engine stayed open after its release")
	}
	// v1 is held twice (the server's own, and this); a repeated release of v0 must not count
	h1, release1 := ts.Acquire()
	release()
	if err := ts.Reload(ctx, "models/v2"); err != nil {
		t.Fatal(err)
	}
	if h1.Engine.(*closingEngine).isClosed() {
		t.Fatal("a second release of one hold closed another engine")
	}
	release1()
	release1()
	if !h1.Engine.(*closingEngine).isClosed() {
		t.Fatal("the engine replaced while held stayed open after its release")
	}
	if cur, rel := ts.Acquire(); cur.Engine.(*closingEngine).isClosed() {
		t.Fatal("the serving engine is closed")
	} else {
		rel()
	}
}

// TestReloadHookFollowsItsBundle: the hook runs while its reload still holds the slot (a later
// reload cannot swap its bundle in between this one's swap and hook), and a caller that gives up
// after the swap does not cut the hook short: the bundle serves, so its rules must follow.
func TestReloadHookFollowsItsBundle(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type seen struct {
		held      bool
		cancelled error
	}
	var mu sync.Mutex
	var hooks []seen
	var ts *testServer
	check := func(context.Context, Engine) error {
		cancel() // the caller gives up as the bundle is about to be swapped in
		return nil
	}
	hook := func(hookCtx context.Context) error {
		mu.Lock()
		defer mu.Unlock()
		hooks = append(hooks, seen{held: len(ts.reloadOne) == 1, cancelled: hookCtx.Err()})
		return hookCtx.Err()
	}
	ts = startServer(t, Config{ModelDir: "models/v0"}, nil, slog.LevelWarn, WithReloadCheck(check), WithReloadHook(hook))
	if err := ts.Reload(ctx, "models/v1"); err != nil {
		t.Fatalf("reload with the caller gone after the swap: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(hooks) != 1 || !hooks[0].held || hooks[0].cancelled != nil {
		t.Fatalf("hooks %+v, want one, run holding the reload slot with a live context", hooks)
	}
	if got := ts.ModelVersion(); got != "fake-v1" {
		t.Errorf("serving %s, want fake-v1", got)
	}
}
