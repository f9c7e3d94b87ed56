package train

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/zhiyi-ai/zhiyi/nlp"
)

// Label assigns an intent to messages. It comes from a --labels file, in one of three shapes:
//
//	{"msgid":"…","intent":"…"}                      one exported message, by its id
//	{"text":"…","intent":"…"}                       a message by its text (after normalising and
//	                                                masking), or a new example when none matches
//	{"cluster":"c17","members":["msgid",…],"intent":"…",…}   a line of a cluster sheet (zhiyi cluster)
//
// Intent is an intent id of the knowledge base, "none" (out of scope), "new:<中文标签>" (an intent
// the knowledge base does not have yet), or empty (no decision: the line is skipped).
type Label struct {
	MsgIDs  []string // one for a msgid line, the members of a cluster
	Text    string   // a text line
	Intent  string
	Cluster string   // the cluster id of a sheet line
	Samples []string // a sheet line's sample texts (masked)
	Source  string   // file:line
}

// CheckSheetSamples checks a sheet line against the texts its members have where it is applied
// (a decision log, exports): a cluster's samples are texts of its members, so when none of the
// members found there has a sample's text, the sheet was made from other messages — another
// shop's log, whose message ids this one also has (an agency's sheets kept side by side), or a
// line whose members were edited — and applying it would label unrelated messages. Lines
// without samples (msgid and text lines, a sheet written by hand) and lines none of whose
// members were found pass.
func CheckSheetSamples(l Label, texts []string) error {
	if len(l.Samples) == 0 || len(texts) == 0 {
		return nil
	}
	samples := make(map[string]bool, len(l.Samples))
	for _, s := range l.Samples {
		samples[textKey(s)] = true
	}
	for _, t := range texts {
		if samples[textKey(t)] {
			return nil
		}
	}
	return fmt.Errorf("%s: cluster %s: none of its %d members found here has the text of one of its samples (%q…): the sheet was made from other messages — another shop's decision log whose message ids this one shares, or members edited; give it to the shop it came from",
		l.Source, l.Cluster, len(texts), l.Samples[0])
}

// NewIntentPrefix starts a label that names an intent the knowledge base does not have yet.
const NewIntentPrefix = "new:"

// labelLine is every field a label file's line may carry. Sheet lines carry more (size,
// suggested, terms …) that label reading does not need.
type labelLine struct {
	MsgID   string   `json:"msgid"`
	MsgID2  string   `json:"msg_id"`
	Text    *string  `json:"text"`
	Intent  *string  `json:"intent"`
	Cluster string   `json:"cluster"`
	Members []string `json:"members"`
	Samples []string `json:"samples"`
}

// ReadLabels reads a label file. Every malformed line is reported (file:line) in the joined error;
// the labels of the good lines are returned either way.
func ReadLabels(path string) ([]Label, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("labels: %w", err)
	}
	defer f.Close()
	return readLabels(f, path)
}

// MaxLabelLineBytes bounds a line of a label file: a cluster sheet's line of a million members
// is some 40 MB. A longer line is refused at its number, read past without being held.
const MaxLabelLineBytes = 64 << 20

var labelLineLimit = MaxLabelLineBytes // tests lower it

func readLabels(r io.Reader, path string) ([]Label, error) {
	var out []Label
	var errs []error
	br := bufio.NewReaderSize(r, 64*1024)
	var buf []byte
	for n := 1; ; n++ {
		line, size, err := readLine(br, buf[:0], labelLineLimit)
		if line != nil {
			buf = line
		} else if size > 0 {
			errs = append(errs, fmt.Errorf("%s:%d: a line of %d bytes, over the %d MiB a label line may have (MaxLabelLineBytes): not a label file?",
				path, n, size, labelLineLimit>>20))
		}
		if len(line) > 0 {
			if n == 1 {
				line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
			}
			where := fmt.Sprintf("%s:%d", path, n)
			if l, bad := parseLabelLine(bytes.TrimSpace(line), where); bad != nil {
				errs = append(errs, bad)
			} else if l != nil {
				out = append(out, *l)
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return out, fmt.Errorf("%s:%d: %w", path, n, err)
		}
	}
	return out, errors.Join(errs...)
}

// parseLabelLine reads one line; nil, nil for a blank line.
func parseLabelLine(line []byte, where string) (*Label, error) {
	if len(line) == 0 {
		return nil, nil
	}
	if err := nlp.CheckUTF8(line); err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	if cell, ok := SpreadsheetCell(line); ok {
		line = cell // a sheet a spreadsheet saved back as CSV: the cell is the line
	}
	var l labelLine
	dec := json.NewDecoder(bytes.NewReader(line))
	if err := dec.Decode(&l); err != nil {
		return nil, fmt.Errorf("%s: %w", where, jsonProblem(err, line))
	}
	if rest := bytes.TrimSpace(line[dec.InputOffset():]); len(rest) > 0 {
		// Two labels glued on one line (a lost newline) would lose the second without a word.
		if r := []rune(string(rest)); len(r) > 20 {
			rest = []byte(string(r[:20]) + "…")
		}
		return nil, fmt.Errorf("%s: more after the label's JSON object (%s): one label a line", where, rest)
	}
	if l.Intent == nil {
		return nil, fmt.Errorf(`%s: no "intent" field`, where)
	}
	lab := &Label{Intent: strings.TrimSpace(*l.Intent), Source: where, Cluster: l.Cluster, Samples: l.Samples}
	id := l.MsgID
	if id == "" {
		id = l.MsgID2
	}
	switch {
	case l.Cluster != "":
		if len(l.Members) == 0 {
			return nil, fmt.Errorf("%s: cluster %s has no members", where, l.Cluster)
		}
		lab.MsgIDs = l.Members
	case id != "":
		lab.MsgIDs = []string{id}
	case l.Text != nil && nlp.Normalize(*l.Text) != "": // not only white space or zero-width characters
		lab.Text = *l.Text
	default:
		return nil, fmt.Errorf(`%s: want "msgid", "text" or a cluster's "members"`, where)
	}
	if strings.HasPrefix(lab.Intent, NewIntentPrefix) && strings.TrimSpace(lab.Intent[len(NewIntentPrefix):]) == "" {
		return nil, fmt.Errorf("%s: %q names no label after %q", where, lab.Intent, NewIntentPrefix)
	}
	return lab, nil
}

// SpreadsheetCell reads back a line that a spreadsheet saved as CSV — Excel's "CSV UTF-8" of a
// sheet opened one line a cell: the JSON object quoted, its quotes doubled ("{""cluster"":…}").
// ok is false for any other line.
func SpreadsheetCell(line []byte) ([]byte, bool) {
	if len(line) < 4 || !bytes.HasPrefix(line, []byte(`"{`)) || !bytes.HasSuffix(line, []byte(`}"`)) {
		return nil, false
	}
	inner := line[1 : len(line)-1]
	// Every quote inside is doubled in a CSV cell; a line with a lone one is something else.
	for i := 0; i < len(inner); i++ {
		if inner[i] == '"' {
			if i+1 == len(inner) || inner[i+1] != '"' {
				return nil, false
			}
			i++
		}
	}
	return bytes.ReplaceAll(inner, []byte(`""`), []byte(`"`)), true
}
