package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestTablesUpToDate generates the tables afresh and wants the committed files, byte for byte.
func TestTablesUpToDate(t *testing.T) {
	dir := t.TempDir()
	if err := run(dir); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"fold_table.go", "pinyin_table.go"} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join("..", "..", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("nlp/%s is out of date: run go generate ./nlp", name)
		}
	}
}
