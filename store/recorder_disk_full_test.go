package store_test

import (
	"context"
	"errors"
	"log/slog"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
	"github.com/zhiyi-ai/zhiyi/store"
)

// fullDisk is a real SQLite log whose disk is full while full is set: pings answer, writes fail
// as SQLite's do (a full disk cannot be made portably in a test).
type fullDisk struct {
	*store.DB
	full  atomic.Bool
	pings atomic.Int64
}

func (d *fullDisk) Ping(ctx context.Context) error {
	d.pings.Add(1)
	return d.DB.Ping(ctx)
}

func (d *fullDisk) ProbeWrite(ctx context.Context) error {
	if d.full.Load() {
		return errors.New("store: write probe: sqlite3: disk I/O error")
	}
	return d.DB.ProbeWrite(ctx)
}

func (d *fullDisk) AppendDecisions(ctx context.Context, ds []store.Decision) (int, error) {
	if d.full.Load() {
		return 0, errors.New("store: insert: sqlite3: disk I/O error")
	}
	return d.DB.AppendDecisions(ctx, ds)
}

// watchedSink is a Sink that counts pings and, once watching, notes every write the recorder
// sends it while reporting itself up: a recorder down for its disk has to stay down (zhiyi_store_up
// 0) through the replays that fail, and a write it tries is where a flap up would show.
type watchedSink struct {
	store.Sink
	rec         atomic.Pointer[store.Recorder]
	watch       atomic.Bool
	pings       atomic.Int64
	writes      atomic.Int64 // writes seen while watching
	upAtWrite   atomic.Int64 // of those, how many found the recorder reporting up
	failedWrite atomic.Int64 // of those, how many failed
}

func (s *watchedSink) Ping(ctx context.Context) error {
	s.pings.Add(1)
	return s.Sink.Ping(ctx)
}

func (s *watchedSink) AppendDecisions(ctx context.Context, ds []store.Decision) (int, error) {
	watching := s.watch.Load()
	if r := s.rec.Load(); watching && r != nil {
		s.writes.Add(1)
		if r.Stats().Up {
			s.upAtWrite.Add(1)
		}
	}
	n, err := s.Sink.AppendDecisions(ctx, ds)
	if watching && err != nil {
		s.failedWrite.Add(1)
	}
	return n, err
}

// A full disk answers pings: the log stays down (zhiyi_store_up 0) instead of flapping between
// down and back while nothing can be written — the spool is full too — and it is back once a
// write goes in: its own probe, with no record coming (before, it stayed down until the next
// decision, all night for a shop whose customers had gone to bed).
func TestRecorderFullDiskStaysDown(t *testing.T) {
	sink := &fullDisk{DB: openSQLite(t)}
	sink.full.Store(true)
	r := newRecorder(t, sink, store.RecorderConfig{SpoolMax: 1, RetryInterval: 1, SyncInterval: 1})
	r.Record(decision(1))
	if err := r.Flush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	// three more probes, or back (it stops probing then)
	ctx := testCtx(t)
	for before := sink.pings.Load(); sink.pings.Load() < before+3 && !r.Stats().Up; {
		if ctx.Err() != nil {
			t.Fatal("the recorder stopped probing the database")
		}
		runtime.Gosched()
	}
	if st := r.Stats(); st.Up || st.Dropped != 1 {
		t.Fatalf("a full disk after three pings: %+v; want down, the decision dropped (the spool is full)", st)
	}
	sink.full.Store(false) // space again
	for !r.Stats().Up {
		if ctx.Err() != nil {
			t.Fatalf("space again, no record coming: %+v; want up once its probe wrote", r.Stats())
		}
		runtime.Gosched()
	}
	r.Record(decision(2))
	if err := r.Flush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if n, _ := count(t, sink.DB); n != 1 {
		t.Errorf("%d decisions written once the disk had space, want the one recorded then", n)
	}
}

// TestRecorderFullDiskWithSpoolStaysDown: with records already spooled, a full disk still stays
// down through the replays that fail (before, each replay's probe read it up until the replay
// failed, and logged the outage again), and is back, with everything replayed, once there is
// room.
func TestRecorderFullDiskWithSpoolStaysDown(t *testing.T) {
	disk := &fullDisk{DB: openSQLite(t)}
	sink := &watchedSink{Sink: disk}
	var logged testsvc.Buffer
	r := newRecorder(t, sink, store.RecorderConfig{RetryInterval: time.Millisecond, Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	sink.rec.Store(r)
	disk.full.Store(true)
	stayDownUntilWritable(t, r, sink, disk.DB, &logged, func() { disk.full.Store(false) })
}
