package reply

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/sentiment"
)

// Model is a loaded engine with the Replier that decides with it: what zhiyi serve serves. It
// classifies plainly (Classify, Version and Close are the engine's) and decides messages in
// their conversations (Decide, Commit).
type Model struct {
	*intent.Engine
	rp *Replier
}

// NewModel pairs an engine with a Replier (which may be shared by several models).
func NewModel(eng *intent.Engine, rp *Replier) *Model { return &Model{Engine: eng, rp: rp} }

// Decide decides req in its conversation with the model's engine (Replier.Decide).
func (m *Model) Decide(ctx context.Context, req intent.Request) *Decision {
	return m.rp.Decide(ctx, m.Engine, req)
}

// ReplyConfig returns the configuration the model's Replier decides with (to decide the same way
// elsewhere, e.g. over conversations of another store).
func (m *Model) ReplyConfig() Config { return m.rp.cfg }

// Commit remembers a decided turn (Replier.Commit).
func (m *Model) Commit(ctx context.Context, d *Decision, response []byte) {
	m.rp.Commit(ctx, d, response)
}

// BundleSentiment builds the sentiment analyzer zhiyi serve decides with for the bundle in dir:
// the embedded model with the bundle's own lexicon (dict/sentiment.txt, when training copied
// one), or the built-in lexicon the model was trained with (sentiment.DefaultLexicon). Give it
// as Config.Sentiment: without it a Replier never hands off for tone (气死了, 孩子误吞了 … 急).
// A dir that does not exist or is no directory is an error matching fs.ErrNotExist, as
// intent.Load's is: a mistyped path must not serve quietly with the built-in lexicon instead of
// the bundle's. A dir that cannot be read says why (permission denied, …).
func BundleSentiment(dir string) (*sentiment.Analyzer, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("sentiment: bundle: %w", err) // names dir; not-exist matches fs.ErrNotExist
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("sentiment: bundle %s is no directory: %w", dir, fs.ErrNotExist)
	}
	lex, err := sentiment.LoadLexicon(filepath.Join(dir, intent.DictDir, sentiment.LexiconFile))
	if errors.Is(err, fs.ErrNotExist) {
		lex, err = sentiment.DefaultLexicon(), nil
	}
	if err != nil {
		return nil, err
	}
	return sentiment.New(lex, sentiment.Options{})
}
