package learn

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/zhiyi-ai/zhiyi/intent"
	"github.com/zhiyi-ai/zhiyi/internal/shoptest"
	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
	"github.com/zhiyi-ai/zhiyi/store"
	"github.com/zhiyi-ai/zhiyi/train"
)

// TestLoop logs decisions in a real SQLite decision log, corrects some as agents do and labels
// one by cluster, learns, and rolls back.
func TestLoop(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	model := filepath.Join(dir, "models", "tiny")
	if err := shoptest.TrainTiny(model); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, store.Config{DataDir: filepath.Join(dir, "data")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	texts := []string{"报销用的凭证怎么给", "报销凭证在哪弄", "我要报销凭证", "报销凭证怎么申请", "公司要报销凭证", "报销凭证开一下",
		"能给个报销凭证不", "报销凭证发我邮箱", "报销凭证可以吗", "需要报销凭证", "报销凭证哪里申请", "报销凭证电子的行吗"}
	var ds []store.Decision
	for i, text := range texts {
		ds = append(ds, store.Decision{MsgID: "m" + strconv.Itoa(i), Time: time.Now(), Text: text, Intent: "return_goods", Route: "suggest"})
	}
	ds = append(ds, store.Decision{MsgID: "ok", Time: time.Now(), Text: "什么时候发货", Intent: "shipping_time", Route: "auto"})
	if _, err := db.AppendDecisions(ctx, ds); err != nil {
		t.Fatal(err)
	}
	for i := range texts[:11] {
		if err := db.AddFeedback(ctx, store.Feedback{MsgID: "m" + strconv.Itoa(i), CorrectIntent: "invoice", AgentID: "a1"}); err != nil {
			t.Fatal(err)
		}
	}
	// a confirmation is no correction; a rating without an intent neither
	if err := db.AddFeedback(ctx, store.Feedback{MsgID: "ok", CorrectIntent: "shipping_time", Rating: 5}); err != nil {
		t.Fatal(err)
	}
	// a correction taken back (set to the model's own intent later) is no correction either
	for _, intent := range []string{"invoice", "shipping_time"} {
		if err := db.AddFeedback(ctx, store.Feedback{MsgID: "ok", CorrectIntent: intent, AgentID: "a2"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.AddLabels(ctx, []store.Label{{Key: "m11", Text: texts[11], Intent: "invoice", Source: "cluster"},
		{Key: "x", Text: "能包成礼物吗", Intent: "new:礼品包装", Source: "cluster"}}); err != nil {
		t.Fatal(err)
	}
	fixes, err := Corrections(ctx, db, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(fixes) != 12 {
		t.Fatalf("%d corrections, want 11 from feedback and 1 label (not the confirmation, not the new intent): %+v", len(fixes), fixes)
	}
	res, err := Promote(ctx, model, fixes, train.LearnConfig{MaxDrop: 0.05})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Promoted || filepath.Dir(res.Bundle) != filepath.Dir(model) {
		t.Fatalf("promote: %+v", res)
	}
	eng, err := intent.Load(ctx, res.Bundle)
	if err != nil {
		t.Fatal(err)
	}
	got := eng.Classify(ctx, intent.Request{Text: "报销凭证多久好"}).Intent
	eng.Close()
	if got != "invoice" {
		t.Errorf("the learnt bundle says %s, want invoice", got)
	}
	if m, err := intent.ReadManifest(res.Bundle); err != nil || m.LearntFrom == nil || fmt.Sprint(m.LearntFrom.Sources) != "[feedback cluster]" {
		t.Errorf("the learnt manifest's sources: %+v, %v; want feedback and cluster", m, err)
	}
	parent, err := Parent(res.Bundle)
	if err != nil || parent != model {
		t.Errorf("Parent(%s) = %s, %v; want %s", res.Bundle, parent, err, model)
	}
	if _, err := Parent(model); !errors.Is(err, ErrNoParent) {
		t.Errorf("Parent of a trained bundle: %v, want ErrNoParent", err)
	}
	// a learnt bundle damaged on disk still names its parent: going back is the way out
	kb := filepath.Join(res.Bundle, "kb.yaml")
	good, err := os.ReadFile(kb)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(kb, append(slices.Clone(good), "# edited\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	if parent, err := Parent(res.Bundle); err != nil || parent != model {
		t.Errorf("Parent of a damaged bundle = %s, %v; want %s", parent, err, model)
	}
	if err := os.WriteFile(kb, good, 0o644); err != nil {
		t.Fatal(err)
	}
	// learnt at once, the child still has a version of its own (the name and a second)
	pm, err := intent.ReadManifest(model)
	if err != nil {
		t.Fatal(err)
	}
	if cm, err := intent.ReadManifest(res.Bundle); err != nil || cm.Version() == pm.Version() || cm.Parent != pm.Version() {
		t.Errorf("the learnt bundle's version %v, parent %v (err %v); want its own, naming %s", cm.Version(), cm.Parent, err, pm.Version())
	}
}

// TestPromotionsInOneSecondKeepBoth: two promotions started in one second (serve --learn's tick
// and a zhiyi learn, or two replicas over one models directory) were both named
// <name>-learnt-<second>, and the later one's commit replaced the earlier bundle, which may have
// been serving. Each gets a name of its own now, and the first bundle is left as it was.
func TestPromotionsInOneSecondKeepBoth(t *testing.T) {
	ctx := context.Background()
	model := filepath.Join(t.TempDir(), "models", "tiny")
	if err := shoptest.TrainTiny(model); err != nil {
		t.Fatal(err)
	}
	second := time.Date(2026, 12, 6, 3, 30, 0, 0, time.UTC)
	t.Cleanup(func() { now = time.Now })
	now = func() time.Time { return second }
	var a []train.Correction
	for _, s := range []string{"报销用的凭证怎么给", "报销凭证在哪弄", "我要报销凭证", "报销凭证怎么申请", "公司要报销凭证", "报销凭证开一下",
		"能给个报销凭证不", "报销凭证发我邮箱", "报销凭证可以吗", "需要报销凭证", "报销凭证哪里申请", "报销凭证电子的行吗"} {
		a = append(a, train.Correction{Text: s, Intent: "invoice", Source: "feedback"})
	}
	b := append(slices.Clip(a), train.Correction{Text: "凭证报销要多久", Intent: "invoice", Source: "feedback"})
	var bundles []string
	for i, fixes := range [][]train.Correction{a, b} {
		res, err := Promote(ctx, model, fixes, train.LearnConfig{MaxDrop: 0.05})
		if err != nil || !res.Promoted {
			t.Fatalf("promotion %d: %+v, %v", i, res, err)
		}
		bundles = append(bundles, res.Bundle)
	}
	if bundles[0] == bundles[1] {
		t.Fatalf("both promotions wrote %s: the second replaced the first", bundles[0])
	}
	for i, want := range []int{len(a), len(b)} {
		if m, err := intent.ReadManifest(bundles[i]); err != nil || m.LearntFrom == nil || m.LearntFrom.Corrections != want {
			t.Errorf("%s: %+v, %v; want the bundle of promotion %d (%d corrections)", bundles[i], m, err, i, want)
		}
	}
	// and nothing else: no reservation is left behind
	es, _ := os.ReadDir(filepath.Dir(model))
	if len(es) != 3 {
		t.Errorf("%d entries beside the bundle, want it and the two promoted: %v", len(es), es)
	}
}

// TestReserveIsExclusive: promotions racing for one name each get their own directory.
func TestReserveIsExclusive(t *testing.T) {
	root := t.TempDir()
	got := make([]string, 8)
	var wg sync.WaitGroup
	for i := range got {
		wg.Go(func() {
			p, unlock, err := reserve(root, "shop-learnt-20261206T033000Z")
			if err != nil {
				t.Error(err)
				return
			}
			defer unlock()
			got[i] = p
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, p := range got {
		if seen[p] {
			t.Fatalf("%s reserved twice: %v", p, got)
		}
		seen[p] = true
	}
}

// TestCorrectionsStoredLate: a correction spooled through an outage of the decision log (or
// waiting for its decision on another replica) reaches the database long after it was given.
// Read by the time it was given, it fell before the window of the next learn and was never
// learnt. It is read by when it was stored as well; what was stored well before the window
// is not.
func TestCorrectionsStoredLate(t *testing.T) {
	ctx := context.Background()
	db := openLog(t)
	now := time.Now()
	if _, err := db.AppendDecisions(ctx, []store.Decision{{MsgID: "m1", Time: now.Add(-2 * time.Hour), Text: "报销凭证怎么开", Intent: "return_goods", Route: "suggest"}}); err != nil {
		t.Fatal(err)
	}
	// given an hour ago, during the outage; stored now, as the spool is replayed
	if err := db.AddFeedback(ctx, store.Feedback{MsgID: "m1", Time: now.Add(-time.Hour), CorrectIntent: "invoice"}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		since time.Time
		want  int
	}{
		{"last read half an hour ago", now.Add(-30 * time.Minute), 1},
		{"last read began well after it was stored", time.Now().Add(CommitMargin + time.Minute), 0},
	} {
		fixes, err := Corrections(ctx, db, c.since)
		if err != nil {
			t.Fatal(err)
		}
		if len(fixes) != c.want {
			t.Errorf("%s: %d corrections, want %d", c.name, len(fixes), c.want)
		}
	}
}

// TestCorrectionsGivenSince: zhiyi learn --since T reads what was given from T. The margin a
// read boundary needs (CommitMargin) took a correction given half a minute before T too.
func TestCorrectionsGivenSince(t *testing.T) {
	ctx := context.Background()
	db := openLog(t)
	now := time.Now()
	if _, err := db.AppendDecisions(ctx, []store.Decision{
		{MsgID: "m1", Time: now.Add(-time.Minute), Text: "报销凭证怎么开", Intent: "return_goods", Route: "suggest"},
		{MsgID: "m2", Time: now.Add(-time.Minute), Text: "东西不要了", Intent: "invoice", Route: "suggest"},
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.AddFeedback(ctx, store.Feedback{MsgID: "m1", Time: now.Add(-30 * time.Second), CorrectIntent: "invoice"}); err != nil {
		t.Fatal(err)
	}
	if err := db.AddFeedback(ctx, store.Feedback{MsgID: "m2", Time: now.Add(-10 * time.Second), CorrectIntent: "return_goods"}); err != nil {
		t.Fatal(err)
	}
	from := now.Add(-20 * time.Second)
	given, err := CorrectionsGivenSince(ctx, db, from)
	if err != nil {
		t.Fatal(err)
	}
	if len(given) != 1 || given[0].Text != "东西不要了" {
		t.Errorf("given since %s: %+v, want the one correction given after it", from.Format(time.TimeOnly), given)
	}
	if read, err := Corrections(ctx, db, from); err != nil || len(read) != 2 {
		t.Errorf("read from a read boundary: %d corrections, %v; want both (the margin)", len(read), err)
	}
}

// TestCorrectionCommittedAcrossARead: on PostgreSQL a feedback's stored_at (the replica's clock
// when the INSERT was issued) can precede the start of a read that cannot see it yet (the commit
// waits: a lock, a synchronous standby, a slow disk). Without a margin such a correction fell
// between two learns and was never learnt. Here the commit is held by a table lock while one
// learn reads; the next learn, reading from when that one began, must find it.
func TestCorrectionCommittedAcrossARead(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dsn := testsvc.SharedPostgres(t).NewDatabase(t)
	db, err := store.Open(ctx, store.Config{URL: dsn})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Now()
	if _, err := db.AppendDecisions(ctx, []store.Decision{{MsgID: "m1", Time: now.Add(-2 * time.Hour), Text: "报销凭证怎么开", Intent: "return_goods", Route: "suggest"}}); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	lock, err := raw.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lock.ExecContext(ctx, `LOCK TABLE feedback IN SHARE MODE`); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		done <- db.AddFeedback(ctx, store.Feedback{MsgID: "m1", Time: now.Add(-time.Hour), CorrectIntent: "invoice"})
	}()
	time.Sleep(300 * time.Millisecond) // the INSERT is stamped and waits for its lock
	readBegan := time.Now()
	first, err := Corrections(ctx, db, now.Add(-30*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	lock.Commit()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	next, err := Corrections(ctx, db, readBegan)
	if err != nil {
		t.Fatal(err)
	}
	if len(first)+len(next) != 1 {
		t.Errorf("the correction was read %d times by the learn under way and %d by the next; want once", len(first), len(next))
	}
}

// openLog opens a SQLite decision log of the test's own, closed at its end.
func openLog(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), store.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
