package store_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/store"
)

// Backup copies a SQLite log that is being written: the copy opens as a decision log with every
// decision committed before it began and the same hash key (the ids in it still match), is its
// owner's alone, and never replaces a file. On PostgreSQL it says to use pg_dump.
func TestBackup(t *testing.T) {
	cfg := store.Config{DataDir: t.TempDir()}
	db, other := openConfig(t, cfg), openConfig(t, cfg) // other: serve, writing meanwhile
	ctx := testCtx(t)
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	var ds []store.Decision
	for i := range 500 {
		ds = append(ds, store.Decision{MsgID: "m" + string(rune('a'+i%26)) + strings.Repeat("x", i/26), Time: at.Add(time.Duration(i) * time.Second),
			SenderHash: db.Hash("wm-zhang"), Text: "发票怎么开", Intent: "invoice"})
	}
	if _, err := db.AppendDecisions(ctx, ds); err != nil {
		t.Fatal(err)
	}
	// serve keeps writing while the copy is made
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			d := store.Decision{MsgID: "live" + strings.Repeat("y", i%50) + string(rune('a'+i/50%26)), Time: time.Now(), Text: "在吗", Intent: "greeting"}
			if _, err := other.AppendDecisions(ctx, []store.Decision{d}); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	path := filepath.Join(t.TempDir(), "backup.db")
	err := db.Backup(ctx, path)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("the copy: %v, %v; want mode 0600", st, err)
	}
	cp := openConfig(t, store.Config{URL: "sqlite:" + path, ReadOnly: true})
	n := 0
	if err := cp.Decisions(ctx, store.Query{Until: at.Add(time.Hour)}, func(d *store.Decision) error {
		if d.SenderHash != db.Hash("wm-zhang") || cp.Hash("wm-zhang") != d.SenderHash {
			t.Errorf("%s: sender %s; the copy's key hashes it as %s", d.MsgID, d.SenderHash, cp.Hash("wm-zhang"))
		}
		n++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n != len(ds) {
		t.Errorf("the copy holds %d of the %d decisions", n, len(ds))
	}
	if err := db.Backup(ctx, path); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("a backup onto an existing file: %v", err)
	}
	if err := openPostgres(t).Backup(ctx, filepath.Join(t.TempDir(), "pg.db")); !errors.Is(err, store.ErrBackupPostgres) {
		t.Errorf("PostgreSQL: %v, want ErrBackupPostgres", err)
	}
	if es, _ := os.ReadDir(filepath.Dir(path)); len(es) != 1 {
		t.Errorf("left beside the copy: %v", es)
	}
}

// A copy SQLite could not make names the file it was making: on a full disk SQLite says only
// "disk I/O error". A cancelled context stands in for the failure here (root may write
// anywhere, and a full filesystem cannot be had in a test).
func TestBackupFailureNamesTheCopy(t *testing.T) {
	db := openConfig(t, store.Config{DataDir: t.TempDir()})
	ctx, cancel := context.WithCancel(testCtx(t))
	cancel()
	path := filepath.Join(t.TempDir(), "backup.db")
	err := db.Backup(ctx, path)
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("Backup with its statement cut short: %v; want an error naming %s", err, path)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a failed backup left %s: %v", path, err)
	}
}
