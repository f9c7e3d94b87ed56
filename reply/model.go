package reply

import (
	"context"

	"github.com/zhiyi-ai/zhiyi/intent"
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
