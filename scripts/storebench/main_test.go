package main

import "testing"

// A small run through the recorder and one through AppendDecisions, on SQLite.
func TestRun(t *testing.T) {
	for _, direct := range []bool{false, true} {
		if err := run(2000, t.TempDir(), "", false, 0, direct); err != nil {
			t.Fatalf("direct=%v: %v", direct, err)
		}
	}
}

// A small copy from SQLite into a private PostgreSQL.
func TestRunCopy(t *testing.T) {
	if err := runCopy(1500, t.TempDir(), ""); err != nil {
		t.Fatal(err)
	}
}
