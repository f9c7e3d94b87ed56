package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
	"github.com/zhiyi-ai/zhiyi/store"
)

// fillLog writes three decisions, three feedback (one correction, one rating, one resolution)
// and two labels to db, all an hour ago, and returns the time after they were stored.
func fillLog(t *testing.T, db *store.DB) time.Time {
	t.Helper()
	ctx := testCtx(t)
	at := time.Now().Add(-time.Hour).Truncate(time.Microsecond)
	ds := []store.Decision{
		{MsgID: "m1", Time: at, Channel: "wecom", SenderHash: db.Hash("wx_zhang"), ChatHash: db.Hash("chat1"),
			Text: "要发票", Intent: "issue_invoice", Confidence: 0.97, Route: store.RouteAuto, AnswerID: "invoice", Model: "v1", LatencyMicros: 40},
		{MsgID: "m2", Time: at.Add(time.Second), Channel: "wecom", SenderHash: db.Hash("wx_zhang"), ChatHash: db.Hash("chat1"),
			Text: "东西不要了", Intent: "exchange", Confidence: 0.61, Route: store.RouteSuggest, Turn: 2, ActiveIntent: "issue_invoice", Model: "v1"},
		{MsgID: "m3", Time: at.Add(2 * time.Second), Channel: "kf", Text: "今天天气", Intent: store.NoneIntent, Route: store.RouteHandoff,
			Rule: "weekend", Variant: "b", Sentiment: "angry", Repeat: true, Escalation: "asked", Model: "v1"},
	}
	if n, err := db.AppendDecisions(ctx, ds); err != nil || n != 3 {
		t.Fatalf("AppendDecisions = %d, %v", n, err)
	}
	yes := true
	for _, f := range []store.Feedback{
		{ID: "f1", MsgID: "m2", CorrectIntent: "return_goods", AgentID: "agent7", Time: at.Add(time.Minute)},
		{ID: "f2", MsgID: "m1", Rating: 5, Comment: "很快", Time: at.Add(2 * time.Minute)},
		{ID: "f3", MsgID: "m1", Resolved: &yes, Time: at.Add(3 * time.Minute)},
	} {
		if err := db.AddFeedback(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.AddLabels(ctx, []store.Label{
		{Key: "m3", Text: "今天天气", Intent: "chitchat", Source: "cluster", By: "ops", Time: at.Add(time.Minute)},
		{Text: "过数了", Intent: "payment", Source: "console", By: "ops", Time: at.Add(time.Minute)},
	}); err != nil {
		t.Fatal(err)
	}
	return time.Now()
}

// logContents reads every decision, feedback and label of db.
func logContents(t *testing.T, db store.Store) ([]store.Decision, []store.FeedbackRecord, []store.Label) {
	t.Helper()
	ctx := testCtx(t)
	var (
		ds []store.Decision
		fs []store.FeedbackRecord
		ls []store.Label
	)
	if err := db.Decisions(ctx, store.Query{}, func(d *store.Decision) error { ds = append(ds, *d); return nil }); err != nil {
		t.Fatal(err)
	}
	if err := db.Feedback(ctx, store.FeedbackQuery{}, func(f *store.FeedbackRecord) error { fs = append(fs, *f); return nil }); err != nil {
		t.Fatal(err)
	}
	if err := db.Labels(ctx, store.LabelQuery{}, func(l *store.Label) error { ls = append(ls, *l); return nil }); err != nil {
		t.Fatal(err)
	}
	return ds, fs, ls
}

// asCopy is cfg as zhiyi copy opens its destination.
func asCopy(cfg store.Config) store.Config {
	cfg.CopyInto = true
	return cfg
}

func copyLog(t *testing.T, dst, src *store.DB) store.CopyProgress {
	t.Helper()
	p, err := dst.CopyFrom(testCtx(t), src, store.CopyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A SQLite log copied into a new database of either kind reads back the same, hashes ids as the
// source did when opened as serve opens it, keeps when each feedback was stored, and a second
// copy adds nothing.
func TestCopyFrom(t *testing.T) {
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			ctx := testCtx(t)
			dir := t.TempDir()
			src := openConfig(t, store.Config{DataDir: dir})
			storedBy := fillLog(t, src)
			reader := openConfig(t, store.Config{DataDir: dir, ReadOnly: true})

			cfg := store.Config{DataDir: t.TempDir()}
			if kind == "postgres" {
				cfg.URL = testsvc.SharedPostgres(t).NewDatabase(t)
			}
			dst := openConfig(t, asCopy(cfg))
			p := copyLog(t, dst, reader)
			if p.Decisions != 3 || p.Feedback != 3 || p.Labels != 2 {
				t.Fatalf("copied %+v, want 3 decisions, 3 feedback, 2 labels", p)
			}
			wantD, wantF, wantL := logContents(t, src)
			gotD, gotF, gotL := logContents(t, dst)
			if !slices.EqualFunc(gotD, wantD, func(a, b store.Decision) bool { return a == b }) {
				t.Errorf("decisions:\n got %+v\nwant %+v", gotD, wantD)
			}
			if len(gotF) != len(wantF) {
				t.Fatalf("feedback: got %d, want %d", len(gotF), len(wantF))
			}
			for i := range gotF {
				g, w := gotF[i], wantF[i]
				if g.ID != w.ID || g.MsgID != w.MsgID || g.Rating != w.Rating || g.CorrectIntent != w.CorrectIntent ||
					g.Comment != w.Comment || g.AgentID != w.AgentID || !g.Time.Equal(w.Time) ||
					(g.Resolved == nil) != (w.Resolved == nil) || g.Decision != w.Decision {
					t.Errorf("feedback %d:\n got %+v\nwant %+v", i, g, w)
				}
			}
			if !slices.Equal(gotL, wantL) {
				t.Errorf("labels:\n got %+v\nwant %+v", gotL, wantL)
			}

			// Stored before the copy, not by it: a learner that read the source's corrections up
			// to storedBy does not read them again from the copy.
			var late int
			if err := dst.Feedback(ctx, store.FeedbackQuery{Since: storedBy, StoredSince: storedBy, Corrections: true},
				func(*store.FeedbackRecord) error { late++; return nil }); err != nil {
				t.Fatal(err)
			}
			if late != 0 {
				t.Errorf("%d corrections read as stored after %v: the copy restamped them", late, storedBy)
			}

			// Opened as serve opens it (no --hash-key), the copy hashes as the source.
			dst.Close()
			served := openConfig(t, cfg)
			if got, want := served.Hash("wx_zhang"), src.Hash("wx_zhang"); got != want {
				t.Errorf("the copy hashes wx_zhang as %s, the source as %s", got, want)
			}
			served.Close()
			again := openConfig(t, asCopy(cfg))
			if p := copyLog(t, again, reader); p.Decisions+p.Feedback+p.Labels != 0 || p.Read != 2 {
				t.Errorf("a second copy added %+v, want nothing (read 2 labels last)", p)
			}
		})
	}
}

// A copy made while serve still wrote is completed by copying again, in full or only what
// changed since (reading nothing older); a label given on the new database after the first
// copy is kept over an older one of the source, and a newer one of the source replaces it.
func TestCopyFromCompletes(t *testing.T) {
	for _, since := range []bool{false, true} {
		t.Run(map[bool]string{false: "all", true: "since"}[since], func(t *testing.T) {
			ctx := testCtx(t)
			dir := t.TempDir()
			src := openConfig(t, store.Config{DataDir: dir})
			fillLog(t, src)
			reader := openConfig(t, store.Config{DataDir: dir, ReadOnly: true})
			dst := openConfig(t, store.Config{DataDir: t.TempDir(), CopyInto: true})
			firstBegan := time.Now()
			copyLog(t, dst, reader)

			now := time.Now()
			if _, err := src.AppendDecisions(ctx, []store.Decision{{MsgID: "m4", Time: now, Text: "包邮吗", Intent: "shipping_fee"}}); err != nil {
				t.Fatal(err)
			}
			if err := src.AddFeedback(ctx, store.Feedback{ID: "f4", MsgID: "m4", Rating: 1}); err != nil {
				t.Fatal(err)
			}
			if err := src.AddLabels(ctx, []store.Label{{Key: "m3", Text: "今天天气", Intent: "none", Source: "console", Time: now.Add(time.Second)}}); err != nil {
				t.Fatal(err)
			}
			if err := dst.AddLabels(ctx, []store.Label{{Text: "过数了", Intent: "payment_done", Source: "console", Time: now}}); err != nil {
				t.Fatal(err)
			}
			opt := store.CopyOptions{}
			read := map[string]int64{}
			opt.Progress = func(p store.CopyProgress) { read[p.Table] = p.Read }
			want := map[string]int64{"decisions": 4, "feedback": 4, "labels": 2}
			if since {
				opt.Since = firstBegan.Add(-time.Minute) // not later: ErrSinceGap
				// fillLog's decisions and feedback were stored within that minute: read again,
				// added once
				want = map[string]int64{"decisions": 4, "feedback": 4, "labels": 1}
			}
			p, err := dst.CopyFrom(ctx, reader, opt)
			if err != nil {
				t.Fatal(err)
			}
			if p.Decisions != 1 || p.Feedback != 1 || p.Labels != 1 {
				t.Fatalf("second copy added %+v, want the 1 decision, 1 feedback and 1 newer label", p)
			}
			for table, n := range want {
				if read[table] != n {
					t.Errorf("second copy read %d %s, want %d", read[table], table, n)
				}
			}
			_, _, ls := logContents(t, dst)
			got := map[string]string{}
			for _, l := range ls {
				got[l.Text] = l.Intent
			}
			if got["今天天气"] != "none" || got["过数了"] != "payment_done" {
				t.Errorf("labels after the second copy: %v; want the newer of each (今天天气 none from the source, 过数了 payment_done from the copy)", got)
			}
		})
	}
}

// A log serve wrote with --hash-key keeps no key: its copy keeps none either, so a process
// without the key is refused on both, rather than hashing with a new one.
func TestCopyFromGivenHashKey(t *testing.T) {
	key := []byte("0123456789abcdef-given")
	dir := t.TempDir()
	src := openConfig(t, store.Config{DataDir: dir, HashKey: key})
	fillLog(t, src)
	reader := openConfig(t, store.Config{DataDir: dir, HashKey: key, ReadOnly: true})
	to := t.TempDir()
	dst := openConfig(t, store.Config{DataDir: to, HashKey: key, CopyInto: true})
	copyLog(t, dst, reader)
	dst.Close()
	if db, err := store.Open(testCtx(t), store.Config{DataDir: to, Existing: true}); err == nil {
		db.Close()
		t.Fatal("the copy of a log written with --hash-key opened without it")
	}
	withKey := openConfig(t, store.Config{DataDir: to, HashKey: key, ReadOnly: true})
	if got, want := withKey.Hash("wx_zhang"), src.Hash("wx_zhang"); got != want {
		t.Errorf("hash %s, want %s", got, want)
	}
}

// A destination that holds decisions hashed with another key is refused, and nothing is copied.
func TestCopyFromRefusesAnotherKey(t *testing.T) {
	dir := t.TempDir()
	src := openConfig(t, store.Config{DataDir: dir})
	fillLog(t, src)
	reader := openConfig(t, store.Config{DataDir: dir, ReadOnly: true})
	to := t.TempDir()
	if _, err := openConfig(t, store.Config{DataDir: to}).AppendDecisions(testCtx(t), []store.Decision{{MsgID: "other", Text: "在吗"}}); err != nil {
		t.Fatal(err)
	}
	dst := openConfig(t, store.Config{DataDir: to, CopyInto: true})
	_, err := dst.CopyFrom(testCtx(t), reader, store.CopyOptions{})
	if !errors.Is(err, store.ErrHashKeyDiffers) {
		t.Fatalf("CopyFrom = %v, want ErrHashKeyDiffers", err)
	}
	if ds, _, _ := logContents(t, dst); len(ds) != 1 {
		t.Errorf("the refused copy left %d decisions, want the 1 that was there", len(ds))
	}
}

// Progress counts every batch and ends at the totals.
func TestCopyFromProgress(t *testing.T) {
	dir := t.TempDir()
	src := openConfig(t, store.Config{DataDir: dir})
	fillLog(t, src)
	reader := openConfig(t, store.Config{DataDir: dir, ReadOnly: true})
	dst := openConfig(t, store.Config{DataDir: filepath.Join(t.TempDir(), "new"), CopyInto: true})
	last := map[string]store.CopyProgress{}
	if _, err := dst.CopyFrom(context.Background(), reader, store.CopyOptions{Progress: func(p store.CopyProgress) { last[p.Table] = p }}); err != nil {
		t.Fatal(err)
	}
	for table, want := range map[string]int64{"decisions": 3, "feedback": 3, "labels": 2} {
		if p := last[table]; p.Read != want || p.Total != want || p.Added != want {
			t.Errorf("%s: last progress %+v, want read = total = added = %d", table, p, want)
		}
	}
}

// A second pass given a --since later than the first copy began (the time of the switch, or
// --since 1h three hours into the move) is refused, naming the time to give: it copied nothing
// made between, and said "0 decisions new". So is one with no complete copy before it.
func TestCopyFromRefusesASinceGap(t *testing.T) {
	ctx := testCtx(t)
	dir := t.TempDir()
	src := openConfig(t, store.Config{DataDir: dir})
	fillLog(t, src)
	reader := openConfig(t, store.Config{DataDir: dir, ReadOnly: true})
	dst := openConfig(t, store.Config{DataDir: t.TempDir(), CopyInto: true})
	if _, err := dst.CopyFrom(ctx, reader, store.CopyOptions{Since: time.Now().Add(-2 * time.Hour)}); !errors.Is(err, store.ErrSinceGap) {
		t.Errorf("a first copy with --since = %v, want ErrSinceGap (nothing before it is copied)", err)
	}
	copyLog(t, dst, reader)
	made := time.Now()
	if _, err := src.AppendDecisions(ctx, []store.Decision{{MsgID: "m4", Time: made, Text: "包邮吗", Intent: "shipping_fee"}}); err != nil {
		t.Fatal(err)
	}
	if err := src.AddFeedback(ctx, store.Feedback{ID: "f4", MsgID: "m4", CorrectIntent: "shipping_time", Time: made.Add(time.Millisecond)}); err != nil {
		t.Fatal(err)
	}
	switched := time.Now()
	p, err := dst.CopyFrom(ctx, reader, store.CopyOptions{Since: switched})
	if !errors.Is(err, store.ErrSinceGap) {
		t.Fatalf("second copy --since the switch = %+v, %v; want ErrSinceGap", p, err)
	}
	if ds, fs, _ := logContents(t, dst); len(ds) != 3 || len(fs) != 3 {
		t.Errorf("the refused pass left %d decisions, %d feedback; want the first copy's 3 and 3", len(ds), len(fs))
	}
}

// A replica started on the new database before the copy (deployed ahead of the switch, no
// message yet) hashes with the key it found there. The copy replaced that key with the
// source's, and the replica went on hashing its decisions with the old one from memory: every
// customer it served split from their history. The copy is refused instead.
func TestCopyFromRefusesAKeyAReplicaHashesWith(t *testing.T) {
	dir := t.TempDir()
	src := openConfig(t, store.Config{DataDir: dir})
	fillLog(t, src)
	reader := openConfig(t, store.Config{DataDir: dir, ReadOnly: true})
	to := t.TempDir()
	replica := openConfig(t, store.Config{DataDir: to})             // as serve opens it
	dst := openConfig(t, store.Config{DataDir: to, CopyInto: true}) // as zhiyi copy opens it
	_, err := dst.CopyFrom(testCtx(t), reader, store.CopyOptions{})
	if !errors.Is(err, store.ErrHashKeyDiffers) {
		after := openConfig(t, store.Config{DataDir: to, Existing: true})
		t.Fatalf("CopyFrom = %v with a replica on the destination; want ErrHashKeyDiffers (the replica hashes wx_zhang as %s, the log now as %s)",
			err, replica.Hash("wx_zhang"), after.Hash("wx_zhang"))
	}
}

// A first pass refused for its --since (no complete copy before it), run again without it as
// the refusal says, completes: the refused pass, its own process, had opened the new database
// and stored a key there, which the rerun took for a replica's and refused to replace.
func TestCopyFromAfterARefusedSince(t *testing.T) {
	ctx := testCtx(t)
	dir := t.TempDir()
	src := openConfig(t, store.Config{DataDir: dir})
	fillLog(t, src)
	reader := openConfig(t, store.Config{DataDir: dir, ReadOnly: true})
	to := t.TempDir()
	first := openConfig(t, store.Config{DataDir: to, CopyInto: true}) // as zhiyi copy --since 2h opens it
	if _, err := first.CopyFrom(ctx, reader, store.CopyOptions{Since: time.Now().Add(-2 * time.Hour)}); !errors.Is(err, store.ErrSinceGap) {
		t.Fatalf("a first copy with --since = %v, want ErrSinceGap", err)
	}
	first.Close()
	again := openConfig(t, store.Config{DataDir: to, CopyInto: true}) // zhiyi copy run again without --since
	p, err := again.CopyFrom(ctx, reader, store.CopyOptions{})
	if err != nil {
		t.Fatalf("the copy the refusal asked for: %v", err)
	}
	if p.Decisions != 3 {
		t.Errorf("copied %+v, want the 3 decisions", p)
	}
}

// A decision answered just before the first copy began and written just after it read the log
// (the recorder writes a flush or a slow commit later) was copied by neither pass when the second
// was given the very time the first began: it is refused, and a minute before copies it.
func TestCopyFromSinceCoversWritesInFlight(t *testing.T) {
	ctx := testCtx(t)
	dir := t.TempDir()
	src := openConfig(t, store.Config{DataDir: dir})
	fillLog(t, src)
	reader := openConfig(t, store.Config{DataDir: dir, ReadOnly: true})
	dst := openConfig(t, store.Config{DataDir: t.TempDir(), CopyInto: true})
	firstBegan := time.Now()
	copyLog(t, dst, reader)
	// answered before the copy began, in the recorder's queue while it read
	if _, err := src.AppendDecisions(ctx, []store.Decision{{MsgID: "late", Time: firstBegan.Add(-time.Second), Text: "在吗", Intent: "greeting"}}); err != nil {
		t.Fatal(err)
	}
	if p, err := dst.CopyFrom(ctx, reader, store.CopyOptions{Since: firstBegan}); !errors.Is(err, store.ErrSinceGap) {
		t.Fatalf("second pass --since the time the first began = %+v, %v; want ErrSinceGap", p, err)
	}
	p, err := dst.CopyFrom(ctx, reader, store.CopyOptions{Since: firstBegan.Add(-time.Minute)})
	if err != nil || p.Decisions != 1 {
		t.Fatalf("second pass a minute before = %+v, %v; want the decision written late", p, err)
	}
}

// Decisions spooled while the database was down reach it later, keeping the time they were
// answered: one answered before the first copy began and written after it (the serve replayed
// its spool once the database was back) was copied by neither pass, the second selecting by the
// decision's time, and the feedback on it was dropped for want of its decision. The second pass
// copies what was stored since too, either way (SQLite → PostgreSQL and back), and a third adds
// nothing.
func TestCopyFromSinceCopiesLateStored(t *testing.T) {
	for _, kinds := range [][2]string{{"sqlite", "postgres"}, {"postgres", "sqlite"}} {
		t.Run(kinds[0]+"→"+kinds[1], func(t *testing.T) {
			ctx := testCtx(t)
			cfg := func(kind string) store.Config {
				if kind == "postgres" {
					return store.Config{URL: testsvc.SharedPostgres(t).NewDatabase(t), DataDir: t.TempDir()}
				}
				return store.Config{DataDir: t.TempDir()}
			}
			src, dst := openConfig(t, cfg(kinds[0])), openConfig(t, asCopy(cfg(kinds[1])))
			fillLog(t, src)
			firstBegan := time.Now()
			copyLog(t, dst, src)

			// answered an hour before, spooled, written now
			answered := firstBegan.Add(-time.Hour)
			if _, err := src.AppendDecisions(ctx, []store.Decision{{MsgID: "spooled", Time: answered, Text: "在吗", Intent: "greeting"}}); err != nil {
				t.Fatal(err)
			}
			if err := src.AddFeedback(ctx, store.Feedback{ID: "fs", MsgID: "spooled", Rating: 1, Time: answered.Add(time.Minute)}); err != nil {
				t.Fatal(err)
			}
			opt := store.CopyOptions{Since: firstBegan.Add(-time.Minute)}
			p, err := dst.CopyFrom(ctx, src, opt)
			if err != nil || p.Decisions != 1 || p.Feedback != 1 {
				t.Fatalf("second pass = %+v, %v; want the spooled decision and its feedback", p, err)
			}
			if p, err := dst.CopyFrom(ctx, src, opt); err != nil || p.Decisions+p.Feedback+p.Labels != 0 {
				t.Errorf("third pass = %+v, %v; want nothing new", p, err)
			}
			if ds, fs, _ := logContents(t, dst); len(ds) != 4 || len(fs) != 4 {
				t.Errorf("the copy holds %d decisions, %d feedback; want 4 and 4", len(ds), len(fs))
			}
		})
	}
}

// A copy stopped after it opened the new database and before it gave it the source's key
// (killed, Ctrl-C, the source failing to answer) left there the key Open had made for it: the
// rerun, another process, took it for a replica's, refused (ErrHashKeyDiffers), and only a new
// database helped. Opened as a copy's destination, a new database gets no key of its own: the
// rerun copies, and the copy hashes as the source, its customers' history joined.
func TestCopyFromAfterAStopBeforeTheKey(t *testing.T) {
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			ctx := testCtx(t)
			dir := t.TempDir()
			src := openConfig(t, store.Config{DataDir: dir})
			fillLog(t, src)
			reader := openConfig(t, store.Config{DataDir: dir, ReadOnly: true})
			cfg := store.Config{DataDir: t.TempDir(), CopyInto: true} // as zhiyi copy opens it
			if kind == "postgres" {
				cfg.URL = testsvc.SharedPostgres(t).NewDatabase(t)
			}
			stopped, err := store.Open(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			stopped.Close() // stopped before CopyFrom

			again := openConfig(t, cfg) // zhiyi copy run again
			p, err := again.CopyFrom(ctx, reader, store.CopyOptions{})
			if err != nil || p.Decisions != 3 {
				t.Fatalf("the rerun = %+v, %v; want the 3 decisions copied", p, err)
			}
			again.Close()
			served := openConfig(t, store.Config{DataDir: cfg.DataDir, URL: cfg.URL, Existing: true}) // as serve opens it
			if got, want := served.Hash("wx_zhang"), src.Hash("wx_zhang"); got != want {
				t.Errorf("the copy hashes wx_zhang as %s, the source as %s: customers split from their history", got, want)
			}
		})
	}
}
