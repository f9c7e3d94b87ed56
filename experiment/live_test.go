package experiment

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/index"
)

func TestLive(t *testing.T) {
	kb, err := index.ParseKB([]byte(testKB), "kb.yaml")
	must(t, err)
	now := created.Add(time.Hour)
	l := Live{Now: func() time.Time { return now }}
	if l.Current() != nil || l.Current().Assign("track_parcel", "x") != (Assignment{}) {
		t.Fatal("a zero Live assigns")
	}
	path := filepath.Join(t.TempDir(), "experiments.yaml")
	must(t, os.WriteFile(path, []byte("version: 1\nstop: [track_parcel.b]\n"), 0o644))
	must(t, l.LoadOverrides(path)) // before the knowledge base: kept for later
	if _, err := l.SetKB(kb, created); err != nil {
		t.Fatal(err)
	}
	first := l.Current()
	if !first.Experiment("track_parcel").Variants[1].Stopped {
		t.Fatal("overrides loaded before the knowledge base were lost")
	}

	// An invalid file is refused with its line, and the old Set keeps serving.
	must(t, os.WriteFile(path, []byte("version: 1\nstop: [track_parcel.b]\nstop_all: true\n"), 0o644))
	if err := l.LoadOverrides(path); err == nil || !strings.Contains(err.Error(), path+":3: unknown field stop_all") {
		t.Errorf("invalid file: %v", err)
	}
	must(t, os.WriteFile(path, []byte("version: 1\nstop: [track_parcel.x]\n"), 0o644))
	if err := l.LoadOverrides(path); err == nil || !strings.Contains(err.Error(), path+`:2: stop: no answer "track_parcel.x"`) {
		t.Errorf("unknown answer: %v", err)
	}
	if l.Current() != first {
		t.Fatal("a refused file replaced the Set")
	}
	must(t, os.WriteFile(path, []byte("version: 1\nexclude_senders: [wmBoss]\n"), 0o644))
	must(t, l.LoadOverrides(path))
	if l.Current() == first || l.Current().Experiment("track_parcel").Variants[1].Stopped || !l.Current().Excluded("wmBoss") {
		t.Fatal("a valid file did not take effect")
	}

	// Results: the gray answer is released once its period is over and its ratings are good.
	now = created.Add(80 * time.Hour)
	must(t, l.SetResults(Results{"return_goods.a": rated(100, 4.0, 1), "return_goods.b": rated(100, 4.2, 1)}))
	if v := l.Current().Experiment("return_goods").Variants[1]; v.Gray {
		t.Errorf("not released: %s", v.GrayNote)
	}

	// A new bundle whose knowledge base lacks what the file names: warnings, not refusal.
	must(t, os.WriteFile(path, []byte("version: 1\nstop: [size_advice.c]\n"), 0o644))
	must(t, l.LoadOverrides(path))
	smaller, err := index.ParseKB([]byte(strings.Replace(testKB, "      - {id: size_advice.c, text: 亲，按脚长选码。, weight: 20}\n", "", 1)), "kb.yaml")
	must(t, err)
	warnings, err := l.SetKB(smaller, created)
	if err != nil || len(warnings) != 1 || !strings.Contains(warnings[0], `stop: no answer "size_advice.c"`) {
		t.Errorf("SetKB: %v, warnings %q", err, warnings)
	}
	if len(l.Current().Experiment("size_advice").Variants) != 2 {
		t.Error("the new knowledge base is not in force")
	}
	// A reload reads the file again after SetKB: unchanged, its skipped entry stays skipped. It
	// was refused, so every reload to the retrained bundle answered that the experiments did not
	// load, though they served as SetKB left them.
	if err := l.LoadOverrides(path); err != nil {
		t.Errorf("the unchanged file read again after a new knowledge base: %v", err)
	}
	// Changed, it is checked against the knowledge base in force, as any edit is.
	must(t, os.WriteFile(path, []byte("version: 1\nstop: [size_advice.c]\nexclude_senders: [wmBoss]\n"), 0o644))
	if err := l.LoadOverrides(path); err == nil || !strings.Contains(err.Error(), path+`:2: stop: no answer "size_advice.c"`) {
		t.Errorf("an edited file naming what the knowledge base lacks: %v", err)
	}
}

// TestLiveConcurrent: assignments run while the file is reloaded (run with -race).
func TestLiveConcurrent(t *testing.T) {
	kb, err := index.ParseKB([]byte(testKB), "kb.yaml")
	must(t, err)
	var l Live
	if _, err := l.SetKB(kb, created); err != nil {
		t.Fatal(err)
	}
	files := []*Overrides{}
	for _, f := range []string{"version: 1\nstop: [size_advice.b]\n", "version: 1\nexclude_senders: [wm00000001Customer]\n"} {
		o, err := ParseOverrides([]byte(f), "experiments.yaml")
		must(t, err)
		files = append(files, o)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if a := l.Current().Assign("size_advice", sender(i%1000)); a.Answer == nil {
					t.Error("no answer")
					return
				}
			}
		}()
	}
	for i := range 200 {
		must(t, l.SetOverrides(files[i%2]))
	}
	close(stop)
	wg.Wait()
}
