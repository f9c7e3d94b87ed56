package store_test

import (
	"context"
	"errors"
	"testing"

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
