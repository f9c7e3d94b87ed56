package store

import (
	"bytes"
	"errors"
	"os"
	"testing"
)

// failingWriter stands for a full disk.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("no space left on device") }

// TestSpoolWriteFailureCountsNothing: records a full disk kept from the file are dropped, not
// counted as spooled, and the file keeps only whole records (it used to count them written and
// lose them at replay); once the disk has room again the spool goes on where it was.
func TestSpoolWriteFailureCountsNothing(t *testing.T) {
	s, err := openSpool(t.TempDir(), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	rec := func(id string) spoolRecord { return spoolRecord{D: &Decision{MsgID: id, Text: "快递到哪了"}} }
	if w, d, err := s.append([]spoolRecord{rec("a"), rec("b")}); w != 2 || d != 0 || err != nil {
		t.Fatalf("append: %d written, %d dropped, %v", w, d, err)
	}
	bytesBefore := s.Bytes()
	s.w.Reset(failingWriter{}) // the disk fills
	if w, d, err := s.append([]spoolRecord{rec("c"), rec("d")}); w != 0 || d != 2 || err == nil {
		t.Fatalf("append on a full disk: %d written, %d dropped, %v; want 0, 2 and the error", w, d, err)
	}
	if s.Records() != 2 || s.Bytes() != bytesBefore {
		t.Errorf("after the failure the spool counts %d records, %d bytes; want 2, %d", s.Records(), s.Bytes(), bytesBefore)
	}
	s.w.Reset(s.cur) // room again
	if w, _, err := s.append([]spoolRecord{rec("e")}); w != 1 || err != nil {
		t.Fatalf("append after the disk has room: %d written, %v", w, err)
	}
	data, err := os.ReadFile(s.curPath)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(data, []byte("\n")); n != 3 || s.Records() != 3 || int64(len(data)) != s.Bytes() {
		t.Errorf("the file holds %d lines (%d bytes), the spool counts %d records (%d bytes); want 3 of each:\n%s", n, len(data), s.Records(), s.Bytes(), data)
	}
	if bytes.Contains(data, []byte(`"msg_id":"c"`)) || bytes.Contains(data, []byte(`"msg_id":"d"`)) {
		t.Errorf("records of the failed append are in the file:\n%s", data)
	}
}
