package experiment

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zhiyi-ai/zhiyi/index"
)

const validOverrides = `version: 1
exclude_senders:
  - wmBossAccount
  - wmTest01
stop: [size_advice.c]
release:
  - return_goods.b
weights:
  size_advice: {size_advice.a: 80, size_advice.b: 20, size_advice.c: 0}
gray_margin: 0.25
gray_min_rated: 50
`

func TestParseOverrides(t *testing.T) {
	o, err := ParseOverrides([]byte(validOverrides), "experiments.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(o.ExcludeSenders) != 2 || o.Stop[0] != "size_advice.c" || o.Release[0] != "return_goods.b" ||
		o.Weights["size_advice"]["size_advice.a"] != 80 || o.GrayMargin != 0.25 || o.GrayMinRated != 50 || o.Name() != "experiments.yaml" {
		t.Errorf("parsed %+v", o)
	}
	o, err = ParseOverrides([]byte("version: 1\n"), "experiments.yaml")
	if err != nil || o.GrayMargin != DefaultGrayMargin || o.GrayMinRated != DefaultGrayMinRated {
		t.Errorf("minimal file: %+v, %v", o, err)
	}
	// a file ending in "---" holds no second document to ignore
	for _, tail := range []string{"---\n", "---\n# end\n"} {
		if _, err := ParseOverrides([]byte("version: 1\n"+tail), "experiments.yaml"); err != nil {
			t.Errorf("file ending %q: %v", tail, err)
		}
	}
	// a whole number written as a float is that number, as it was before fractions were refused
	o, err = ParseOverrides([]byte("version: 1\ngray_min_rated: 30.0\n"), "experiments.yaml")
	if err != nil || o.GrayMinRated != 30 {
		t.Errorf("gray_min_rated: 30.0: %+v, %v", o, err)
	}
	if _, err := LoadOverrides(filepath.Join(t.TempDir(), "missing.yaml")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v, want fs.ErrNotExist", err)
	}
}

func TestParseOverridesErrors(t *testing.T) {
	tests := []struct{ name, file, want string }{
		{"empty", "", "experiments.yaml:1: empty experiments file"},
		{"GBK", "version: 1\n# \xcd\xcb\xbb\xf5\nstop: [a.b]\n", "experiments.yaml:2: not UTF-8: the bytes look like GBK"},
		{"no version", "stop: [a.b]\n", "experiments.yaml:1: version 0: want version: 1"},
		{"version 2", "version: 2\n", "experiments.yaml:1: version 2"},
		{"unknown field", "version: 1\nstopped: [a.b]\n", "experiments.yaml:2: unknown field stopped"},
		{"wrong type", "version: 1\nstop: size_advice.b\n", "experiments.yaml:2: `size_ad...` is not a list"},
		{"syntax", "version: 1\nstop: a: b\n", "experiments.yaml:2: mapping values are not allowed"},
		{"empty sender", "version: 1\nexclude_senders:\n  - wmBoss\n  - \"\"\n", "experiments.yaml:4: exclude_senders #2: empty sender id"},
		// a stray "-" is an empty entry too, at its own line (yaml.v3 leaves null items out of a
		// list, which shifted every later entry's line)
		{"null sender", "version: 1\nexclude_senders:\n  - wmBoss\n  -\n", "experiments.yaml:4: exclude_senders #2: empty sender id"},
		{"after a null stop", "version: 1\nstop:\n  - ~\n  - a.b\n  - a.b\n", `experiments.yaml:5: stop: "a.b" listed twice (first at line 4)`},
		{"sender twice", "version: 1\nexclude_senders:\n  - wmBoss\n  - wmBoss\n", `experiments.yaml:4: exclude_senders: "wmBoss" listed twice (first at line 3)`},
		{"spaces", "version: 1\nstop:\n  - \" a.b\"\n", `experiments.yaml:3: stop: " a.b" has spaces at its ends`},
		{"negative weight", "version: 1\nweights:\n  size_advice:\n    size_advice.a: 1\n    size_advice.b: -2\n", `experiments.yaml:5: weights: experiment "size_advice": answer "size_advice.b": weight -2`},
		{"all zero", "version: 1\nweights:\n  size_advice: {size_advice.a: 0}\n", `experiments.yaml:3: weights: experiment "size_advice": every weight is 0`},
		{"no answers", "version: 1\nweights:\n  size_advice: {}\n", `experiments.yaml:3: weights: experiment "size_advice": no answers`},
		// yaml.v3 reads a null weight (~, or nothing after the colon) as 0: the answer was
		// silently not served
		{"null weight", "version: 1\nweights:\n  size_advice:\n    size_advice.a: 1\n    size_advice.b: ~\n", `experiments.yaml:5: weights: experiment "size_advice": answer "size_advice.b": no weight: a weight is a number (0 is written 0)`},
		{"blank weight", "version: 1\nweights:\n  size_advice:\n    size_advice.a:\n    size_advice.b: 1\n", `experiments.yaml:4: weights: experiment "size_advice": answer "size_advice.a": no weight: a weight is a number (0 is written 0)`},
		{"blank weight in braces", "version: 1\nweights:\n  size_advice: {size_advice.a: 1, size_advice.b: }\n", `experiments.yaml:3: weights: experiment "size_advice": answer "size_advice.b": no weight`},
		{"duplicate key", "version: 1\nweights:\n  size_advice: {size_advice.a: 1, size_advice.a: 2}\n", "experiments.yaml:3:"},
		{"negative margin", "version: 1\ngray_margin: -0.1\n", "experiments.yaml:2: gray_margin -0.1"},
		{"margin that releases anything", "version: 1\ngray_margin: 5\n", "experiments.yaml:2: gray_margin 5: want rating points under 4"},
		// a second document (a section pasted after ---) was ignored: its stop never applied
		{"two documents", "version: 1\n---\nstop: [size_advice.b]\n", "experiments.yaml:2: a second YAML document"},
		{"min rated 1", "version: 1\ngray_min_rated: 1\n", "experiments.yaml:2: gray_min_rated 1: want at least 2"},
		// yaml.v3 truncates a fraction into an int: 1.5 read as 1 (and was refused as "1"), 30.5 as 30
		{"fractional min rated", "version: 1\ngray_min_rated: 30.5\n", "experiments.yaml:2: gray_min_rated 30.5: want a whole number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseOverrides([]byte(tt.file), "experiments.yaml")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
	// Several problems at once, in line order, an unknown field among them.
	_, err := ParseOverrides([]byte("version: 3\nstop: [a, a]\ncolour: red\ngray_min_rated: 0\n"), "x.yaml")
	if err == nil || err.Error() != "x.yaml:1: version 3: want version: 1\nx.yaml:2: stop: \"a\" listed twice (first at line 2)\n"+
		"x.yaml:3: unknown field colour (known: version, exclude_senders, stop, release, weights, gray_margin, gray_min_rated)\n"+
		"x.yaml:4: gray_min_rated 0: want at least 2 (a variance needs two ratings)" {
		t.Errorf("several problems: %v", err)
	}
	// A wrong type is one problem among the others, not a stage before them: an operator who
	// fixes it must not be refused again for the version the first report left out.
	_, err = ParseOverrides([]byte("version: 2\nstop: size_advice.b\nweights:\n  size_advice: {size_advice.a: x, size_advice.b: -1}\ngray_margin: -1\n"), "x.yaml")
	for _, want := range []string{
		"x.yaml:1: version 2: want version: 1",
		"x.yaml:2: `size_ad...` is not a list",
		"x.yaml:4: `x` is not a number",
		`x.yaml:4: weights: experiment "size_advice": answer "size_advice.b": weight -1`,
		"x.yaml:5: gray_margin -1",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("a wrong type among other problems: %v\nwant %q", err, want)
		}
	}
}

// TestOverridesAgainstKB: references the knowledge base does not have are refused with the
// file's line when the file is loaded, and skipped with a warning when a new bundle comes.
func TestOverridesAgainstKB(t *testing.T) {
	kb, err := index.ParseKB([]byte(testKB), "kb.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, file, want string }{
		{"unknown stop", "version: 1\nstop:\n  - track_parcel.a\n  - track_parcel.z\n", `experiments.yaml:4: stop: no answer "track_parcel.z" in the knowledge base`},
		{"stop everything", "version: 1\nstop: [track_parcel.a, track_parcel.b]\n", `experiments.yaml:2: intent "track_parcel" would have no answer left to serve`},
		{"stop the only answer", "version: 1\nstop:\n  - new_intent.a\n", `experiments.yaml:3: intent "new_intent" would have no answer left`},
		{"weights and stop leave nothing", "version: 1\nweights:\n  track_parcel: {track_parcel.a: 0, track_parcel.b: 1}\nstop: [track_parcel.b]\n", `experiments.yaml:4: intent "track_parcel" would have no answer left`},
		{"unknown experiment", "version: 1\nweights:\n  track: {track_parcel.a: 1}\n", `experiments.yaml:3: weights: no intent "track" in the knowledge base`},
		{"not an experiment", "version: 1\nweights:\n  new_intent: {new_intent.a: 1}\n", `experiments.yaml:3: weights: intent "new_intent" has one answer`},
		{"answer of another intent", "version: 1\nweights:\n  track_parcel:\n    track_parcel.a: 1\n    track_parcel.b: 1\n    size_advice.a: 1\n", `experiments.yaml:6: weights: experiment "track_parcel" has no answer "size_advice.a"`},
		{"answer left out", "version: 1\nweights:\n  size_advice: {size_advice.a: 1, size_advice.b: 1}\n", `experiments.yaml:3: weights: experiment "size_advice": answer "size_advice.c" has no weight`},
		{"release without gray", "version: 1\nrelease: [track_parcel.b]\n", `experiments.yaml:2: release: answer "track_parcel.b" has no gray period`},
		{"unknown release", "version: 1\nrelease: [nope.b]\n", `experiments.yaml:2: release: no answer "nope.b"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ov, err := ParseOverrides([]byte(tt.file), "experiments.yaml")
			if err != nil {
				t.Fatalf("ParseOverrides: %v", err)
			}
			_, err = New(Config{KB: kb, Overrides: ov})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New: %v, want %q", err, tt.want)
			}
			s, err := New(Config{KB: kb, Overrides: ov, IgnoreStale: true})
			if err != nil {
				t.Fatalf("New with IgnoreStale: %v", err)
			}
			if w := strings.Join(s.Warnings(), "\n"); !strings.Contains(w, tt.want) || !strings.Contains(w, "(ignored)") {
				t.Errorf("warnings %q, want %q", w, tt.want)
			}
			// Whatever was skipped, every intent still serves an answer.
			for _, in := range kb.Intents {
				if a := s.Assign(in.ID, sender(1)); a.Answer == nil {
					t.Errorf("%s serves nothing", in.ID)
				}
			}
		})
	}
}
