package store

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// SpoolDirName is the spool's directory inside the data directory.
const SpoolDirName = "spool"

// spoolRecord is one line of a spool file: a decision or a feedback, as JSON.
type spoolRecord struct {
	D *Decision `json:"d,omitempty"`
	F *Feedback `json:"f,omitempty"`
	// Orphan is when a replayed feedback first found no decision (another replica may still
	// hold it in its spool); After is when it is tried again. Zero for everything else.
	Orphan time.Time `json:"orphan,omitzero"`
	After  time.Time `json:"after,omitzero"`
}

// spoolFile is a closed spool file waiting for replay.
type spoolFile struct {
	path    string
	size    int64
	records int64 // lines, torn or not: what replaying the file takes off the backlog
	// due is set on a file of feedback waiting for its decision alone (addWaiting): the
	// earliest of their After times. A replay before it leaves the file as it is.
	due time.Time
}

// spool is the Recorder's local append-only store for records the database could not take.
// Records are JSON lines in numbered files (00000000000000000001.jsonl …) in one directory:
// appends go to the newest file; replay first closes it (rotate), so appends made during a
// replay start a new file, and replays the closed files oldest first, removing each once all
// of it is in the database. Every append reaches the operating system before it returns (a
// process crash loses nothing); fsync runs at most once per sync call (the recorder's
// SyncInterval), so a power cut may lose that long. The total size is bounded by max: a
// record that would pass it is dropped, and the caller counts it.
type spool struct {
	dir string
	max int64

	mu         sync.Mutex
	closed     []spoolFile // oldest first
	cur        *os.File
	curPath    string
	curSize    int64
	curRecords int64
	w          *bufio.Writer
	dirty      bool // written since the last fsync
	next       uint64
	buf        bytes.Buffer
	enc        *json.Encoder

	size    atomic.Int64 // bytes in all files, closed and current
	records atomic.Int64 // records in all files, replayed ones included until their file is removed

	unlock func() // the directory's lock: one process appends and replays
}

// spoolLockName is the lock file in a spool directory.
const spoolLockName = ".lock"

func openSpool(dir string, max int64) (*spool, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("store: cannot make the spool directory %s: %w", dir, err)
	}
	// Two processes on one spool would take each other's file names and replay each other's
	// records while they are being written: one --data-dir, one serve.
	unlock, err := tryLockFile(filepath.Join(dir, spoolLockName))
	if errors.Is(err, errLocked) {
		return nil, fmt.Errorf("store: the spool %s is another running zhiyi's (the same --data-dir): give each process its own --data-dir", dir)
	}
	if err != nil {
		return nil, err
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		unlock()
		return nil, fmt.Errorf("store: cannot read the spool directory %s: %w", dir, err)
	}
	s := &spool{dir: dir, max: max, next: 1, unlock: unlock}
	s.enc = json.NewEncoder(&s.buf)
	s.enc.SetEscapeHTML(false)
	var seqs []uint64
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ".jsonl")
		seq, err := strconv.ParseUint(name, 10, 64)
		if !ok || err != nil || e.IsDir() {
			continue
		}
		seqs = append(seqs, seq)
	}
	slices.Sort(seqs)
	for _, seq := range seqs {
		path := s.pathOf(seq)
		f := spoolFile{path: path}
		data, err := os.ReadFile(path) // bounded by the spool's maximum
		if err != nil {
			// Unreadable (permissions, a bad sector): kept, and its size counted as far as the
			// directory knows it, for the replay to report and try again as it does a file
			// that turns unreadable while running. Refusing to start over it kept the whole
			// service down for a file of the decision log.
			if fi, serr := os.Stat(path); serr == nil {
				f.size = fi.Size()
			}
		} else {
			f.size, f.records = int64(len(data)), int64(bytes.Count(data, []byte{'\n'}))
			if len(data) > 0 && data[len(data)-1] != '\n' {
				f.records++ // a torn last line
			}
		}
		s.closed = append(s.closed, f)
		s.size.Add(f.size)
		s.records.Add(f.records)
		s.next = seq + 1
	}
	return s, nil
}

func (s *spool) pathOf(seq uint64) string {
	return filepath.Join(s.dir, fmt.Sprintf("%020d.jsonl", seq))
}

// Bytes returns the spool's size in bytes.
func (s *spool) Bytes() int64 { return s.size.Load() }

// Records is how many records the spool holds: the backlog, from this run or an earlier one.
func (s *spool) Records() int64 { return s.records.Load() }

// append writes records in order and returns how many were written and how many were
// dropped because the spool was full. An error means the file could not be written (a full
// disk): what this call wrote is taken back off the file, and all its records count as
// dropped, so the counts never include a record that is not on disk.
func (s *spool) append(recs []spoolRecord) (written, dropped int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// what to go back to when a write fails: the buffer is empty between calls (each ends
	// with a flush), so the file on disk is curSize long
	cur, curSize, curRecords, size, records := s.cur, s.curSize, s.curRecords, s.size.Load(), s.records.Load()
	fail := func(err error) (int, int, error) {
		if s.cur != nil && s.cur == cur {
			s.w.Reset(s.cur) // the unwritten rest of the buffer goes
			if terr := s.cur.Truncate(curSize); terr != nil {
				err = errors.Join(err, terr)
			}
		} else if s.cur != nil { // made by this call: nothing of it is worth keeping
			s.cur.Close()
			os.Remove(s.curPath)
			s.cur, s.curPath = cur, ""
		}
		s.curSize, s.curRecords = curSize, curRecords
		s.size.Store(size)
		s.records.Store(records)
		return 0, len(recs), err
	}
	for i := range recs {
		s.buf.Reset()
		if err := s.enc.Encode(&recs[i]); err != nil {
			return fail(fmt.Errorf("store: cannot encode a spool record: %w", err))
		}
		n := int64(s.buf.Len())
		if s.size.Load()+n > s.max {
			dropped++
			continue
		}
		if s.cur == nil {
			if err := s.create(); err != nil {
				return fail(err)
			}
		}
		if _, err := s.w.Write(s.buf.Bytes()); err != nil {
			return fail(fmt.Errorf("store: cannot write the spool %s: %w", s.curPath, err))
		}
		s.curSize += n
		s.curRecords++
		s.size.Add(n)
		s.records.Add(1)
		written++
	}
	if s.w != nil && s.w.Buffered() > 0 {
		s.dirty = true
		if err := s.w.Flush(); err != nil {
			return fail(fmt.Errorf("store: cannot write the spool %s: %w", s.curPath, err))
		}
	}
	return written, dropped, nil
}

func (s *spool) create() error {
	path := s.pathOf(s.next)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("store: cannot create spool file %s: %w", path, err)
	}
	s.next++
	s.cur, s.curPath, s.curSize = f, path, 0
	if s.w == nil {
		s.w = bufio.NewWriterSize(f, 64<<10)
	} else {
		s.w.Reset(f)
	}
	// Make the new name durable too: fsync the directory once per file.
	if d, err := os.Open(s.dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// sync fsyncs the current file if it was written since the last sync.
func (s *spool) sync() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur == nil || !s.dirty {
		return nil
	}
	s.dirty = false
	if err := s.cur.Sync(); err != nil {
		return fmt.Errorf("store: cannot fsync the spool %s: %w", s.curPath, err)
	}
	return nil
}

// rotate closes the current file (fsynced) and returns the closed files, oldest first.
func (s *spool) rotate() ([]spoolFile, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.closeCurrent(); err != nil {
		return nil, err
	}
	return slices.Clone(s.closed), nil
}

// closeCurrent flushes, fsyncs and closes the current file, which joins the closed ones.
func (s *spool) closeCurrent() error {
	var err error
	if s.cur != nil {
		if ferr := s.w.Flush(); ferr != nil {
			err = ferr
		}
		if serr := s.cur.Sync(); err == nil && serr != nil {
			err = serr
		}
		if cerr := s.cur.Close(); err == nil && cerr != nil {
			err = cerr
		}
		s.closed = append(s.closed, spoolFile{path: s.curPath, size: s.curSize, records: s.curRecords})
		s.cur, s.curPath, s.curSize, s.curRecords, s.dirty = nil, "", 0, 0, false
	}
	if err != nil {
		return fmt.Errorf("store: cannot close the spool file: %w", err)
	}
	return nil
}

// addWaiting writes recs, feedback waiting for its decision, to a closed file of their own that
// replays pass over until the earliest of their After times: a replay that finds none of them
// due then neither reads nor rewrites them (before, every Flush did, and each POST /feedback on
// an unknown message flushes). The current file is closed first, so what was spooled before
// stays ahead of them. The records come from a replayed file that is removed next and held their
// room there: they are not held to max, which would drop feedback kept safe through an outage
// that filled the spool (their wait times make each a few dozen bytes longer than it was).
// Nothing is written on an error.
func (s *spool) addWaiting(recs []spoolRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.closeCurrent(); err != nil {
		return err
	}
	var data []byte
	var due time.Time
	for i := range recs {
		s.buf.Reset()
		if err := s.enc.Encode(&recs[i]); err != nil {
			return fmt.Errorf("store: cannot encode a spool record: %w", err)
		}
		data = append(data, s.buf.Bytes()...)
		if a := recs[i].After; i == 0 || a.Before(due) {
			due = a
		}
	}
	if len(recs) == 0 {
		return nil
	}
	path := s.pathOf(s.next)
	if err := writeSpoolFile(path, data); err != nil {
		return err
	}
	s.next++
	if d, err := os.Open(s.dir); err == nil {
		d.Sync()
		d.Close()
	}
	s.closed = append(s.closed, spoolFile{path: path, size: int64(len(data)), records: int64(len(recs)), due: due})
	s.size.Add(int64(len(data)))
	s.records.Add(int64(len(recs)))
	return nil
}

// writeSpoolFile writes a new spool file whole and fsyncs it; on failure nothing of it remains.
func writeSpoolFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("store: cannot create spool file %s: %w", path, err)
	}
	_, err = f.Write(data)
	if serr := f.Sync(); err == nil {
		err = serr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("store: cannot write spool file %s: %w", path, err)
	}
	return nil
}

// remove deletes a replayed file.
func (s *spool) remove(f spoolFile) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := os.Remove(f.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("store: cannot remove replayed spool file %s: %w", f.path, err)
	}
	s.closed = slices.DeleteFunc(s.closed, func(c spoolFile) bool { return c.path == f.path })
	s.size.Add(-f.size)
	s.records.Add(-f.records)
	return nil
}

// close flushes, fsyncs and closes the current file; the spool stays on disk for the next run.
func (s *spool) close() error {
	_, err := s.rotate()
	s.unlock()
	return err
}

// spoolReader reads one spool file's records from an offset.
type spoolReader struct {
	f    *os.File
	r    *bufio.Reader
	off  int64 // offset of the next record
	path string
	line int
}

func openSpoolReader(path string, off int64) (*spoolReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("store: cannot open spool file %s: %w", path, err)
	}
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("store: cannot seek spool file %s: %w", path, err)
	}
	return &spoolReader{f: f, r: bufio.NewReaderSize(f, 256<<10), off: off, path: path}, nil
}

// errBadRecord marks a spool line that is not a record (a torn write at a crash): the caller
// counts it as dropped and goes on.
var errBadRecord = errors.New("store: unreadable spool record")

// errLocked is tryLockFile's error when another process holds the lock (only where flock is).
var errLocked = errors.New("held by another process")

// next returns the next record and the offset just after it; io.EOF at the end.
func (r *spoolReader) next() (spoolRecord, int64, error) {
	var rec spoolRecord
	line, err := r.r.ReadBytes('\n')
	if len(line) == 0 && err != nil {
		return rec, r.off, err
	}
	r.off += int64(len(line))
	r.line++
	if jerr := json.Unmarshal(line, &rec); jerr != nil || (rec.D == nil) == (rec.F == nil) {
		return rec, r.off, fmt.Errorf("%w at %s:%d", errBadRecord, r.path, r.line)
	}
	return rec, r.off, nil
}

func (r *spoolReader) close() { r.f.Close() }
