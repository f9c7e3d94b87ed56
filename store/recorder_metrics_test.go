package store_test

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/VictoriaMetrics/metrics"

	"github.com/zhiyi-ai/zhiyi/store"
)

// hist is one series of a histogram as /metrics writes it.
type hist struct {
	count, sum float64
	le         map[string]float64 // cumulative, by bound
}

func readHist(t *testing.T, set *metrics.Set, family, db string) hist {
	t.Helper()
	var buf bytes.Buffer
	set.WritePrometheus(&buf)
	h := hist{le: map[string]float64{}}
	label := `{db="` + db + `"`
	for line := range strings.Lines(buf.String()) {
		name, v, _ := strings.Cut(strings.TrimSpace(line), " ")
		f, _ := strconv.ParseFloat(v, 64)
		switch {
		case name == family+"_count"+label+"}":
			h.count = f
		case name == family+"_sum"+label+"}":
			h.sum = f
		case strings.HasPrefix(name, family+"_bucket"+label+`,le="`):
			h.le[strings.TrimSuffix(strings.TrimPrefix(name, family+"_bucket"+label+`,le="`), `"}`)] = f
		}
	}
	if h.count > 0 && h.le["+Inf"] != h.count {
		t.Errorf("%s%s}: +Inf bucket %g, count %g", family, label, h.le["+Inf"], h.count)
	}
	return h
}

// failingSink is a database that refuses every insert (a full disk, say) and answers the rest.
type failingSink struct{ *store.DB }

func (failingSink) AppendDecisions(context.Context, []store.Decision) (int, error) {
	return 0, errors.New("store: cannot append decisions: disk full")
}

// Every insert into the database is timed and sized under its db, those that fail too: the
// writer's batches of at most BatchSize, on a real SQLite file and a real PostgreSQL.
func TestRecorderWriteMetrics(t *testing.T) {
	for _, tc := range []struct {
		name, db string
		sink     func(t *testing.T) store.Sink
		fails    bool
	}{
		{"sqlite", "sqlite", func(t *testing.T) store.Sink { return openSQLite(t) }, false},
		{"postgres", "postgres", func(t *testing.T) store.Sink { return openPostgres(t) }, false},
		{"sqlite refusing writes", "sqlite", func(t *testing.T) store.Sink { return failingSink{openSQLite(t)} }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set := metrics.NewSet()
			r := newRecorder(t, tc.sink(t), store.RecorderConfig{Metrics: set, BatchSize: 100})
			const n = 250
			for i := range n {
				r.Record(decision(i))
			}
			if err := r.Flush(testCtx(t)); err != nil {
				t.Fatal(err)
			}
			secs := readHist(t, set, "zhiyi_store_write_duration_seconds", tc.db)
			size := readHist(t, set, "zhiyi_store_write_batch_decisions", tc.db)
			st := r.Stats()
			switch {
			case secs.count == 0 || secs.sum <= 0:
				t.Errorf("write durations: %g inserts taking %gs, want some", secs.count, secs.sum)
			case size.count != secs.count:
				t.Errorf("%g inserts sized, %g timed", size.count, secs.count)
			case size.le["128"] != size.count:
				t.Errorf("inserts over BatchSize (100): %g of %g", size.count-size.le["128"], size.count)
			case !tc.fails && (size.sum != n || st.Written != n || secs.count < n/100):
				t.Errorf("%g decisions in %g inserts, %d written; want %d in at least %d", size.sum, size.count, st.Written, n, n/100)
			case tc.fails && (st.Written != 0 || st.Errors == 0 || secs.count < float64(st.Errors)):
				t.Errorf("refused: %d written, %d errors, %g inserts timed; want 0, some, one per error at least", st.Written, st.Errors, secs.count)
			}
			for _, other := range []string{"sqlite", "postgres", "other"} {
				if other != tc.db && readHist(t, set, "zhiyi_store_write_duration_seconds", other).count != 0 {
					t.Errorf("inserts timed under db %q", other)
				}
			}
		})
	}
}

// Each write of a feedback is timed under its db, one for a message not (yet) in the log too.
func TestRecorderFeedbackWriteMetrics(t *testing.T) {
	set := metrics.NewSet()
	r := newRecorder(t, openSQLite(t), store.RecorderConfig{Metrics: set})
	r.Record(decision(1))
	if err := r.Flush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if h := readHist(t, set, "zhiyi_store_feedback_write_duration_seconds", "sqlite"); h.count != 0 {
		t.Fatalf("%g feedback writes timed before any", h.count)
	}
	if err := r.AddFeedback(testCtx(t), store.Feedback{MsgID: decision(1).MsgID, Rating: 5}); err != nil {
		t.Fatal(err)
	}
	if h := readHist(t, set, "zhiyi_store_feedback_write_duration_seconds", "sqlite"); h.count != 1 || h.sum <= 0 {
		t.Errorf("one feedback: %g writes timed taking %gs, want 1", h.count, h.sum)
	}
	if err := r.AddFeedback(testCtx(t), store.Feedback{MsgID: "no-such-message", Rating: 1}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown message: %v", err)
	}
	if h := readHist(t, set, "zhiyi_store_feedback_write_duration_seconds", "sqlite"); h.count < 3 {
		t.Errorf("an unknown message's feedback: %g writes timed in all, want its tries too", h.count)
	}
}
