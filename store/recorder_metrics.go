package store

import (
	"context"
	"slices"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"github.com/zhiyi-ai/zhiyi/internal/promhist"
)

// writeDBs label the write histograms: a DB's Kind, or "other" for a Sink that is no DB.
var writeDBs = []string{"sqlite", "postgres", "other"}

// batchBuckets bound zhiyi_store_write_batch_decisions: powers of two, so that the default
// batch (DefaultBatchSize, 512) has a bucket of its own and full batches show as such.
var batchBuckets = []float64{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096}

// registerMetrics puts the recorder's counters and gauges on m (listed in the package doc).
func (r *Recorder) registerMetrics(m *metrics.Set) {
	r.recorded = m.GetOrCreateCounter("zhiyi_store_recorded_total")
	r.written = m.GetOrCreateCounter("zhiyi_store_written_total")
	r.duplicates = m.GetOrCreateCounter("zhiyi_store_duplicates_total")
	r.spooled = m.GetOrCreateCounter("zhiyi_store_spooled_total")
	r.replayed = m.GetOrCreateCounter("zhiyi_store_replayed_total")
	r.dropped = m.GetOrCreateCounter("zhiyi_store_dropped_total")
	r.unmatched = m.GetOrCreateCounter("zhiyi_store_feedback_unmatched_total")
	r.errs = m.GetOrCreateCounter("zhiyi_store_errors_total")
	r.retained = m.GetOrCreateCounter("zhiyi_store_retention_deleted_total")
	r.catchUps = m.GetOrCreateCounter("zhiyi_store_catch_up_batches_total")
	sp := r.spool
	m.GetOrCreateGauge("zhiyi_store_spool_bytes", func() float64 { return float64(sp.Bytes()) })
	m.GetOrCreateGauge("zhiyi_store_spool_records", func() float64 { return float64(sp.Records()) })
	m.GetOrCreateGauge("zhiyi_store_queue_length", func() float64 { return float64(len(r.ch)) })
	m.GetOrCreateGauge("zhiyi_store_up", func() float64 {
		if r.down.Load() {
			return 0
		}
		return 1
	})
	db := len(writeDBs) - 1
	if k, ok := r.sink.(interface{ Kind() string }); ok {
		if i := slices.Index(writeDBs, k.Kind()); i >= 0 {
			db = i
		}
	}
	r.writeSecs = promhist.Durations(m, "zhiyi_store_write_duration_seconds",
		"Duration of the decision log's inserts (a queued batch, a replayed chunk, or a decision alone after a refusal), failed ones included.",
		"db", writeDBs).At(db)
	r.batchSize = promhist.Counts(m, "zhiyi_store_write_batch_decisions", "Decisions per insert into the decision log.",
		"db", writeDBs, batchBuckets).At(db)
	r.feedbackSecs = promhist.Durations(m, "zhiyi_store_feedback_write_duration_seconds",
		"Duration of each attempt to write a feedback into the decision log (one not found yet, or failed, included).",
		"db", writeDBs).At(db)
}

// addFeedback is one AddFeedback into the database, timed whether it succeeds or not.
func (r *Recorder) addFeedback(ctx context.Context, f Feedback) error {
	start := time.Now()
	err := r.sink.AddFeedback(ctx, f)
	r.feedbackSecs.Since(start)
	return err
}

// insert is one AppendDecisions into the database, timed and sized whether it succeeds or not.
// The writer's alone (writer, replay, catchUp's goroutine while the writer waits for it).
func (r *Recorder) insert(ctx context.Context, ds []Decision) (int, error) {
	start := time.Now()
	n, err := r.sink.AppendDecisions(ctx, ds)
	r.writeSecs.Since(start)
	r.batchSize.Observe(uint64(len(ds)))
	return n, err
}
