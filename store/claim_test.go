package store_test

import (
	"sync"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
	"github.com/zhiyi-ai/zhiyi/store"
)

// Of two handles racing for one claim (two replicas' cron jobs on one log), exactly one gets
// it; a finished claim is never taken again; a holder that died is taken over once stale; a
// released claim is free.
func TestClaims(t *testing.T) {
	for name, open := range map[string]func(t *testing.T) (*store.DB, *store.DB){
		"sqlite": func(t *testing.T) (*store.DB, *store.DB) {
			dir := t.TempDir()
			return openConfig(t, store.Config{DataDir: dir}), openConfig(t, store.Config{DataDir: dir})
		},
		"postgres": func(t *testing.T) (*store.DB, *store.DB) {
			url := testsvc.SharedPostgres(t).NewDatabase(t)
			return openConfig(t, store.Config{URL: url}), openConfig(t, store.Config{URL: url})
		},
	} {
		t.Run(name, func(t *testing.T) {
			ctx := testCtx(t)
			a, b := open(t)
			now := time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC)
			const stale = 10 * time.Minute
			var wg sync.WaitGroup
			got := make([]bool, 8)
			for i := range got {
				db := []*store.DB{a, b}[i%2]
				wg.Go(func() {
					ok, _, err := db.TakeClaim(ctx, "report:w1:wecom", now, stale)
					if err != nil {
						t.Error(err)
					}
					got[i] = ok
				})
			}
			wg.Wait()
			n := 0
			for _, ok := range got {
				if ok {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("%d of %d racers took the claim, want 1", n, len(got))
			}
			ok, c, err := b.TakeClaim(ctx, "report:w1:wecom", now.Add(time.Minute), stale)
			if err != nil || ok || c.Done || !c.At.Equal(now) {
				t.Errorf("a claim under way: TakeClaim = %v, %+v, %v; want false, pending since %v", ok, c, err, now)
			}
			// its holder died: after stale, another run takes it over, once
			later := now.Add(stale + time.Second)
			if ok, _, err := a.TakeClaim(ctx, "report:w1:wecom", later, stale); err != nil || !ok {
				t.Fatalf("a stale claim: TakeClaim = %v, %v; want it taken over", ok, err)
			}
			if ok, _, _ := b.TakeClaim(ctx, "report:w1:wecom", later, stale); ok {
				t.Fatal("a claim just taken over was taken again")
			}
			if err := a.FinishClaim(ctx, "report:w1:wecom", later); err != nil {
				t.Fatal(err)
			}
			if ok, c, err := b.TakeClaim(ctx, "report:w1:wecom", later.Add(24*time.Hour), stale); err != nil || ok || !c.Done || !c.At.Equal(later) {
				t.Errorf("a finished claim: TakeClaim = %v, %+v, %v; want false, done at %v", ok, c, err, later)
			}
			if err := b.ReleaseClaim(ctx, "report:w1:wecom"); err != nil {
				t.Fatal(err)
			}
			if ok, _, err := b.TakeClaim(ctx, "report:w1:wecom", later, stale); err != nil || !ok {
				t.Errorf("a released claim: TakeClaim = %v, %v; want it free", ok, err)
			}
			if ok, _, err := a.TakeClaim(ctx, "report:w1:email", now, stale); err != nil || !ok {
				t.Errorf("another name: TakeClaim = %v, %v; want it free", ok, err)
			}
		})
	}
}
