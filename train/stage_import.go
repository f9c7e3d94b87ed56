package train

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/zhiyi-ai/zhiyi/index"
	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/nlp"
	"github.com/zhiyi-ai/zhiyi/sentiment"
)

// loadDictionaries reads the dictionaries and the knowledge base (refusing one with lint
// findings: ErrKBFindings), and loads the segmenter's base dictionary: the one slow step that
// does not depend on the data, timed apart to keep the other stages honest.
func (r *run) loadDictionaries() (bool, error) {
	var err error
	if r.dicts, err = nlp.LoadDictionaries(r.cfg.DictDir); err != nil {
		return false, err
	}
	if err := r.dicts.Suspect(); err != nil {
		return false, err
	}
	for _, w := range r.dicts.Warnings() {
		fmt.Fprintln(r.prog, "warning:", w)
	}
	r.reportDictionaries()
	if err := checkLexicon(r.cfg.DictDir, r.prog); err != nil {
		return false, err
	}
	if r.cfg.KB != "" {
		if r.kb, err = index.LoadKB(r.cfg.KB); err != nil {
			return false, err
		}
		if err := CheckKB(r.cfg.KB); err != nil {
			return false, err
		}
		if err := lintKB(r.cfg.KB); err != nil {
			return false, err
		}
	}
	_, err = nlp.NewWith(r.dicts, nil)
	return false, err
}

// CheckDictionaries reads the dictionary directory dir as train reads it — the rewrite and
// segmenter files (file:line of a malformed line, a variant under two canonical terms,
// rewrites that lead back to each other, shorthand written backwards), the segmenter built on them, and the sentiment
// lexicon the bundle carries for serve — and returns the first problem train would stop at.
// What train would warn of (a lexicon without [urgent:safety]) goes to warn. zhiyi lint --dict
// runs it, so a dictionary edit is checked in seconds rather than at a retrain's start.
func CheckDictionaries(dir string, warn io.Writer) error {
	dicts, err := nlp.LoadDictionaries(dir)
	if err != nil {
		return err
	}
	if err := dicts.Suspect(); err != nil {
		return err
	}
	for _, w := range dicts.Warnings() {
		fmt.Fprintln(warn, "warning:", w)
	}
	if err := checkLexicon(dir, warn); err != nil {
		return err
	}
	_, err = nlp.NewWith(dicts, nil)
	return err
}

// checkLexicon loads the sentiment lexicon of the dictionary directory dir, which the bundle
// carries for serve: one serve cannot read must fail here, naming the shop's file, not when
// the bundle is loaded. It says on prog when there is none, or when it has no [urgent:safety].
func checkLexicon(dir string, prog io.Writer) error {
	if dir == "" {
		return nil
	}
	path := filepath.Join(dir, sentiment.LexiconFile)
	if _, err := os.Stat(path); err != nil {
		fmt.Fprintf(prog, "dictionaries: no %s: tone and urgency (着火, 盗刷, 12315 …) come from zhiyi's built-in lexicon\n", sentiment.LexiconFile)
		return nil
	}
	lex, err := sentiment.LoadLexicon(path)
	if err != nil {
		return err
	}
	// Urgency is the lexicon's: without [urgent:safety] cues, 着火 or 冒烟 is no reason
	// to hand a conversation to a person at once.
	if !lex.HasReason("safety") {
		fmt.Fprintf(prog, "warning: %s has no [urgent:safety] section: 着火, 冒烟, 漏电 will not hand a conversation to a person at once (copy the section from zhiyi's built-in lexicon, sentiment/lexicon.txt)\n", path)
	}
	return nil
}

// dictionaryFiles are the files of --dict zhiyi reads.
var dictionaryFiles = []string{nlp.UserDictFile, nlp.SynonymsFile, nlp.DialectFile, nlp.StopwordsFile, nlp.ShorthandFile, sentiment.LexiconFile}

// reportDictionaries says which dictionaries of --dict were read, and which files there are not
// one (synonym.txt for synonyms.txt would otherwise be ignored unsaid).
func (r *run) reportDictionaries() {
	if r.cfg.DictDir == "" {
		return
	}
	entries, err := os.ReadDir(r.cfg.DictDir)
	if err != nil {
		return // LoadDictionaries has read it
	}
	var read, other []string
	for _, e := range entries {
		switch {
		case e.IsDir() || strings.HasPrefix(e.Name(), "."):
		case slices.Contains(dictionaryFiles, e.Name()):
			read = append(read, e.Name())
		default:
			other = append(other, e.Name())
		}
	}
	fmt.Fprintf(r.prog, "dictionaries: %s\n", cmp.Or(strings.Join(read, ", "), "none in "+r.cfg.DictDir))
	if len(other) > 0 {
		fmt.Fprintf(r.prog, "warning: %s in %s: not read (the dictionaries are %s)\n", strings.Join(other, ", "), r.cfg.DictDir, strings.Join(dictionaryFiles, ", "))
	}
}

// importData reads the exports (and the dev file, when there is one), masked.
func (r *run) importData() (bool, error) {
	if len(r.cfg.Data) == 0 {
		// A shop opening its customer service has no chats yet: kb.yaml's examples are the
		// training messages (Run refuses this without a knowledge base).
		r.data, _ = importRecords(r.ctx, nil, r.cfg.CSV, r.cfg.MaxTextBytes, r.cfg.Until)
		fmt.Fprintf(r.prog, "import: no exports (--data): training on %s's example questions alone\n", r.cfg.KB)
		return r.importDev()
	}
	fmt.Fprintf(r.prog, "importing %s\n", strings.Join(r.cfg.Data, ", "))
	imp, err := importRecords(r.ctx, r.cfg.Data, r.cfg.CSV, r.cfg.MaxTextBytes, r.cfg.Until)
	if err != nil {
		return false, err
	}
	r.data, r.sum.Import = imp, imp.stats
	if r.cfg.IgnoreExportLabels {
		for i := range r.data.recs {
			r.data.recs[i].intent = ""
		}
		clear(r.data.byID) // the context stage and the active intents read labels from it too
	}
	fmt.Fprintf(r.prog, "import: %s\n", r.sum.Import)
	for _, p := range r.sum.Import.Problems {
		fmt.Fprintf(r.prog, "  problem: %s\n", p)
	}
	if r.sum.Import.Kept == 0 {
		return false, noMessagesError(r.cfg.Data, r.sum.Import)
	}
	return r.importDev()
}

// importDev reads the dev file, when there is one.
func (r *run) importDev() (bool, error) {
	if r.cfg.Dev != "" {
		dev, err := importRecords(r.ctx, []string{r.cfg.Dev}, r.cfg.CSV, r.cfg.MaxTextBytes, time.Time{})
		if err != nil {
			return false, err
		}
		r.devRecs, r.devIDs, r.sum.DevImport = dev.recs, dev.byMsgID, dev.stats
		fmt.Fprintf(r.prog, "dev import: %s\n", r.sum.DevImport)
	}
	return false, nil
}

// NoMessagesError is the error of an import from data that kept no customer message (st.Kept is
// 0), naming the first problem line: what a command reading exports returns rather than a report
// on nothing.
func NoMessagesError(data []string, st ImportStats) error { return noMessagesError(data, st) }

// noMessagesError explains an import that kept no customer message: a model trained from the
// knowledge base alone would never answer on its own, and the operator would not know why.
func noMessagesError(data []string, st ImportStats) error {
	var why []string
	if len(st.AgentRoles) > 0 {
		var roles []string
		for _, v := range slices.Sorted(maps.Keys(st.AgentRoles)) {
			roles = append(roles, fmt.Sprintf("%q %d", v, st.AgentRoles[v]))
		}
		why = append(why, fmt.Sprintf("every CSV row's role was read as an agent's (%s); customers are %s: name yours with --csv customer=VALUE",
			strings.Join(roles, ", "), strings.Join(DefaultCSVColumns().Customer, ", ")))
	}
	if len(st.Problems) > 0 {
		why = append(why, "the first problem: "+st.Problems[0])
	}
	if len(why) == 0 {
		why = append(why, "see what was skipped above; docs/training.md lists the formats read (WeCom archive and 微信客服 JSON lines, one message a line; CRM CSV)")
	}
	return fmt.Errorf("import: no customer message kept from %s (%s): %s", strings.Join(data, ", "), st, strings.Join(why, "; "))
}

// known reports whether a label can be trained: the knowledge base has the intent (or there is
// no knowledge base), or it is none. The ranker must never answer with an intent that has no
// answer.
func (r *run) known(label string) bool {
	return r.kb == nil || label == intent.NoneIntent || hasIntent(r.kb, label)
}

func hasIntent(kb *index.KB, id string) bool {
	_, ok := kb.Intent(id)
	return ok
}

// imported is what importRecords read: the distinct customer messages (records), how to find
// them, and the conversations they were said in.
type imported struct {
	recs    []record
	byMsgID map[string]int // every customer message's id, duplicates included → its record
	// ids knows the customer messages' texts each id names, before until and after: byMsgID
	// keeps the last, and a label by an id given to two texts cannot say which is meant.
	ids    *IDTexts
	byText map[string]int // masked text → record
	convs  []conversation
	stats  ImportStats
	// later holds the ids of messages left out for being sent at or after the import's until:
	// labels may name them without matching a record.
	later map[string]bool
	// laterText holds the masked texts of the customer messages left out for the same reason,
	// that no other message has: a {"text"} label of one is skipped (LabelStats.Later), not
	// trained on as an example of its own (the holdout after until would leak into training).
	laterText map[string]bool
	// byID is each message's own label by id (a repeated text shares its first record, but
	// not necessarily its label): what a conversation replay scores against.
	byID map[string]string
	// unknown holds the records whose label named an intent the model lacks, unlabelled by
	// dropUnknown (which names them): evaluation does not count them again as unlabelled.
	unknown map[int]bool
}

// conversation is one conversation's text turns in time order: the customer's (rec ≥ 0, an
// index into the records) and the agents' replies (rec < 0).
type conversation struct {
	key   string
	turns []turn
}

type turn struct {
	text  string // masked
	rec   int    // the customer message's record; -1 for an agent's reply
	time  time.Time
	msgID string
}

// importRecords reads the messages of paths; with until set, those sent at or after it are left
// out (their ids and masked texts kept in imported.later and laterText).
func importRecords(ctx context.Context, paths []string, cols CSVColumns, maxText int, until time.Time) (imported, error) {
	im := NewImporter()
	im.CSV, im.Agents, im.KeepDuplicates, im.MaxTextBytes = cols, true, true, maxText
	out := imported{byMsgID: map[string]int{}, byText: map[string]int{}, later: map[string]bool{}, laterText: map[string]bool{}, byID: map[string]string{}, ids: NewIDTexts()}
	convIndex := map[string]int{}
	adopted := 0 // labels of repeated messages given to their first, unlabelled, copy
	err := im.Import(ctx, paths, func(m Message) error {
		if !until.IsZero() && !m.Time.IsZero() && !m.Time.Before(until) {
			if m.MsgID != "" {
				out.later[m.MsgID] = true
			}
			if !m.Agent {
				text, _ := nlp.Mask(nlp.Normalize(m.Text))
				out.laterText[text] = true
				out.ids.Note(m.MsgID, text) // an id given to another text before until names two messages
			}
			return nil
		}
		text, _ := nlp.Mask(nlp.Normalize(m.Text))
		rec := -1
		if !m.Agent {
			i, seen := out.byText[text]
			if !seen {
				i = len(out.recs)
				out.byText[text] = i
				out.recs = append(out.recs, record{text: text, intent: m.Intent, time: m.Time,
					msgID: m.MsgID, conv: m.Conversation, source: m.Source})
			} else if out.recs[i].intent == "" && m.Intent != "" {
				// The same message in two exports (WeCom's archive and the CRM's CSV of the same
				// chats): the CRM's tag labels it, whichever file came first.
				out.recs[i].intent = m.Intent
				adopted++
			}
			if m.MsgID != "" {
				out.ids.Note(m.MsgID, text)
				out.byMsgID[m.MsgID] = i
				if m.Intent != "" {
					out.byID[m.MsgID] = m.Intent
				}
			}
			rec = i
		}
		if m.Conversation != "" {
			c, ok := convIndex[m.Conversation]
			if !ok {
				c = len(out.convs)
				convIndex[m.Conversation] = c
				out.convs = append(out.convs, conversation{key: m.Conversation})
			}
			out.convs[c].turns = append(out.convs[c].turns, turn{text: text, rec: rec, time: m.Time, msgID: m.MsgID})
		}
		return nil
	})
	for i := range out.convs {
		slices.SortStableFunc(out.convs[i].turns, func(a, b turn) int { return a.time.Compare(b.time) })
	}
	out.stats = im.Stats()
	out.stats.Labelled += adopted
	return out, err
}
