package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/learn"
	"github.com/zhiyi-ai/zhiyi/nlp"
	"github.com/zhiyi-ai/zhiyi/serve"
	"github.com/zhiyi-ai/zhiyi/store"
	"github.com/zhiyi-ai/zhiyi/train"
)

// historyCorrections adds n labels taken from the tiny shop's own history (text and its
// intent), so that the gate lets a learnt candidate through.
func historyCorrections(t *testing.T, db *store.DB, n int) {
	t.Helper()
	// after the child bundle was made (learntCopy: an hour after its parent)
	historyCorrectionsAt(t, db, n, time.Now().Add(2*time.Hour))
}

// historyCorrectionsAt is historyCorrections given at a time.
func historyCorrectionsAt(t *testing.T, db *store.DB, n int, at time.Time) {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "intent", "testdata", "shop", "data.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ls []store.Label
	sc := bufio.NewScanner(f)
	for sc.Scan() && len(ls) < n {
		var l struct{ Text, Intent string }
		if json.Unmarshal(sc.Bytes(), &l) != nil || l.Intent == "" {
			continue
		}
		ls = append(ls, store.Label{Text: "麻烦问下，" + l.Text, Intent: l.Intent, Source: "console", Time: at})
	}
	if err := db.AddLabels(context.Background(), ls); err != nil {
		t.Fatal(err)
	}
}

// An operator who rolls back (POST /admin/rollback, the console) while --learn is continuing the
// serving bundle keeps the rollback: the bundle learnt from the one rolled back from is kept on
// disk, not served, and not recorded for a restart; the refusal is counted.
func TestLearnKeepsARollbackMadeWhileLearning(t *testing.T) {
	parent, child := learntCopy(t)
	models := filepath.Dir(parent)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sf := serveFlags{learn: true, learnEvery: time.Hour, learnMin: 2, record: true,
		storeFlags: storeFlags{dataDir: filepath.Join(t.TempDir(), "data")}, retain: "0"}
	w, srv := serveWired(t, ctx, serve.Config{ModelDir: child}, sf, slog.New(slog.DiscardHandler))
	historyCorrections(t, w.db, 60)

	done := make(chan struct{})
	go func() { defer close(done); w.learnOnce(ctx) }()
	waitWriting(t, models, done)
	if err := srv.Reload(ctx, parent); err != nil { // as POST /admin/rollback does
		t.Fatal(err)
	}
	<-done

	if got := srv.ModelDir(); filepath.Clean(got) != filepath.Clean(parent) {
		m, _ := intent.PeekManifest(got)
		t.Errorf("the rollback to %s was undone by learning: serving %s (learnt from %s)", filepath.Base(parent), filepath.Base(got), m.Parent)
	}
	if rec, err := readServing(filepath.Join(sf.dataDir, servingFileName)); err != nil || filepath.Clean(rec.Model) != filepath.Clean(parent) {
		t.Errorf("serving.json (what a restart serves): %+v, %v; want %s", rec, err, parent)
	}
	if got := w.set.GetOrCreateCounter(learnNotServed).Get(); got != 1 {
		t.Errorf("%s %d, want 1", learnNotServed, got)
	}
	// the learnt bundle is kept on disk, beside the two
	ents, _ := os.ReadDir(models)
	kept := 0
	for _, e := range ents {
		if n := e.Name(); e.IsDir() && n != filepath.Base(parent) && n != filepath.Base(child) && !strings.HasPrefix(n, ".") {
			kept++
		}
	}
	if kept != 1 {
		t.Errorf("%d learnt bundles on disk, want the one not served: %v", kept, dirNames(ents))
	}
}

// waitWriting returns once learning (the learnOnce that closes done) writes its candidate in
// models: it has read the serving bundle and its corrections by then.
func waitWriting(t *testing.T, models string, done <-chan struct{}) {
	t.Helper()
	for writing := false; !writing; {
		ents, _ := os.ReadDir(models)
		for _, e := range ents {
			writing = writing || strings.HasPrefix(e.Name(), ".") || strings.Contains(e.Name(), ".tmp")
		}
		select {
		case <-done:
			t.Fatalf("learnOnce ended before writing a candidate; models: %v", dirNames(ents))
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// A correction given while --learn is learning is learnt at the next tick: the next window
// starts when this learn read its corrections (the promoted manifest's learnt until), not when
// the promoted bundle was made, after it.
func TestLearnLoopKeepsCorrectionsGivenWhileLearning(t *testing.T) {
	parent, _ := learntCopy(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sf := serveFlags{learn: true, learnEvery: time.Hour, learnMin: 2, record: true,
		storeFlags: storeFlags{dataDir: filepath.Join(t.TempDir(), "data")}, retain: "0"}
	w, srv := serveWired(t, ctx, serve.Config{ModelDir: parent}, sf, slog.New(slog.DiscardHandler))
	historyCorrectionsAt(t, w.db, 60, time.Now())
	done := make(chan struct{})
	go func() { defer close(done); w.learnOnce(ctx) }()
	waitWriting(t, filepath.Dir(parent), done)
	// the learnt bundle is not made yet: stamped now, the correction falls between the read
	// and its CreatedAt
	late := store.Label{Text: "麻烦问下，这件外套什么时候能发货呀", Intent: "shipping_time", Source: "console", Time: time.Now()}
	if err := w.db.AddLabels(ctx, []store.Label{late}); err != nil {
		t.Fatal(err)
	}
	<-done
	if srv.ModelDir() == parent {
		t.Fatal("nothing promoted")
	}
	m, err := intent.PeekManifest(srv.ModelDir())
	if err != nil {
		t.Fatal(err)
	}
	from := w.learning.since(correctionsSince(m)) // as the next tick reads
	next, err := learn.Corrections(ctx, w.db, from)
	if err != nil {
		t.Fatal(err)
	}
	// read with a margin: what the promoted bundle learnt is told apart, as the tick counts
	if next, _, err = train.LeaveOutLearnt(srv.ModelDir(), next); err != nil {
		t.Fatal(err)
	}
	if len(next) != 1 || nlp.Normalize(next[0].Text) != nlp.Normalize(late.Text) {
		t.Errorf("the next tick's window (from %s; the bundle was made at %s) holds %d corrections, want the one given at %s while learning: else it is never learnt",
			from.Format(time.StampMicro), m.CreatedAt.Format(time.StampMicro), len(next), late.Time.Format(time.StampMicro))
	}
}

// A bundle learnt before the read time was recorded starts the next window at its CreatedAt,
// as before; zhiyi learn's default --since is the same.
func TestCorrectionsSince(t *testing.T) {
	made, read := time.Date(2026, 12, 5, 3, 0, 0, 0, time.UTC), time.Date(2026, 12, 5, 2, 55, 0, 0, time.UTC)
	for _, tc := range []struct {
		m    intent.Manifest
		want time.Time
	}{
		{intent.Manifest{CreatedAt: made}, made},
		{intent.Manifest{CreatedAt: made, LearntFrom: &intent.Learnt{Corrections: 20}}, made},
		{intent.Manifest{CreatedAt: made, LearntFrom: &intent.Learnt{Corrections: 20, Until: read}}, read},
	} {
		if got := correctionsSince(&tc.m); !got.Equal(tc.want) {
			t.Errorf("correctionsSince(%+v) = %v, want %v", tc.m.LearntFrom, got, tc.want)
		}
	}
}

// serve --learn learns from the bundle it serves, not from what its directory holds now: a
// bundle retrained in place (zhiyi train --out models/tiny, to review before a reload) is
// neither learnt from nor put live by the next tick; nothing is promoted.
func TestLearnLoopLeavesAnUnreloadedRetrainAlone(t *testing.T) {
	parent, _ := learntCopy(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sf := serveFlags{learn: true, learnEvery: time.Hour, learnMin: 2, record: true,
		storeFlags: storeFlags{dataDir: filepath.Join(t.TempDir(), "data")}, retain: "0"}
	w, srv := serveWired(t, ctx, serve.Config{ModelDir: parent}, sf, slog.New(slog.DiscardHandler))
	served := srv.ModelVersion()
	historyCorrections(t, w.db, 60)
	// the retrain: another answer, made after the served bundle, put in its directory
	retrained := filepath.Join(t.TempDir(), "retrained")
	if err := os.CopyFS(retrained, os.DirFS(parent)); err != nil {
		t.Fatal(err)
	}
	kbPath := filepath.Join(retrained, intent.KBFile)
	kb, err := os.ReadFile(kbPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(kbPath, append(kb, "\n# retrained: not reviewed yet\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	pm, err := intent.ReadManifest(parent)
	if err != nil {
		t.Fatal(err)
	}
	rm := *pm
	rm.CreatedAt = pm.CreatedAt.Add(30 * time.Minute)
	if err := intent.WriteManifest(retrained, &rm); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(parent, filepath.Join(t.TempDir(), "old")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(retrained, parent); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadDir(filepath.Dir(parent))

	w.learnOnce(ctx)
	if got := srv.ModelVersion(); got != served {
		m, _ := intent.PeekManifest(srv.ModelDir())
		t.Errorf("served %s; after a tick serves %s, learnt from %s (the retrain %s nobody reloaded)", served, got, m.Parent, rm.Version())
	}
	if after, _ := os.ReadDir(filepath.Dir(parent)); len(after) != len(before) {
		t.Errorf("the models root went from %v to %v: a child of the retrain was promoted", dirNames(before), dirNames(after))
	}
}

func dirNames(ents []os.DirEntry) []string {
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

// serve --learn takes the corrections since the serving bundle was made at every tick: those of
// a batch the gate refused (train.RefusedFile beside the bundles) are left out, and not counted
// toward --learn-min, so a refused batch is neither judged again nor learnt among newer ones.
func TestLearnLoopLeavesOutRefusedBatches(t *testing.T) {
	_, child := learntCopy(t)
	models := filepath.Dir(child)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sf := serveFlags{learn: true, learnEvery: time.Hour, learnMin: 20, record: true,
		storeFlags: storeFlags{dataDir: filepath.Join(t.TempDir(), "data")}, retain: "0"}
	w, srv := serveWired(t, ctx, serve.Config{ModelDir: child}, sf, slog.New(slog.DiscardHandler))
	historyCorrections(t, w.db, 60)
	fixes, err := learn.Corrections(ctx, w.db, time.Time{})
	if err != nil || len(fixes) != 60 {
		t.Fatalf("%d corrections, %v", len(fixes), err)
	}
	// 45 of them refused before: 15 left, fewer than --learn-min
	var b []byte
	for _, c := range fixes[:45] {
		line, _ := json.Marshal(train.Refusal{Text: c.Text, Intent: c.Intent, Time: time.Now(), Bundle: "tiny@x", Reason: "refused: test"})
		b = append(append(b, line...), '\n')
	}
	if err := os.WriteFile(train.RefusedPath(child), b, 0o644); err != nil {
		t.Fatal(err)
	}
	w.learnOnce(ctx)
	if got := srv.ModelDir(); filepath.Clean(got) != filepath.Clean(child) {
		t.Errorf("serving %s after a tick: a batch refused before was learnt", filepath.Base(got))
	}
	ents, _ := os.ReadDir(models)
	if len(ents) != 3 { // the two bundles and the file of refusals
		t.Errorf("the models root holds %v: want nothing learnt", dirNames(ents))
	}
}

// A batch --learn refused is not judged again while nothing changes (a refusal by the bound
// against the root is not recorded, and would otherwise retrain twice at every tick); one
// correction more and it is.
func TestLearnLoopWaitsAfterARefusal(t *testing.T) {
	_, child := learntCopy(t)
	models := filepath.Dir(child)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sf := serveFlags{learn: true, learnEvery: time.Hour, learnMin: 20, record: true,
		storeFlags: storeFlags{dataDir: filepath.Join(t.TempDir(), "data")}, retain: "0"}
	w, srv := serveWired(t, ctx, serve.Config{ModelDir: child}, sf, slog.New(slog.DiscardHandler))
	historyCorrections(t, w.db, 60)
	fixes, err := learn.Corrections(ctx, w.db, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadDir(models)
	w.learnRefused.Store(judgedKey(srv.ModelVersion(), fixes)) // as if this batch were just refused
	w.learnOnce(ctx)
	if after, _ := os.ReadDir(models); len(after) != len(before) {
		t.Fatalf("the models root went from %v to %v: the refused batch was judged again", dirNames(before), dirNames(after))
	}
	w.learnRefused.Store(judgedKey(srv.ModelVersion(), fixes[1:])) // another batch was refused
	w.learnOnce(ctx)
	if after, _ := os.ReadDir(models); len(after) == len(before) {
		t.Errorf("the models root still holds %v: a batch not refused before was not judged", dirNames(after))
	}
}

// --learn keeps --learn-keep learnt bundles beside --model: after a promotion the older ones go
// (an hourly --learn wrote 10 MB an hour, forever), never --model nor the one serving; the
// removals are counted.
func TestLearnLoopPrunesBeyondKeep(t *testing.T) {
	parent, child := learntCopy(t)
	// an older promotion (learntCopy's is dated an hour after its parent, maybe ahead of now)
	pm, err := intent.ReadManifest(parent)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(child); err != nil {
		t.Fatal(err)
	}
	var olders []string
	for i, stamp := range []string{"20261101T000000Z", "20261102T000000Z"} {
		older := filepath.Join(filepath.Dir(parent), "tiny-learnt-"+stamp)
		if err := os.Mkdir(older, 0o755); err != nil {
			t.Fatal(err)
		}
		om := *pm
		om.CreatedAt, om.Parent, om.LearntFrom = time.Now().Add(time.Duration(i-2)*time.Minute), pm.Version(), &intent.Learnt{Corrections: 20}
		if err := intent.WriteManifest(older, &om); err != nil {
			t.Fatal(err)
		}
		olders = append(olders, older)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sf := serveFlags{learn: true, learnEvery: time.Hour, learnMin: 2, learnKeep: 2, record: true,
		storeFlags: storeFlags{dataDir: filepath.Join(t.TempDir(), "data")}, retain: "0"}
	w, srv := serveWired(t, ctx, serve.Config{ModelDir: parent}, sf, slog.New(slog.DiscardHandler))
	historyCorrections(t, w.db, 60)
	w.learnOnce(ctx)
	promoted := srv.ModelDir()
	if promoted == parent {
		t.Fatal("nothing promoted")
	}
	for _, dir := range []string{parent, promoted, olders[1]} {
		if _, err := intent.PeekManifest(dir); err != nil {
			t.Errorf("%s: %v", filepath.Base(dir), err)
		}
	}
	if _, err := os.Stat(olders[0]); !os.IsNotExist(err) {
		t.Errorf("%s, a learnt bundle beyond --learn-keep 2, stays: %v", filepath.Base(olders[0]), err)
	}
	if n := w.set.GetOrCreateCounter(learnPruned).Get(); n != 1 {
		t.Errorf("%s = %d, want 1", learnPruned, n)
	}
	m, err := intent.PeekManifest(promoted)
	if err != nil {
		t.Fatal(err)
	}
	if m.Root != pm.Version() {
		t.Errorf("the promoted bundle's root %q, want --model's version %s", m.Root, pm.Version())
	}
}

// shuffledCorrections adds n labels of the tiny shop's history each given another example's
// intent: corrections at random, which the gate refuses.
func shuffledCorrections(t *testing.T, db *store.DB, n int) {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "intent", "testdata", "shop", "data.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type example struct{ Text, Intent string }
	var ex []example
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e example
		if json.Unmarshal(sc.Bytes(), &e) == nil && e.Intent != "" {
			ex = append(ex, e)
		}
	}
	var ls []store.Label
	at := time.Now().Add(2 * time.Hour)
	for i := 0; i < len(ex) && len(ls) < n; i++ {
		for k := 1; k < len(ex); k++ {
			if other := ex[(i+7*k)%len(ex)].Intent; other != ex[i].Intent {
				ls = append(ls, store.Label{Text: "请问，" + ex[i].Text, Intent: other, Source: "console", Time: at})
				break
			}
		}
	}
	if err := db.AddLabels(context.Background(), ls); err != nil {
		t.Fatal(err)
	}
}

// /metrics counts --learn's runs by result — a refusal, a promotion, a decision log it could not
// read — from the start at 0, as it counts the bundles it prunes. Before, a promotion or a
// refusal was a log line and no series: an alert on learning that keeps failing or refusing had
// nothing to watch.
func TestLearnRunsCounted(t *testing.T) {
	parent, _ := learntCopy(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sf := serveFlags{learn: true, learnEvery: time.Hour, learnMin: 10, record: true,
		storeFlags: storeFlags{dataDir: filepath.Join(t.TempDir(), "data")}, retain: "0"}
	w, srv := serveWired(t, ctx, serve.Config{ModelDir: parent}, sf, slog.New(slog.DiscardHandler))
	expect := func(when string, promoted, refused, failed int) {
		t.Helper()
		body := handle(t, srv, "GET", "/metrics", "")
		for _, want := range []string{
			fmt.Sprintf(`zhiyi_learn_runs_total{result="promoted"} %d`, promoted),
			fmt.Sprintf(`zhiyi_learn_runs_total{result="refused"} %d`, refused),
			fmt.Sprintf(`zhiyi_learn_runs_total{result="error"} %d`, failed),
			"zhiyi_learn_pruned_total 0",
		} {
			if !strings.Contains(body, want+"\n") {
				t.Errorf("%s: /metrics lacks %q", when, want)
			}
		}
	}
	expect("at start", 0, 0, 0)

	shuffledCorrections(t, w.db, 30)
	w.learnOnce(ctx)
	if srv.ModelDir() != parent {
		t.Fatalf("corrections at random were promoted: serving %s", srv.ModelDir())
	}
	expect("after a refusal", 0, 1, 0)

	historyCorrections(t, w.db, 60)
	w.learnOnce(ctx)
	if srv.ModelDir() == parent {
		t.Fatal("genuine corrections were not promoted")
	}
	expect("after a promotion", 1, 1, 0)

	historyCorrections(t, w.db, 1) // something new to read, from a log that is gone
	w.db.Close()
	w.learnOnce(ctx)
	expect("with the decision log closed", 1, 1, 1)
}
