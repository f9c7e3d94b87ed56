package train

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fuzzImport seeds f with the test exports of the given extension and checks that reading any
// file of that format returns messages or an error, never panics, and names the file in both.
func fuzzImport(f *testing.F, ext string, read func(im *Importer, path string, data string, fn func(Message) error) error) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "import", "*"+ext))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add("\xef\xbb\xbf")
	f.Fuzz(func(t *testing.T, data string) {
		path := "export" + ext
		err := read(NewImporter(), path, data, func(m Message) error {
			if !strings.HasPrefix(m.Source, path) {
				t.Fatalf("message from %q: source %q", path, m.Source)
			}
			return nil
		})
		if err != nil && !strings.Contains(err.Error(), path) {
			t.Fatalf("error without the file's name: %v", err)
		}
	})
}

func FuzzImportCSV(f *testing.F) {
	fuzzImport(f, ".csv", func(im *Importer, path, data string, fn func(Message) error) error {
		return im.importCSV(context.Background(), path, strings.NewReader(data), fn)
	})
}

func FuzzImportJSONL(f *testing.F) {
	fuzzImport(f, ".jsonl", func(im *Importer, path, data string, fn func(Message) error) error {
		return im.importJSONL(context.Background(), path, strings.NewReader(data), fn)
	})
}
