package store_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
	"github.com/zhiyi-ai/zhiyi/store"
)

// TestOpenClaimsTheLogForItsShop: the first serve of a shop claims its decision log; the shop
// opens it again, readers and other commands open it whoever they are, and another shop's
// serve is refused with ErrOtherShop.
func TestOpenClaimsTheLogForItsShop(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	open := func(cfg store.Config) error {
		cfg.DataDir = dir
		db, err := store.Open(ctx, cfg)
		if err == nil {
			db.Close()
		}
		return err
	}
	for _, cfg := range []store.Config{{Shop: "衣橱小铺"}, {Shop: "衣橱小铺"}, {}, {ReadOnly: true}, {Existing: true}} {
		if err := open(cfg); err != nil {
			t.Fatalf("%+v: %v", cfg, err)
		}
	}
	if err := open(store.Config{Shop: "速联宽带"}); !errors.Is(err, store.ErrOtherShop) {
		t.Errorf("another shop's serve on the log: %v, want ErrOtherShop", err)
	}
}

// TestConnectLaterKeepsOffAnotherShopsLog: a shop's serve started while PostgreSQL was down
// (on the copy of a hash key, or --hash-key) connects in the background once it is back; on a
// log another shop claimed it does not connect — its decisions stay in its spool — and says why.
func TestConnectLaterKeepsOffAnotherShopsLog(t *testing.T) {
	pg := testsvc.PrivatePostgres(t)
	url := pg.NewDatabase(t)
	a, err := store.Open(testCtx(t), store.Config{URL: url, DataDir: t.TempDir(), ConnectLater: true, Shop: "衣橱小铺"})
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	var logs testsvc.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	b, err := store.Open(testCtx(t), store.Config{URL: url, DataDir: t.TempDir(), ConnectLater: true, Shop: "速联宽带",
		HashKey: []byte("shop b's own key, 16 bytes or more"), Logger: log})
	if err != nil {
		t.Fatalf("down, with a hash key: %v", err)
	}
	defer b.Close()
	if err := pg.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(time.Minute); !strings.Contains(logs.String(), "another shop"); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) { // a hang guard, not a timing assertion
			t.Fatalf("no line said the log is another shop's:\n%s", logs.String())
		}
	}
	if err := b.Ping(testCtx(t)); err == nil {
		t.Error("shop B connected to shop A's decision log")
	}
}

// TestOpenClaimsTheDataDirForItsShop: with PostgreSQL the data directory holds the spool and
// the hash key's copy. Shop B started on shop A's stopped directory, with a new database of its
// own, replayed A's spooled decisions into B's log and took A's key; now it is refused, naming
// the directory, before anything in it is read.
func TestOpenClaimsTheDataDirForItsShop(t *testing.T) {
	pg := testsvc.SharedPostgres(t)
	dir, urlA := t.TempDir(), pg.NewDatabase(t)
	a, err := store.Open(testCtx(t), store.Config{URL: urlA, DataDir: dir, ConnectLater: true, Shop: "衣橱小铺"})
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	_, err = store.Open(testCtx(t), store.Config{URL: pg.NewDatabase(t), DataDir: dir, ConnectLater: true, Shop: "速联宽带"})
	if !errors.Is(err, store.ErrOtherShop) || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), `"衣橱小铺"`) {
		t.Fatalf("shop B on shop A's data directory: %v, want ErrOtherShop naming the directory and shop A", err)
	}
	// the shop itself, and the commands that read or change a log beside serve, open it
	for _, cfg := range []store.Config{{Shop: "衣橱小铺", ConnectLater: true}, {Existing: true}} {
		cfg.URL, cfg.DataDir = urlA, dir
		db, err := store.Open(testCtx(t), cfg)
		if err != nil {
			t.Fatalf("%+v: %v", cfg, err)
		}
		db.Close()
	}
}
