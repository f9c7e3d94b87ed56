package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/zhiyi-ai/zhiyi/internal/atomicfile"
)

// ShopFile is where, in DataDir, Open keeps the name of the shop the directory serves
// (Config.Shop): the spool and the hash key's copy in it are that shop's.
const ShopFile = "shop"

// claimDataDir claims cfg.DataDir for cfg.Shop, as claimShop claims the log: with PostgreSQL
// the directory holds the spool and a copy of the hash key, and a shop started on another
// shop's directory replayed that shop's spooled decisions into its own log, and a new database
// took that shop's key. The first Open with a shop writes ShopFile; a later one for another
// shop is refused (ErrOtherShop) before anything in the directory is read.
func claimDataDir(cfg Config) error {
	if cfg.Shop == "" || cfg.DataDir == "" || cfg.ReadOnly || cfg.Existing || cfg.CopyInto {
		return nil
	}
	path := filepath.Join(cfg.DataDir, ShopFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return fmt.Errorf("store: data directory: %w", err)
		}
		err = atomicfile.WriteNew(path, path, []byte(cfg.Shop+"\n"), 0o600)
		if errors.Is(err, fs.ErrExist) { // another process claimed it first: read its claim
			return claimDataDir(cfg)
		}
		if err != nil {
			return fmt.Errorf("store: cannot claim the data directory for the shop: %w", err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: cannot read which shop the data directory is: %w", err)
	}
	if have := strings.TrimSpace(string(b)); have != cfg.Shop {
		return fmt.Errorf("%w: the data directory %s holds the spool and hash key of %q and this is %q: give each shop a --data-dir of its own; if the shop was renamed, write its new name in %s",
			ErrOtherShop, cfg.DataDir, have, cfg.Shop, path)
	}
	return nil
}
