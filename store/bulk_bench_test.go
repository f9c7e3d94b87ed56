package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
)

// benchDecisions makes n decisions shaped like the sample shop's traffic, with ids already
// hashed as serve would pass them.
func benchDecisions(db *DB, n, offset int) []Decision {
	texts := []string{"东西不要了怎么寄回去", "我要开发票,公司抬头", "什么时候发货啊", "快递到哪了", "我的电话 <PHONE> 尽快联系"}
	out := make([]Decision, n)
	base := time.Now().Add(-time.Hour)
	for i := range out {
		j := offset + i
		out[i] = Decision{MsgID: fmt.Sprintf("wx%016x", uint64(j)*0x9e3779b97f4a7c15), Time: base.Add(time.Duration(j) * time.Microsecond),
			Channel: "wecom", SenderHash: db.Hash(fmt.Sprint("wm", j%10000)), ChatHash: db.Hash(fmt.Sprint("c", j%10000)),
			Text: texts[j%len(texts)], Intent: "invoice", Confidence: 0.93, Route: RouteAuto, Reason: "confident",
			AnswerID: "invoice.a", Turn: 1 + j%3, Model: "shop@20261122T045425Z", LatencyMicros: int64(60 + j%200)}
	}
	return out
}

// sqliteRows is the rows of one multi-row INSERT (20 parameters each, under SQLite's limit of
// 32766).
const sqliteRows = 64

// sqliteInsert inserts n decisions in one statement.
func sqliteInsertRows(n int) string {
	row := "(?" + strings.Repeat(", ?", numInsertCols-1) + ")"
	return "INSERT INTO decisions (" + insertCols + ") VALUES " + row + strings.Repeat(", "+row, n-1) +
		" ON CONFLICT (msg_id) DO NOTHING"
}

var sqliteInsertFull = sqliteInsertRows(sqliteRows)

// sqliteBulkMultiRow is the alternative sqliteBulk was measured against: sqliteRows rows per
// statement. It used as much CPU as the single-row statement (4.2 s user for 300k rows both).
func (db *DB) sqliteBulkMultiRow(ctx context.Context, ds []Decision) (int, error) {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	var full *sql.Stmt
	args := make([]any, 0, sqliteRows*numInsertCols)
	n := 0
	for len(ds) > 0 {
		k := min(len(ds), sqliteRows)
		args = args[:0]
		for i := range ds[:k] {
			args = insertArgs(args, &ds[i], 0)
		}
		var res sql.Result
		if k == sqliteRows {
			if full == nil {
				if full, err = tx.PrepareContext(ctx, sqliteInsertFull); err != nil {
					return 0, err
				}
				defer full.Close()
			}
			res, err = full.ExecContext(ctx, args...)
		} else {
			res, err = tx.ExecContext(ctx, sqliteInsertRows(k), args...)
		}
		if err != nil {
			return 0, err
		}
		m, _ := res.RowsAffected()
		n += int(m)
		ds = ds[k:]
	}
	return n, tx.Commit()
}

// benchBulk appends b.N decisions in batches of DefaultBatchSize through bulk (cleaning
// excluded: it is the same for every variant), reporting rows per second. With newIDs the
// decisions have NewID's time-ordered ids, as serve gives messages without a gateway msg_id;
// otherwise scattered ids, as gateways send.
func benchBulk(b *testing.B, db *DB, bulk func(context.Context, []Decision) (int, error), newIDs bool) {
	ds := benchDecisions(db, b.N, 0)
	for i := range ds {
		if newIDs {
			ds[i].MsgID = NewID()
		}
		ds[i] = clean(db.Hash, ds[i])
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for len(ds) > 0 {
		k := min(len(ds), DefaultBatchSize)
		if _, err := bulk(context.Background(), ds[:k]); err != nil {
			b.Fatal(err)
		}
		ds = ds[k:]
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "rows/s")
}

func BenchmarkSQLiteBulk(b *testing.B) {
	for _, v := range []struct {
		name   string
		bulk   func(*DB) func(context.Context, []Decision) (int, error)
		newIDs bool
	}{
		{"single/gateway-ids", func(db *DB) func(context.Context, []Decision) (int, error) { return db.sqliteBulk }, false},
		{"single/new-ids", func(db *DB) func(context.Context, []Decision) (int, error) { return db.sqliteBulk }, true},
		{"multirow/gateway-ids", func(db *DB) func(context.Context, []Decision) (int, error) { return db.sqliteBulkMultiRow }, false},
	} {
		b.Run(v.name, func(b *testing.B) {
			db, err := Open(context.Background(), Config{DataDir: b.TempDir(), Logger: discard()})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			benchBulk(b, db, v.bulk(db), v.newIDs)
		})
	}
}

func BenchmarkPostgresBulk(b *testing.B) {
	pg := testsvc.SharedPostgres(b)
	for _, how := range []string{pgBulkValues, pgBulkCopy} {
		b.Run(how, func(b *testing.B) {
			db, err := Open(context.Background(), Config{URL: pg.NewDatabase(b), Logger: discard()})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			benchBulk(b, db, db.pgBulk(how), false)
		})
	}
}

// BenchmarkAppendDecisions is the whole AppendDecisions, cleaning (masking, hashing) included.
func BenchmarkAppendDecisions(b *testing.B) {
	db, err := Open(context.Background(), Config{DataDir: b.TempDir(), Logger: discard()})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	benchBulk(b, db, db.AppendDecisions, false)
}

func BenchmarkClean(b *testing.B) {
	db, err := Open(context.Background(), Config{DataDir: b.TempDir(), Logger: discard()})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ds := benchDecisions(db, 1024, 0)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		sink = clean(db.Hash, ds[i%len(ds)])
	}
}

var sink Decision
