package train

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"
)

// DataOptions say which labelled messages ReadLabelled reads.
type DataOptions struct {
	Paths  []string   // exports or labelled files (any import format)
	Labels []string   // label files applied over the exports' own labels (as zhiyi train --labels)
	Since  time.Time  // keep messages sent at or after Since (zero: all; untimed messages are kept)
	CSV    CSVColumns // zero: DefaultCSVColumns
	// MaxTextBytes skips longer messages, as training does (0: DefaultMaxTextBytes; negative: none).
	MaxTextBytes int
	// Known says which intent ids labels may name: o.Labels' fail otherwise, the data's own
	// are left out with a warning; nil accepts any.
	Known func(id string) bool
}

// ReadLabelled imports the messages of o.Paths, applies o.Labels and returns the labelled ones
// (raw text is masked; labels of unknown intents fail as in training), with what the import and
// the labels did.
func ReadLabelled(ctx context.Context, o DataOptions, prog io.Writer) ([]Labelled, ImportStats, *LabelStats, error) {
	imp, ls, err := o.read(ctx, prog)
	if err != nil {
		return nil, imp.stats, ls, err
	}
	var out []Labelled
	var unlabelled []string
	n := 0
	for i, r := range imp.recs {
		if !o.Since.IsZero() && !r.time.IsZero() && r.time.Before(o.Since) {
			continue
		}
		if r.intent == "" && imp.unknown[i] {
			continue // named by dropUnknown's warning
		}
		if r.intent == "" {
			if n++; len(unlabelled) < maxNamed {
				unlabelled = append(unlabelled, r.source)
			}
			continue
		}
		out = append(out, Labelled{Text: r.text, Intent: r.intent})
	}
	if n > 0 && prog != nil {
		// A gold file's line without an intent (a typo in the key, a label left blank) is not
		// scored: say which, so that a smaller n is not read as the whole file.
		fmt.Fprintf(prog, "note: %d messages have no label and are not scored: %s\n", n, strings.Join(unlabelled, ", ")+more(n, len(unlabelled)))
	}
	return out, imp.stats, ls, nil
}

// more is what follows a list of the first named of n: ", …" when some were left unnamed.
func more(n, named int) string {
	if n > named {
		return ", …"
	}
	return ""
}

// dropUnknown unlabels the messages whose label names an intent known refuses (after --labels
// had their say) and says which, as training leaves them out: a misspelt gold label or a free
// CRM tag scored would only lower the accuracy.
// It returns the records it unlabelled.
func (imp imported) dropUnknown(known func(string) bool, prog io.Writer) map[int]bool {
	var named []string
	dropped := map[int]bool{}
	n := 0
	for i := range imp.recs {
		r := &imp.recs[i]
		if r.intent == "" || known(r.intent) {
			continue
		}
		if n++; len(named) < maxNamed {
			named = append(named, fmt.Sprintf("%s: unknown intent %q", r.source, r.intent))
		}
		r.intent = ""
		dropped[i] = true
	}
	for id, in := range imp.byID { // the same labels by message id
		if !known(in) {
			delete(imp.byID, id)
		}
	}
	if n > 0 {
		fmt.Fprintf(prog, "warning: %d labelled messages name intents the model does not have and are left out (use an intent id or none):\n  %s\n",
			n, strings.Join(named, "\n  "))
	}
	return dropped
}

// maxNamed is how many problems an error names before it only counts them.
const maxNamed = 5

// read imports o.Paths and applies o.Labels over them: what ReadLabelled and ReadConversations
// start from.
func (o DataOptions) read(ctx context.Context, prog io.Writer) (imported, *LabelStats, error) {
	if o.CSV.Text == nil {
		o.CSV = DefaultCSVColumns()
	}
	if prog == nil {
		prog = io.Discard
	}
	known := o.Known
	if known == nil {
		known = func(string) bool { return true }
	}
	imp, err := importRecords(ctx, o.Paths, o.CSV, o.MaxTextBytes, time.Time{})
	if err != nil {
		return imp, nil, err
	}
	var ls *LabelStats
	if len(o.Labels) > 0 {
		if ls, err = imp.applyLabels(o.Labels, known, nil, prog); err != nil {
			return imp, ls, err
		}
	}
	imp.unknown = imp.dropUnknown(known, prog)
	return imp, ls, nil
}

// ConversationTurn is one customer message of a conversation, for replaying exports as traffic:
// its masked text, id, time and gold intent ("" when unlabelled).
type ConversationTurn struct {
	Text   string
	MsgID  string
	Time   time.Time
	Intent string
	// Scored marks a labelled turn sent at or after DataOptions.Since: the turns an evaluation
	// scores (earlier turns only give context).
	Scored bool
}

// Conversation is one exported conversation's customer turns in time order, with its key
// (channel-prefixed, as Message.Conversation) and channel.
type Conversation struct {
	Key     string
	Channel string
	Turns   []ConversationTurn
}

// ReadConversations imports o.Paths as ReadLabelled does, but returns every conversation's
// customer turns in order (repeated texts included: a replay needs every turn). Messages that
// belong to no conversation (plain lines without chat_id) each form a conversation of their own.
func ReadConversations(ctx context.Context, o DataOptions, prog io.Writer) ([]Conversation, ImportStats, *LabelStats, error) {
	imp, ls, err := o.read(ctx, prog)
	if err != nil {
		return nil, imp.stats, ls, err
	}
	inConv := make([]bool, len(imp.recs))
	var out []Conversation
	turn := func(rec int, at time.Time, msgID string) ConversationTurn {
		r := imp.recs[rec]
		t := ConversationTurn{Text: r.text, MsgID: msgID, Time: at, Intent: r.intent}
		if l, ok := imp.byID[msgID]; ok && msgID != "" {
			t.Intent = l // the message's own label
		} else if msgID != "" && !r.byText {
			t.Intent = "" // another message's label, shared through the text: not this one's
		}
		t.Scored = t.Intent != "" && (o.Since.IsZero() || at.IsZero() || !at.Before(o.Since))
		return t
	}
	for _, c := range imp.convs {
		conv := Conversation{Key: c.key, Channel: channelOf(c.key)}
		for _, t := range c.turns {
			if t.rec >= 0 {
				inConv[t.rec] = true
				conv.Turns = append(conv.Turns, turn(t.rec, t.time, t.msgID))
			}
		}
		if len(conv.Turns) > 0 {
			out = append(out, conv)
		}
	}
	for i, r := range imp.recs {
		if !inConv[i] && r.origin.exported() {
			out = append(out, Conversation{Channel: "plain", Turns: []ConversationTurn{turn(i, r.time, r.msgID)}})
		}
	}
	return out, imp.stats, ls, nil
}

// channelOf is the channel of a conversation key ("wecom:…" → wecom).
func channelOf(key string) string {
	ch, _, _ := strings.Cut(key, ":")
	return ch
}
