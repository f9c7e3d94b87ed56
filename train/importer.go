package train

import (
	"context"
	"fmt"
	"hash/fnv"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/zhiyi-ai/zhiyi/nlp"
)

// Message is one text message from an export: a customer's, or with Importer.Agents an agent's
// reply. Text is raw: mask it (nlp) before it is stored or logged anywhere.
type Message struct {
	Text   string
	Intent string    // label; "" when nobody tagged the message
	Time   time.Time // zero when the format carries none
	Sender string
	Source string // file:line
	// MsgID is the export's message id (WeCom and 微信客服 msgid, the CSV's message id column,
	// msgid or msg_id in plain lines); "" when the format has none.
	MsgID string
	// Conversation identifies the conversation the message belongs to, prefixed by its channel:
	// "wecom:" customer|staff (or "wecom:room:" room id), "kf:" open_kfid|external_userid,
	// "csv:" session id, "plain:" chat_id, "log:" channel:chat (a zhiyi export decision); "" when
	// the format has none.
	Conversation string
	// Channel is wecom, kf, csv or plain; OpenKfID the 微信客服 account, where there is one.
	Channel  string
	OpenKfID string
	// Agent marks an agent's reply (only with Importer.Agents).
	Agent bool
	// Duplicate marks a customer text seen before (only with Importer.KeepDuplicates).
	Duplicate bool
}

// Skip reasons counted by Import.
const (
	SkipNotCustomer = "not_customer" // agent replies, system events
	SkipNotText     = "not_text"     // image, voice, file, …
	SkipRecall      = "recall"       // a recalled message's revoke event
	SkipDuplicate   = "duplicate"    // the same text (after normalisation) seen before
	SkipEmpty       = "empty"        // no text after normalisation
	SkipMalformed   = "malformed"    // a line that does not parse, is not UTF-8, or has personal data for a label
	SkipTooLong     = "too_long"     // a message over Importer.MaxTextBytes
)

// DefaultMaxTextBytes is the longest message Import keeps, in UTF-8 bytes: what zhiyi serve
// accepts (serve.DefaultMaxTextBytes, the WeCom text limit). Longer ones are not chat messages
// a customer typed, and one of megabytes costs gigabytes downstream.
const DefaultMaxTextBytes = 2048

// maxReported is how many malformed lines are named individually.
const maxReported = 5

// ImportStats says what Import read, kept and skipped, and why.
type ImportStats struct {
	Files    int            `json:"files"`
	Lines    int            `json:"lines"`
	Kept     int            `json:"kept"`
	Labelled int            `json:"labelled"`
	Agent    int            `json:"agent,omitempty"` // agents' text replies passed on (Importer.Agents)
	Skipped  map[string]int `json:"skipped"`
	// Problems names the first few malformed and oversized lines, as "file:line: reason". The
	// reason is masked (nlp.Mask): a misaligned CSV puts phones where dates belong.
	Problems []string `json:"problems,omitempty"`
	// AgentRoles counts the values of a CSV role column read as an agent's (not one of
	// CSVColumns.Customer), the first few of them: what to map with --csv customer=… when a
	// CRM names its customers otherwise.
	AgentRoles map[string]int `json:"agent_roles,omitempty"`
	// GB18030 names the CSV files read as GB18030 (GBK), not UTF-8: what Excel on a Chinese
	// Windows writes.
	GB18030 []string `json:"gb18030,omitempty"`
}

// maxAgentRoles bounds ImportStats.AgentRoles.
const maxAgentRoles = 10

func (s *ImportStats) agentRole(v string) {
	if s.AgentRoles == nil {
		s.AgentRoles = map[string]int{}
	}
	if _, ok := s.AgentRoles[v]; ok || len(s.AgentRoles) < maxAgentRoles {
		s.AgentRoles[v]++
	}
}

func (s *ImportStats) skip(reason, where string, err error) {
	if s.Skipped == nil {
		s.Skipped = map[string]int{}
	}
	s.Skipped[reason]++
	if (reason == SkipMalformed || reason == SkipTooLong) && len(s.Problems) < maxReported {
		why := err.Error()
		if masked, set := nlp.Mask(nlp.Normalize(why)); set != 0 {
			why = masked
		}
		s.Problems = append(s.Problems, where+": "+why)
	}
}

// String summarises the stats in one line for people.
func (s ImportStats) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d files, %d lines read, %d messages kept (%d labelled)", s.Files, s.Lines, s.Kept, s.Labelled)
	if s.Agent > 0 {
		fmt.Fprintf(&b, ", %d agent replies", s.Agent)
	}
	if len(s.GB18030) > 0 {
		fmt.Fprintf(&b, ", %d read as GB18030 (%s)", len(s.GB18030), strings.Join(s.GB18030, ", "))
	}
	keys := make([]string, 0, len(s.Skipped))
	for k := range s.Skipped {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		if i == 0 {
			b.WriteString("; skipped:")
		}
		fmt.Fprintf(&b, " %s %d", k, s.Skipped[k])
	}
	return b.String()
}

// Importer streams customer messages out of exported chat files.
type Importer struct {
	CSV CSVColumns
	// Location interprets CSV times without a zone; nil means UTC+8 (China Standard Time).
	Location *time.Location
	// Agents also passes agents' text replies to the callback (Message.Agent), for what the
	// conversation around a customer message says. They are counted apart (ImportStats.Agent).
	Agents bool
	// KeepDuplicates passes repeated customer texts on, marked Message.Duplicate, instead of
	// skipping them: a conversation replay needs every turn. They are still counted as skipped.
	KeepDuplicates bool
	// MaxTextBytes skips messages longer than this many UTF-8 bytes (SkipTooLong); 0 means
	// DefaultMaxTextBytes, a negative value no limit. A JSON line too long to hold such a
	// message is skipped as it is read, never held whole.
	MaxTextBytes int

	stats ImportStats
	seen  map[uint64]struct{}
	// members are the WeCom members whose ids start wm or wo, as customers' do, known from the
	// one-to-one messages read so far (customerOf): a group chat's message does not tell.
	members map[string]bool
}

// NewImporter returns an Importer with the default CSV columns.
func NewImporter() *Importer {
	return &Importer{CSV: DefaultCSVColumns(), seen: map[uint64]struct{}{}, members: map[string]bool{}}
}

// Stats returns what has been imported so far.
func (im *Importer) Stats() ImportStats { return im.stats }

// IsDataFile reports whether the importer reads the file name when it lies in a directory it is
// given: .jsonl, .json, .ndjson or .csv, in any case. A report or a sheet written beside the
// exports (eval.html) is no input.
func IsDataFile(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".jsonl", ".json", ".csv", ".ndjson":
		return true
	}
	return false
}

// Files expands paths (files or directories, searched recursively for the files IsDataFile
// names) into a sorted list of files.
func Files(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("data: %w", err)
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if IsDataFile(path) && !d.IsDir() {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("data: %w", err)
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("data: no .jsonl, .json or .csv files in %s", p)
		}
		sort.Strings(found)
		out = append(out, found...)
	}
	return out, nil
}

// Import reads every file in paths and calls fn for each customer text message, in file order.
// Malformed lines — unparseable, not UTF-8 (the encoding guessed, e.g. GBK, is named), mostly
// U+FFFD (decoded with the wrong encoding upstream), or with personal data where the label
// belongs — and messages over MaxTextBytes are counted and the first few named in the stats;
// they never stop the run. A CSV whose header is not UTF-8, an error from fn, an unreadable
// file or a cancelled ctx stops it.
func (im *Importer) Import(ctx context.Context, paths []string, fn func(Message) error) error {
	files, err := Files(paths)
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := im.importFile(ctx, f, fn); err != nil {
			return err
		}
	}
	return nil
}

func (im *Importer) importFile(ctx context.Context, path string, fn func(Message) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	im.stats.Files++
	if strings.EqualFold(filepath.Ext(path), ".csv") {
		return im.importCSV(ctx, path, f, fn)
	}
	return im.importJSONL(ctx, path, f, fn)
}

// emitAgent passes an agent's reply on when the Importer wants them.
func (im *Importer) emitAgent(m Message, fn func(Message) error) error {
	if !im.Agents {
		im.stats.skip(SkipNotCustomer, m.Source, nil)
		return nil
	}
	if nlp.Normalize(m.Text) == "" {
		im.stats.skip(SkipEmpty, m.Source, nil)
		return nil
	}
	m.Agent, m.Intent = true, ""
	im.stats.Agent++
	return fn(m)
}

func (im *Importer) maxText() int {
	if im.MaxTextBytes == 0 {
		return DefaultMaxTextBytes
	}
	return im.MaxTextBytes
}

// maxLine is the longest JSON line that can hold a message of maxText bytes: every byte
// escaped (\u00XX), and room for the other fields.
func (im *Importer) maxLine() int {
	if im.maxText() < 0 {
		return -1
	}
	return 6*im.maxText() + 64<<10
}

func (im *Importer) emit(m Message, fn func(Message) error) error {
	if max := im.maxText(); max >= 0 && len(m.Text) > max {
		im.stats.skip(SkipTooLong, m.Source, fmt.Errorf("message of %d bytes, over the limit of %d", len(m.Text), max))
		return nil
	}
	if err := checkDecoded(m.Text); err != nil {
		im.stats.skip(SkipMalformed, m.Source, err)
		return nil
	}
	if _, set := nlp.Mask(nlp.Normalize(m.Intent)); set != 0 {
		// a label is an intent's name; one that holds a phone or an ID number is a column
		// out of place
		im.stats.skip(SkipMalformed, m.Source, fmt.Errorf("the label holds personal data (%s): columns out of place?", set))
		return nil
	}
	norm := nlp.Normalize(m.Text)
	if norm == "" {
		im.stats.skip(SkipEmpty, m.Source, nil)
		return nil
	}
	h := fnv.New64a()
	h.Write([]byte(norm))
	key := h.Sum64()
	if _, dup := im.seen[key]; dup {
		im.stats.skip(SkipDuplicate, m.Source, nil)
		if !im.KeepDuplicates {
			return nil
		}
		m.Duplicate = true
		m.Intent = strings.TrimSpace(m.Intent)
		return fn(m)
	}
	im.seen[key] = struct{}{}
	m.Intent = strings.TrimSpace(m.Intent)
	im.stats.Kept++
	if m.Intent != "" {
		im.stats.Labelled++
	}
	return fn(m)
}

// unixAuto reads a Unix time in seconds or milliseconds (exports use both); 0 (or less) is no
// time, as sent_at 0 is to /intent, not 1970-01-01: the oldest message of the export, and one
// before any --since.
func unixAuto(v int64) time.Time {
	if v <= 0 {
		return time.Time{}
	}
	if v > 1e11 {
		return time.UnixMilli(v)
	}
	return time.Unix(v, 0)
}
