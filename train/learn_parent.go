package train

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// ErrParentChanged is returned (wrapped) by Learn when the parent's directory does not hold the
// bundle expected (LearnConfig.Parent) or the one it loaded: retrained in place (zhiyi train
// --out on it) before or while learning. Nothing is promoted: a child of a bundle nobody
// reviewed or reloaded, or one mixing two bundles' files, must not be written.
var ErrParentChanged = errors.New("learn: the parent's directory holds another bundle")

// checkParent returns ErrParentChanged when dir's manifest is not of version want.
func checkParent(dir, want string) error {
	m, err := intent.PeekManifest(dir)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrParentChanged, dir, err)
	}
	if got := m.Version(); got != want {
		return fmt.Errorf("%w: %s holds %s, not %s (retrained in place?); nothing learnt: reload it to learn from it", ErrParentChanged, dir, got, want)
	}
	return nil
}

// readLoaded reads the file rel of the parent in dir as pm, the manifest loaded, has it (nil
// when pm lists no such file and there is none): a file that differs is another bundle's, and
// ErrParentChanged. The bytes checked are the bytes returned, so nothing can change between.
func readLoaded(dir, rel string, pm *intent.Manifest) ([]byte, error) {
	want, listed := pm.Files[rel]
	data, err := os.ReadFile(filepath.Join(dir, rel))
	switch {
	case !listed && errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case listed && errors.Is(err, fs.ErrNotExist), err == nil && !listed:
		return nil, fmt.Errorf("%w: %s in %s is not as %s loaded had it", ErrParentChanged, rel, dir, pm.Version())
	case err != nil:
		return nil, err
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != want {
		return nil, fmt.Errorf("%w: %s in %s is not the one %s loaded had (retrained or edited in place while learning)", ErrParentChanged, rel, dir, pm.Version())
	}
	return data, nil
}

// appendExampleDocs returns the JSON lines of a bundle's examples file (data, as read) with docs
// added, encoded as intent.WriteExampleDocs does.
func appendExampleDocs(data []byte, docs []intent.ExampleDoc) ([]byte, error) {
	b := bytes.NewBuffer(data)
	if len(data) > 0 && data[len(data)-1] != '\n' {
		b.WriteByte('\n')
	}
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	for _, d := range docs {
		if err := enc.Encode(d); err != nil {
			return nil, err
		}
	}
	return b.Bytes(), nil
}
