package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// What a reload refuses before anything serves: a bundle its check refuses, a switch that
// cannot be recorded, a model named by white space alone.

// TestReloadCheckRefuses: a bundle the check refuses (rules naming an intent it lacks) is closed
// and never serves; the admin reload and rollback answer 422 saying nothing changed, and the
// hook does not run.
func TestReloadCheckRefuses(t *testing.T) {
	auth := map[string]string{"Authorization": "Bearer t"}
	closed := map[string]*atomic.Bool{}
	var mu sync.Mutex
	load := func(ctx context.Context, dir string) (Engine, error) {
		e, err := fakeLoader(ctx, dir)
		if err != nil {
			return nil, err
		}
		c := &atomic.Bool{}
		mu.Lock()
		closed[filepath.Base(dir)] = c
		mu.Unlock()
		return closableEngine{e.(*fakeEngine), c}, nil
	}
	check := func(_ context.Context, eng Engine) error {
		if eng.Version() == "fake-v9" || eng.Version() == "fake-shop" {
			return errors.New(`rules.yaml:3: rule "points": intent points_membership is not in the model`)
		}
		return nil
	}
	hooks := atomic.Int32{}
	hook := func(context.Context) error { hooks.Add(1); return nil }
	parent := func(string) (string, error) { return "models/shop", nil }
	ts := startServer(t, Config{AdminToken: "t"}, load, slog.LevelInfo, WithReloadCheck(check), WithReloadHook(hook), WithRollback(parent))
	if ts.ModelVersion() != "fake-shop" {
		t.Fatalf("New's first load was checked: serving %s", ts.ModelVersion())
	}
	if r := ts.do("POST", "/admin/reload", `{"model":"models/v2"}`, auth); r.status != 200 || ts.ModelVersion() != "fake-v2" {
		t.Fatalf("reload of a bundle the check passes: %d %s", r.status, r.body)
	}
	r := ts.do("POST", "/admin/reload", `{"model":"models/v9"}`, auth)
	if r.status != 422 || !strings.Contains(string(r.body), "nothing changed: fake-v2 keeps serving") ||
		!strings.Contains(string(r.body), `rule \"points\"`) || ts.ModelVersion() != "fake-v2" {
		t.Errorf("reload of a bundle the check refuses: %d %s, serving %s", r.status, r.body, ts.ModelVersion())
	}
	mu.Lock()
	refused := closed["v9"].Load()
	mu.Unlock()
	if !refused {
		t.Errorf("the refused candidate was not closed")
	}
	r = ts.do("POST", "/admin/rollback", "", auth)
	if r.status != 422 || !strings.Contains(string(r.body), "the parent bundle loaded, but the rules or experiments file do not fit it") || ts.ModelVersion() != "fake-v2" {
		t.Errorf("rollback to a parent the check refuses: %d %s, serving %s", r.status, r.body, ts.ModelVersion())
	}
	if err := ts.Reload(context.Background(), "models/v9"); !errors.Is(err, ErrPartsRefused) {
		t.Errorf("Reload of a refused bundle: %v, want ErrPartsRefused", err)
	}
	if n := hooks.Load(); n != 1 {
		t.Errorf("the hook ran %d times, want once (the reload the check passed)", n)
	}
}

// TestReloadCheckNotRecorded: a switch the check refuses because it could not be recorded (a
// rollback's learn-from floor, --data-dir full) is a 503 not_recorded saying nothing changed,
// not a 422 blaming the rules.
func TestReloadCheckNotRecorded(t *testing.T) {
	auth := map[string]string{"Authorization": "Bearer t"}
	check := func(_ context.Context, eng Engine) error {
		if eng.Version() == "fake-shop" {
			return fmt.Errorf("%w: serving.json: no space left on device", ErrNotRecorded)
		}
		return nil
	}
	parent := func(string) (string, error) { return "models/shop", nil }
	ts := startServer(t, Config{AdminToken: "t"}, fakeLoader, slog.LevelInfo, WithReloadCheck(check), WithRollback(parent))
	if r := ts.do("POST", "/admin/reload", `{"model":"models/v2"}`, auth); r.status != 200 {
		t.Fatalf("reload: %d %s", r.status, r.body)
	}
	for _, r := range []response{ts.do("POST", "/admin/rollback", "", auth), ts.do("POST", "/admin/reload", `{"model":"models/shop"}`, auth)} {
		if r.status != 503 || !strings.Contains(string(r.body), CodeNotRecorded) || !strings.Contains(string(r.body), "no space left") ||
			!strings.Contains(string(r.body), "nothing changed: fake-v2 keeps serving") || ts.ModelVersion() != "fake-v2" {
			t.Errorf("a switch that cannot be recorded: %d %s, serving %s; want 503 %s, fake-v2 serving", r.status, r.body, ts.ModelVersion(), CodeNotRecorded)
		}
	}
}

// TestReloadBlankModel: a "model" of nothing but white space names no directory: it is a 400
// saying to leave the field out, not a load of "   " refused as outside the models root.
func TestReloadBlankModel(t *testing.T) {
	var calls atomic.Int32
	load := func(ctx context.Context, dir string) (Engine, error) {
		calls.Add(1)
		return fakeLoader(ctx, dir)
	}
	ts := startServer(t, Config{AdminToken: "t"}, load, slog.LevelInfo)
	before := calls.Load()
	for _, body := range []string{`{"model":"  "}`, `{"model":"\u3000\t"}`} {
		r := ts.do("POST", "/admin/reload", body, map[string]string{"Authorization": "Bearer t"})
		var e errorBody
		if err := json.Unmarshal(r.body, &e); err != nil || r.status != 400 || e.Error == nil || e.Error.Code != CodeInvalidField {
			t.Errorf("%s: %d %s, want 400 %s", body, r.status, r.body, CodeInvalidField)
		}
	}
	if n := calls.Load() - before; n != 0 {
		t.Errorf("%d loads for a blank model", n)
	}
	if r := ts.do("POST", "/admin/reload", `{"model":""}`, map[string]string{"Authorization": "Bearer t"}); r.status != 200 {
		t.Errorf(`{"model":""} reloads the serving bundle: %d %s`, r.status, r.body)
	}
}
