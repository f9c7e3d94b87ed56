package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/zhiyi-ai/zhiyi/nlp"
	"github.com/zhiyi-ai/zhiyi/train"
)

// namedPath is one of a command's inputs and the flag that named it, for messages.
type namedPath struct {
	flag, path string
	// reads, when set, says which files of a directory path the command reads (the importer's:
	// train.IsDataFile); nil means every file in it.
	reads func(name string) bool
}

// inputs names paths as given with flag.
func inputs(flag string, paths ...string) []namedPath {
	out := make([]namedPath, 0, len(paths))
	for _, p := range paths {
		if p != "" {
			out = append(out, namedPath{flag: flag, path: p})
		}
	}
	return out
}

// dataInputs names paths given with flag that the importer reads (--data, --dev): of a directory,
// only the files train.IsDataFile names are inputs, so a report written beside the exports
// (--html exports/eval.html) may be written again.
func dataInputs(flag string, paths ...string) []namedPath {
	out := inputs(flag, paths...)
	for i := range out {
		out[i].reads = train.IsDataFile
	}
	return out
}

// checkNotInput refuses an output that would replace one of the command's inputs: out is an
// input file, a file inside an input directory that the command reads there (of an export
// directory, only what the importer reads: not eval.html), or a directory holding an input (a bundle is
// replaced whole). Files are compared with os.SameFile, not by name, so another spelling of the
// path, a symlink or a hard link is caught too. An out that does not exist yet replaces nothing.
// Every command that reads files and writes one calls it before reading anything.
func checkNotInput(outFlag, out string, ins []namedPath) error {
	outInfo, err := os.Stat(out)
	if err != nil {
		return nil // not there yet; one that cannot be read fails when it is written
	}
	for _, in := range ins {
		inInfo, err := os.Stat(in.path)
		if err != nil {
			continue // the command says so when it reads it
		}
		var how string
		switch {
		case os.SameFile(outInfo, inInfo):
			how = "is the " + in.flag + " " + in.path
		case inInfo.IsDir() && under(out, inInfo) && readsFile(in, out):
			how = "lies in the " + in.flag + " directory " + in.path
		case outInfo.IsDir() && under(in.path, outInfo):
			how = "holds the " + in.flag + " " + in.path
		default:
			continue
		}
		return fmt.Errorf("%s %s %s that this command reads: writing it would replace the input; write to another path", outFlag, out, how)
	}
	return nil
}

// readsFile reports whether the command reads out when it lies in the directory in: out's name,
// or the name of the file it links to, is one in.reads names (every name when in.reads is nil).
func readsFile(in namedPath, out string) bool {
	if in.reads == nil || in.reads(out) {
		return true
	}
	target, err := filepath.EvalSymlinks(out)
	return err != nil || in.reads(target)
}

// under reports whether path lies below the directory dir, symlinks resolved.
func under(path string, dir fs.FileInfo) bool {
	p, err := filepath.EvalSymlinks(path)
	if err == nil {
		p, err = filepath.Abs(p)
	}
	if err != nil {
		return false
	}
	for d := filepath.Dir(p); ; d = filepath.Dir(d) {
		if st, err := os.Stat(d); err == nil && os.SameFile(st, dir) {
			return true
		}
		if d == filepath.Dir(d) {
			return false
		}
	}
}

// checkSheetOut refuses to write a cluster sheet (zhiyi cluster, zhiyi unmatched) over anything
// but a sheet nobody has decided a line of: a file that is not a sheet — an export, a label file,
// a sheet saved as GBK by Notepad — or one with decided lines would be lost without a word.
func checkSheetOut(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("--out %s: %w", path, err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return fmt.Errorf("--out %s is a directory; name the sheet file to write", path)
	}
	br := bufio.NewReaderSize(f, 64*1024)
	decided := 0
	for n := 1; ; n++ {
		line, err := readSheetLine(br, maxSheetLine)
		if errors.Is(err, errLongLine) {
			return fmt.Errorf("--out %s:%d is a line of over %d MiB: it is not a cluster sheet, and only a sheet with no decided line is written over; write the new sheet elsewhere", path, n, maxSheetLine>>20)
		}
		if n == 1 {
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
		}
		if line = bytes.TrimSpace(line); len(line) > 0 {
			intent, why := sheetLine(line)
			if why != "" {
				return fmt.Errorf("--out %s:%d %s: it is not a cluster sheet, and only a sheet with no decided line is written over; write the new sheet elsewhere", path, n, why)
			}
			if intent != "" {
				decided++
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("--out %s:%d: %w", path, n, err)
		}
	}
	if decided > 0 {
		return fmt.Errorf("--out %s already holds %d decided label(s); write the new sheet elsewhere (or move that one away): it is what train/learn --labels reads", path, decided)
	}
	return nil
}

// maxSheetLine bounds the line checkSheetOut reads of the file --out names: a sheet's lines are
// label lines (train.MaxLabelLineBytes). Anything longer — an export written as one JSON array
// named as --out by mistake — is no sheet, and is not read whole to find that out.
var maxSheetLine = train.MaxLabelLineBytes

var errLongLine = errors.New("line too long")

// readSheetLine reads a line as bufio.Reader.ReadBytes does, or returns errLongLine once it holds
// more than max bytes.
func readSheetLine(br *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(line)+len(chunk) > max {
			return nil, errLongLine
		}
		line = append(line, chunk...)
		if !errors.Is(err, bufio.ErrBufferFull) {
			return line, err
		}
	}
}

// sheetLine returns the intent of a line of a cluster sheet, or why the line is not one.
func sheetLine(line []byte) (intent, why string) {
	if err := nlp.CheckUTF8(line); err != nil {
		return "", "is " + err.Error()
	}
	if cell, ok := train.SpreadsheetCell(line); ok {
		line = cell // a sheet Excel saved as CSV, as train --labels reads it
	}
	var l struct {
		Cluster string    `json:"cluster"`
		Members *[]string `json:"members"`
		Intent  *string   `json:"intent"`
	}
	if err := json.Unmarshal(line, &l); err != nil {
		return "", "is not a sheet's JSON line (" + err.Error() + ")"
	}
	if l.Cluster == "" || l.Members == nil || l.Intent == nil {
		return "", `lacks a sheet line's "cluster", "members" or "intent"`
	}
	return *l.Intent, ""
}
