package train

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/zhiyi-ai/zhiyi/index"
	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/nlp"
	"gopkg.in/yaml.v3"
)

// LabelStats says what the --labels files did.
type LabelStats struct {
	Files      int `json:"files"`
	Lines      int `json:"lines"`
	Applied    int `json:"applied"`    // exported messages given a label
	Added      int `json:"added"`      // text labels that matched no message, added as examples
	Overridden int `json:"overridden"` // messages whose earlier label (an export's tag, an earlier line) changed
	Undecided  int `json:"undecided"`  // lines with an empty intent (skipped)
	// Later counts text labels of messages sent from Config.Until on only (skipped): trained on,
	// the messages held out after it would judge a model that has seen them.
	Later int `json:"later,omitempty"`
	// NewIntents are the messages labelled with an intent the knowledge base lacks, by label;
	// they stay unlabelled until the intent is added (Stubs name the kb.yaml stubs written).
	NewIntents map[string]int `json:"new_intents,omitempty"`
	Stubs      []string       `json:"stubs,omitempty"`
}

// applyLabels applies the --labels files over the exports' own labels, in order: a later file,
// or a later line of one file, wins. Unknown intent ids and members that match no exported
// message fail the run, every one named by file:line: a label is an operator's decision, and
// none is dropped silently.
func (r *run) applyLabels() (bool, error) {
	var byLabel map[string]string
	if r.kb != nil {
		byLabel = make(map[string]string, len(r.kb.Intents))
		for _, in := range r.kb.Intents {
			byLabel[in.Label] = in.ID
		}
	}
	r.data.resolveNew(byLabel, r.prog)
	if len(r.cfg.Labels) == 0 {
		return true, nil
	}
	st, err := r.data.applyLabels(r.cfg.Labels, r.known, byLabel, r.prog)
	r.sum.Labels = st
	return false, err
}

// resolveNew turns the exports' labels new:<标签> (a row of zhiyi export carries the console's
// label of its message) whose intent kb.yaml has gained since into that intent, as applyLabels
// does a sheet's; the others stay, and are left out as intents the model lacks.
func (d *imported) resolveNew(byLabel map[string]string, prog io.Writer) {
	said := map[string]bool{}
	id := func(label string) (string, bool) {
		name, ok := strings.CutPrefix(label, NewIntentPrefix)
		if !ok {
			return "", false
		}
		id, ok := byLabel[strings.TrimSpace(name)]
		if ok && !said[name] {
			said[name] = true
			fmt.Fprintf(prog, "import: new:%s is kb.yaml's intent %s now\n", name, id)
		}
		return id, ok
	}
	for i := range d.recs {
		if v, ok := id(d.recs[i].intent); ok {
			d.recs[i].intent = v
		}
	}
	for k, in := range d.byID {
		if v, ok := id(in); ok {
			d.byID[k] = v
		}
	}
}

// applyLabels applies label files to the imported messages (see run.applyLabels); known says
// which intent ids may be used, and byLabel (label → id, may be nil) turns a new:<标签> whose
// intent the knowledge base has gained since into that intent.
func (d *imported) applyLabels(paths []string, known func(string) bool, byLabel map[string]string, prog io.Writer) (*LabelStats, error) {
	st := &LabelStats{}
	var problems []error
	newIntents := map[string]*newIntent{}
	resolved := map[string]string{} // new:<标签> → the id kb.yaml gives it now
	var order []string
	members := &memberIndex{d: d}
	for _, path := range paths {
		labels, err := ReadLabels(path)
		if joined, ok := err.(interface{ Unwrap() []error }); ok {
			problems = append(problems, joined.Unwrap()...) // one problem a line
		} else if err != nil {
			problems = append(problems, err)
		}
		st.Files++
		st.Lines += len(labels)
		for _, l := range labels {
			if name, ok := strings.CutPrefix(l.Intent, NewIntentPrefix); ok {
				if id, ok := byLabel[strings.TrimSpace(name)]; ok {
					if resolved[name] == "" {
						fmt.Fprintf(prog, "labels: new:%s is kb.yaml's intent %s now\n", name, id)
					}
					resolved[name] = id
					l.Intent = id
				}
			}
			switch {
			case l.Intent == "":
				st.Undecided++
				continue
			case strings.HasPrefix(l.Intent, NewIntentPrefix):
				name := strings.TrimSpace(strings.TrimPrefix(l.Intent, NewIntentPrefix))
				ni := newIntents[name]
				if ni == nil {
					ni = &newIntent{label: name, sheet: path}
					newIntents[name] = ni
					order = append(order, name)
				}
				ids, probs := members.resolveLabel(l)
				problems = append(problems, probs...)
				ni.add(l, d, ids)
				continue
			case !known(l.Intent):
				problems = append(problems, fmt.Errorf("%s: unknown intent %q: not in the knowledge base (use an intent id, none, or new:<标签>)", l.Source, l.Intent))
				continue
			}
			if l.Text != "" {
				d.labelText(l, st)
				continue
			}
			ids, probs := members.resolveLabel(l)
			problems = append(problems, probs...)
			for _, id := range ids {
				i, ok := d.byMsgID[id]
				if !ok {
					continue // sent after --until
				}
				rec := &d.recs[i]
				if rec.intent != "" && rec.intent != l.Intent {
					st.Overridden++
				}
				rec.intent = l.Intent
				d.byID[id] = l.Intent
				rec.origin = fromLabel
				if l.Cluster != "" {
					rec.origin = fromSheet
				}
				st.Applied++
			}
		}
	}
	if len(problems) > 0 {
		return st, fmt.Errorf("labels: %d problems:\n%w", len(problems), errors.Join(problems...))
	}
	if len(order) > 0 {
		st.NewIntents = map[string]int{}
		stubs, err := writeStubs(order, newIntents, prog)
		if err != nil {
			return st, err
		}
		st.Stubs = stubs
		for _, name := range order {
			st.NewIntents[name] = newIntents[name].messages
			// An operator who pasted the stub and reworded its label (门店自提 → 门店与自提) was
			// told only that kb.yaml lacked the intent it now had.
			fmt.Fprintf(prog, "warning: %d messages labelled new:%s stay unlabelled: kb.yaml has no intent labelled %s (paste the stub in %s keeping its label, or write the intent's id on the sheet's line)\n",
				newIntents[name].messages, name, name, newIntents[name].stub)
		}
	}
	fmt.Fprintf(prog, "labels: %d lines from %d files: %d messages labelled (%d changed), %d examples added, %d undecided\n",
		st.Lines, st.Files, st.Applied, st.Overridden, st.Added, st.Undecided)
	if st.Later > 0 {
		fmt.Fprintf(prog, "labels: %d text labels name only messages sent from --until on: left out, as those messages are\n", st.Later)
	}
	return st, nil
}

// labelText labels the exported message with the text of l, or adds the text as a new example
// unless only messages sent from until on have it (skipped, counted).
func (d *imported) labelText(l Label, st *LabelStats) {
	text, _ := nlp.Mask(nlp.Normalize(l.Text))
	if i, ok := d.byText[text]; ok {
		rec := &d.recs[i]
		if rec.intent != "" && rec.intent != l.Intent {
			st.Overridden++
		}
		rec.intent, rec.origin, rec.byText = l.Intent, fromLabel, true
		st.Applied++
		return
	}
	if d.laterText[text] {
		st.Later++
		return
	}
	d.byText[text] = len(d.recs)
	d.recs = append(d.recs, record{text: text, intent: l.Intent, source: l.Source, origin: fromText})
	st.Added++
}

// newIntent collects what the labels say about an intent the knowledge base lacks.
type newIntent struct {
	label    string
	sheet    string // the first label file naming it: the stub goes beside it
	stub     string
	messages int
	samples  []string
}

// add counts a label naming the intent, whose members are the message ids ids.
func (ni *newIntent) add(l Label, d *imported, ids []string) {
	ni.messages += len(l.MsgIDs)
	if l.Text != "" {
		ni.messages++
		t, _ := nlp.Mask(nlp.Normalize(l.Text))
		ni.samples = append(ni.samples, t)
	}
	ni.samples = append(ni.samples, l.Samples...)
	for _, id := range ids {
		if i, ok := d.byMsgID[id]; ok && len(ni.samples) < 10 {
			ni.samples = append(ni.samples, d.recs[i].text)
		}
	}
}

// SheetMemberID is how a cluster sheet names a message: its id, or, when the id holds personal
// data (a CRM's message id M073147970474-001 reads as a landline), the id masked as serve logs it
// (nlp.MaskID) and "#" with four hex digits of the id's SHA-256, so that train --labels tells
// apart the messages whose ids mask alike (M<PHONE>-001). Sixteen bits say next to nothing of a
// phone number: over a million others share them.
func SheetMemberID(id string) string {
	m := nlp.MaskID(id)
	if m == id {
		return id
	}
	sum := sha256.Sum256([]byte(id))
	return m + "#" + hex.EncodeToString(sum[:2])
}

// memberIndex finds the exported messages a label's member names: the message with that id, or,
// since zhiyi cluster writes ids masked (SheetMemberID; nlp.MaskID before), the message whose id
// masks to it.
type memberIndex struct {
	d      *imported
	masked map[string][]string // masked id → the exported ids masking to it, sorted; built on first need
}

// resolveLabel returns the message ids a label's members name (a masked member listed twice
// once), and a problem for each member that names no one message: an id shared by messages of
// different texts, and the members that match no message, together.
func (x *memberIndex) resolveLabel(l Label) (ids []string, problems []error) {
	var missing []string
	viaMask := map[string]bool{}
	for _, member := range l.MsgIDs {
		found, err := x.resolve(member)
		if err != nil {
			problems = append(problems, fmt.Errorf("%s: %w", l.Source, err))
			continue
		}
		if len(found) == 0 {
			missing = append(missing, nlp.MaskID(member))
			continue
		}
		if found[0] != member {
			if viaMask[member] {
				continue
			}
			viaMask[member] = true
		}
		ids = append(ids, found...)
	}
	if len(missing) > 0 {
		problems = append(problems, fmt.Errorf("%s: %d of %d message ids match no message in the data: %s",
			l.Source, len(missing), len(l.MsgIDs), strings.Join(missing[:min(3, len(missing))], ", ")))
	}
	// another shop's sheet names ids these exports may have too, on other messages
	var texts []string
	for _, id := range ids {
		if i, ok := x.d.byMsgID[id]; ok {
			texts = append(texts, x.d.recs[i].text)
		}
	}
	if err := CheckSheetSamples(l, texts); err != nil {
		return nil, append(problems, err)
	}
	return ids, problems
}

// resolve returns the exported ids member names (none when it names no message; ids sent after
// --until included). A masked member matching messages of different texts is an error: they may
// sit in different clusters, and the sheet cannot say which the operator meant.
func (x *memberIndex) resolve(member string) ([]string, error) {
	d := x.d
	if n := d.ids.Texts(member); n > 1 {
		return nil, sharedIDError(member, n)
	}
	if _, ok := d.byMsgID[member]; ok || d.later[member] {
		return []string{member}, nil
	}
	if x.masked == nil {
		x.masked = map[string][]string{}
		add := func(id string) {
			if m := nlp.MaskID(id); m != id {
				x.masked[m] = append(x.masked[m], id) // a sheet written before SheetMemberID
				sid := SheetMemberID(id)
				x.masked[sid] = append(x.masked[sid], id)
			}
		}
		for id := range d.byMsgID {
			add(id)
		}
		for id := range d.later {
			if _, ok := d.byMsgID[id]; !ok {
				add(id)
			}
		}
		for _, ids := range x.masked {
			slices.Sort(ids)
		}
	}
	ids := x.masked[member]
	rec := -1
	for _, id := range ids {
		if n := d.ids.Texts(id); n > 1 {
			return nil, sharedIDError(member, n)
		}
		if i, ok := d.byMsgID[id]; ok {
			if rec >= 0 && i != rec {
				return nil, fmt.Errorf("message id %s is masked and %d messages of different texts have ids masking to it; label them with text lines ({\"text\":…,\"intent\":…})", member, len(ids))
			}
			rec = i
		}
	}
	return ids, nil
}

// sharedIDError is the error of a label by an id that names n messages of different texts. The
// id is named as a cluster sheet names it (SheetMemberID), masked: a {"msgid"} line gives it as
// exported, and a CRM's id may be a phone number.
func sharedIDError(member string, n int) error {
	return fmt.Errorf("message id %s names %d messages of different texts in the exports (exports that number their messages alike?): a label by id cannot say which is meant; take it off this line and label them with text lines ({\"text\":…,\"intent\":…})", SheetMemberID(member), n)
}

// stubHead opens every new-intent stub.
const stubHead = "# New intents named in the labels (new:<标签>). Choose an id, write the answer, move them into\n" +
	"# kb.yaml's intents and train again: their messages are labelled with it then.\n"

// stubPlaceholder is a stub's answer until the operator writes one.
const stubPlaceholder = "（请填写答案）"

// stubUntouched reports whether a stub file is as train wrote it: every intent still has its
// new_intent_N id and placeholder answer (so writing it again loses nothing).
func stubUntouched(data []byte) bool {
	var doc struct {
		Intents []index.Intent `yaml:"intents"`
	}
	if yaml.Unmarshal(data, &doc) != nil {
		return false
	}
	for _, in := range doc.Intents {
		if !strings.HasPrefix(in.ID, "new_intent_") || len(in.Answers) != 1 || in.Answers[0].Text != stubPlaceholder {
			return false
		}
	}
	return true
}

// writeStubs writes, beside each label file that names new intents, a kb.yaml fragment with one
// intent per new label (examples from its messages, an answer to write), and returns the paths.
func writeStubs(order []string, intents map[string]*newIntent, prog io.Writer) ([]string, error) {
	bySheet := map[string][]index.Intent{}
	var sheets []string
	for i, name := range order {
		ni := intents[name]
		ni.stub = strings.TrimSuffix(ni.sheet, filepath.Ext(ni.sheet)) + ".new-intents.yaml"
		id := fmt.Sprintf("new_intent_%d", i+1)
		examples := slices.Compact(slices.Sorted(slices.Values(ni.samples)))
		if len(examples) > 10 {
			examples = examples[:10]
		}
		if _, ok := bySheet[ni.stub]; !ok {
			sheets = append(sheets, ni.stub)
		}
		bySheet[ni.stub] = append(bySheet[ni.stub], index.Intent{ID: id, Label: name, Category: "咨询", Priority: 2,
			Examples: examples, Answers: []index.Answer{{ID: id + ".a", Text: stubPlaceholder}}})
	}
	var written []string
	for _, path := range sheets {
		var b bytes.Buffer
		b.WriteString(stubHead)
		enc := yaml.NewEncoder(&b)
		enc.SetIndent(2) // as kb.yaml is written, so the intents paste under its intents:
		if err := enc.Encode(struct {
			Intents []index.Intent `yaml:"intents"`
		}{bySheet[path]}); err != nil {
			return nil, err
		}
		if old, err := os.ReadFile(path); err == nil && !stubUntouched(old) {
			// the operator has begun on it (an id chosen, an answer written): their work stays
			fmt.Fprintf(prog, "warning: %s has been edited; left as it is (move it away to have it written again)\n", path)
			continue
		}
		if err := intent.WriteFileAtomic(path, b.Bytes()); err != nil {
			return nil, fmt.Errorf("train: write new-intent stub: %w", err)
		}
		written = append(written, path)
	}
	return written, nil
}
