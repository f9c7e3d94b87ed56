package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/zhiyi-ai/zhiyi/internal/testsvc"
	"github.com/zhiyi-ai/zhiyi/store"
)

// runCopy writes n decisions (and a feedback for every twentieth) to SQLite in dir, then times
// zhiyi copy's work, DB.CopyFrom, into PostgreSQL at dbURL (a private one when empty): once
// into the new database, once more with everything there, and once for the last minute alone
// (the second pass of a move, with and without --since).
func runCopy(n int, dir, dbURL string) error {
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	src, err := store.Open(ctx, store.Config{DataDir: dir, Logger: log})
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	now := time.Now().Add(-time.Duration(n) * time.Millisecond)
	batch := make([]store.Decision, 0, store.DefaultBatchSize)
	feedback := 0
	for i := 0; i < n; i++ {
		batch = append(batch, decision(rng, i, now))
		if len(batch) == cap(batch) || i == n-1 {
			if _, err := src.AppendDecisions(ctx, batch); err != nil {
				return err
			}
			for _, d := range batch {
				if rng.IntN(20) == 0 {
					if err := src.AddFeedback(ctx, store.Feedback{MsgID: d.MsgID, Rating: 1 + rng.IntN(5), Time: d.Time.Add(time.Minute)}); err != nil {
						return err
					}
					feedback++
				}
			}
			batch = batch[:0]
		}
	}
	src.Close()
	// serve writes a decision a flush after its time: stored when made, not all in the seconds
	// this loop took, or the pass --since the last minute would read every one of them again
	if err := storedWhenMade(filepath.Join(dir, store.DBFileName)); err != nil {
		return err
	}
	reader, err := store.Open(ctx, store.Config{DataDir: dir, ReadOnly: true, Logger: log})
	if err != nil {
		return err
	}
	defer reader.Close()
	if dbURL == "" {
		p, err := testsvc.StartPostgres(testsvc.PostgresOptions{Durable: true})
		if err != nil {
			return err
		}
		defer p.Close()
		if dbURL, err = p.CreateDatabase("storebench_copy"); err != nil {
			return err
		}
	}
	dst, err := store.Open(ctx, store.Config{URL: dbURL, Logger: log, CopyInto: true})
	if err != nil {
		return err
	}
	defer dst.Close()
	for _, pass := range []string{"first", "again", "since_1m"} {
		var opt store.CopyOptions
		if pass == "since_1m" {
			// decisions are a millisecond apart: the last minute's 60,000
			opt.Since = now.Add(time.Duration(n)*time.Millisecond - time.Minute)
		}
		start := time.Now()
		p, err := dst.CopyFrom(ctx, reader, opt)
		if err != nil {
			return err
		}
		took := time.Since(start)
		fmt.Printf("copy=%s sqlite_decisions=%d sqlite_feedback=%d took=%s decisions/s=%.0f new_decisions=%d new_feedback=%d\n",
			pass, n, feedback, took.Round(time.Millisecond), float64(n)/took.Seconds(), p.Decisions, p.Feedback)
	}
	return nil
}

// storedWhenMade sets each decision's stored_at of the SQLite log at path to its time.
func storedWhenMade(path string) error {
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE decisions SET stored_at = at`); err != nil {
		return fmt.Errorf("cannot set when the decisions were stored: %w", err)
	}
	return nil
}
