package train

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/zhiyi-ai/zhiyi/intent"
)

// RefusedFile lists, beside the bundles (in the directory that holds the bundle learnt from),
// every correction of a batch the gate refused, one JSON line each with the bundle it was judged
// against and the reason. Learn leaves those corrections out of every later run: the corrections
// are taken since the serving bundle was made, so a refused batch is collected again at the next
// run, and diluted among enough genuine corrections a poisoned one passed (a random batch of 12
// refused alone was promoted among 28 genuine ones). Each line is a labels-file line too
// ({"text","intent"}): an operator who vouches for some re-labels them with zhiyi learn --labels,
// whose corrections (Checked) are judged again.
const RefusedFile = "learn-refused.jsonl"

// Refusal is one line of RefusedFile.
type Refusal struct {
	Text   string    `json:"text"` // normalised and masked, as the history keeps it
	Intent string    `json:"intent"`
	Time   time.Time `json:"refused_at"`
	Bundle string    `json:"bundle"` // the version the batch was judged against
	// Line is the line of bundles it was judged for: the directory name the bundle trained from
	// exports has (shop-a of shop-a-learnt-20261207T101500Z), as learnt bundles are named and
	// pruned. Absent in older lines, which go by Bundle's name.
	Line   string `json:"line,omitempty"`
	Reason string `json:"reason"`
}

// RefusedPath is the RefusedFile of the bundles beside model.
func RefusedPath(model string) string {
	return filepath.Join(filepath.Dir(filepath.Clean(model)), RefusedFile)
}

// ReadRefused returns the refusals recorded beside model (none when the file does not exist).
func ReadRefused(model string) ([]Refusal, error) {
	f, err := os.Open(RefusedPath(model))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("learn: refused corrections: %w", err)
	}
	defer f.Close()
	var out []Refusal
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var r Refusal
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return out, fmt.Errorf("learn: %s:%d: %w", RefusedPath(model), n, err)
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		return out, fmt.Errorf("learn: %s: %w", RefusedPath(model), err)
	}
	return out, nil
}

// LeaveOutRefused splits corrections into those to learn and those of a batch the gate refused
// before (the same text, normalised and masked, to the same intent), as recorded beside model
// for a bundle of model's name (its line: the bundle trained from exports and those learnt from
// it); refusals of the other bundles in the directory are not model's.
// An operator's label (Checked) is never left out: it is how a refused correction is vouched for.
func LeaveOutRefused(model string, corrections []Correction) (keep, refused []Correction, err error) {
	// A damaged file fails learning: read in part, it would let refused corrections through.
	rs, err := ReadRefused(model)
	if err != nil {
		return nil, nil, err
	}
	line, name := dirLine(model), lineName(model)
	marked := make(map[Labelled]bool, len(rs))
	for _, r := range rs {
		// The file is the models directory's, and several shops' bundles may sit in one (an
		// agency's models/shop-a, models/shop-c, a copy of shop-a's bundle under its manifest's
		// name): a batch refused for another line of bundles says nothing of this one's
		// corrections, which may be the same words to the same intent.
		// A line written before refusals named their line goes by its bundle's name, the
		// manifest's or the directory's (a copied bundle keeps the name it was trained under).
		if r.Line != "" && r.Line != line || r.Line == "" && versionName(r.Bundle) != name && versionName(r.Bundle) != line {
			continue
		}
		marked[Labelled{Text: textKey(r.Text), Intent: r.Intent}] = true
	}
	for _, c := range corrections {
		if !c.Checked && marked[Labelled{Text: textKey(c.Text), Intent: c.Intent}] {
			refused = append(refused, c)
		} else {
			keep = append(keep, c)
		}
	}
	return keep, refused, nil
}

// lineName is the name a bundle's versions start with (Manifest.Name, shared by the bundles
// learnt from it): the manifest's, or the directory's base name, which train gives a bundle,
// when there is no manifest to read.
func lineName(model string) string {
	if m, err := intent.PeekManifest(model); err == nil && m.Name != "" {
		return m.Name
	}
	return filepath.Base(filepath.Clean(model))
}

// dirLine is the line of the bundle in dir by its directory's name: the name before
// "-learnt-", which learnt bundles add to their parent's (learn.Prune keeps lines apart by it).
func dirLine(dir string) string {
	base := filepath.Base(filepath.Clean(dir))
	if i := strings.Index(base, "-learnt-"); i > 0 {
		base = base[:i]
	}
	return base
}

// versionName is the name part of a version (shop of shop@20261206T055435Z-2).
func versionName(version string) string {
	if i := strings.LastIndex(version, "@"); i >= 0 {
		return version[:i]
	}
	return version
}

// recordRefused appends a refused batch to RefusedFile beside parent, in one write (O_APPEND),
// so that runs learning beside each other do not interleave their lines.
func recordRefused(parent, version, reason string, batch []Labelled) error {
	var b []byte
	now := time.Now().UTC()
	for _, l := range batch {
		line, err := json.Marshal(Refusal{Text: l.Text, Intent: l.Intent, Time: now, Bundle: version, Line: dirLine(parent), Reason: reason})
		if err != nil {
			return err
		}
		b = append(append(b, line...), '\n')
	}
	path := RefusedPath(parent)
	dir, err := os.Stat(filepath.Dir(path))
	if err != nil {
		return fmt.Errorf("learn: recording the refused batch: %w", err)
	}
	mode := refusedMode(dir.Mode())
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, mode)
	if err != nil {
		return fmt.Errorf("learn: recording the refused batch: %w", err)
	}
	// Best effort, both (the record matters more than its mode): root's file (sudo zhiyi learn)
	// is given to the directory's owner and group, or the serve --learn of the service's user
	// could neither read it (every learn failed) nor add to it; one written 0644 by an older
	// version is tightened (root sets the mode, which may widen it to the group's).
	_ = giveToDirOwner(f, dir)
	if st, err := f.Stat(); err == nil && st.Mode().Perm() != mode && (st.Mode().Perm()&^mode != 0 || os.Geteuid() == 0) {
		_ = f.Chmod(mode)
	}
	// A short write (a full disk) would leave a torn last line, and ReadRefused fails every later
	// learn on it, even once space is back: the file is cut back to the size it had, so it holds
	// whole lines only. Runs beside each other are rare (a tick and a zhiyi learn); one appending
	// between the Stat and a failed write loses its batch, never the file.
	var size int64 = -1
	if st, serr := f.Stat(); serr == nil {
		size = st.Size()
	}
	_, err = refusedWrite(f, b)
	if err == nil {
		err = f.Sync()
	}
	if err != nil && size >= 0 {
		if terr := f.Truncate(size); terr != nil {
			err = fmt.Errorf("%w (and cutting back the torn line: %v)", err, terr)
		}
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("learn: recording the refused batch: %w", err)
	}
	return nil
}

// refusedMode is RefusedFile's mode in a directory of mode dir: 0600, as the decision log (the
// lines hold customer text, masked but still theirs), and 0660 where the directory's group may
// write (the models shared with the service's group: docs/operations.md, Deploying), so that
// the group's serve --learn appends to a file root made.
func refusedMode(dir os.FileMode) os.FileMode {
	if dir.Perm()&0o020 != 0 {
		return 0o660
	}
	return 0o600
}

// refusedWrite writes the batch; tests replace it to fail part way, as a full disk does.
var refusedWrite = func(f *os.File, b []byte) (int, error) { return f.Write(b) }
