// Package board is what the operator's dashboard shows, rendered: the decision log's numbers for
// a period (store.Summary) as JSON, a plain-text summary and a self-contained HTML page with SVG
// charts drawn on the server; and the unmatched messages of a period clustered into the sheet an
// operator labels. `zhiyi report`, `zhiyi unmatched`, GET /admin/unmatched (through the hook cmd
// gives serve), `zhiyi export` and the console's 看板 and 未识别 pages call it. It imports store, train and
// intent; nothing imports it but cmd and the console. Periods are read by internal/period.
//
// # API
//
//	b, err := board.Build(ctx, db, board.Query{Since: since, Until: until})   // Bucket 0: hours up to 3 days, else days
//	json.NewEncoder(w).Encode(b)   // the JSON below
//	b.WriteText(w)                 // zhiyi report's default output
//	b.WriteHTML(w)                 // the page: cards, charts, tables
//	c := b.Charts()                // the charts alone (template.HTML), for the console
//	p := b.ChartsAt(board.Phone)   // the same drawn for a phone: 340 units wide, 12-unit text, no tooltips
//	res, err := board.Unmatched(ctx, db, eng, board.UnmatchedQuery{Since: since}) // res.Lines: the sheet
//	board.WriteSheet(w, res.Lines) // JSON lines, as zhiyi cluster writes them
//	n, err := board.WriteRows(ctx, db, board.RowsQuery{Since: since, Format: board.RowsCSV}, w) // zhiyi export: a row per decision
//	since, err := period.Parse("7d", time.Now()) // also 24h, 90m, 2026-11-01 (CST), RFC 3339; "" = zero
//
// The chart functions are small and reusable: LineChart and ColumnChart (stacked) take a Chart —
// x labels, Series of values (NaN leaves a gap), a y Format (Count, Percent, Micros, Rating) —
// and BarChart takes Bars; each returns inline SVG as template.HTML with every text escaped, a
// tooltip (<title>) on each point, bar and column, no script and nothing fetched. A chart is an
// image (role="img") named by its title, and its <desc> says its numbers in words for a screen
// reader (each series' lowest, highest and last value; each bar's value). Chart.Text and
// Bars.Text set the text size, Chart.Plain leaves the tooltips out, and Bars.Stacked puts each
// label over its bar: a phone's chart (Phone) is narrow, with larger text and no tooltips.
//
// # The JSON (Board)
//
// The top level holds store.Stats, the period's totals, under the names other tools read:
//
//	{"since": "2026-11-01T00:00:00+08:00", "until": "…", "bucket": "hour"|"day", "time_zone": "CST",
//	 "messages": 1200, "unrecognised": 40, "unmatched": 180, "handoffs": 90, "suggested": 300, "silent": 6,
//	 "repeats": 25, "escalations": 4, "ratings": 150, "bad_ratings": 12, "resolved": 100,
//	 "resolved_known": 130, "corrections": 7,
//	 "unrecognised_rate": 0.033, "handoff_rate": 0.075, "repeat_rate": 0.021,
//	 "resolved_rate": 0.769, "mean_rating": 4.3, "bad_rating_share": 0.08,
//	 "latency_p50_us": 85, "latency_p99_us": 900,
//	 "auto": 804,                                               answered automatically: messages − handoffs − suggested − silent
//	 "series":     [{"start": "2026-11-01T00:00:00+08:00", …the same Stats…}, …],  every bucket, empty ones too
//	 "by_hour":    [{"hour": 0, …counts and rates…, "latency_p50_max_us", "latency_p99_max_us"}, … 24],
//	 "by_intent":  [{"key": "invoice", …Stats…}, …],            most messages first
//	 "by_channel": [{"key": "wecom", …Stats…}, …],
//	 "by_answer":  [{"key": "invoice.a", "variant": "b", …Stats…}, …],
//	 "bad_comments": [{"comment": "答非所问", "messages": 19}, …], "bad_commented": 57,   the customers' words on bad ratings, with BadComments only
//	 "previous":   {"since", "until", …Stats…, "auto", "intents": [{"key", "previous", "messages", "change"}, …]}}  with Compare only
//
// Rates are 0 when their denominator is (resolved_rate over resolved_known, mean_rating and
// bad_rating_share over ratings, the others over messages); the charts leave such points out
// instead. Latencies are microseconds, nearest-rank percentiles. by_hour folds the hourly series
// into the hours of the day: counts and rates add up, percentiles do not, so it gives the
// slowest hour's percentiles (an upper bound). A day-bucketed board therefore reads the store
// twice (days, then hours).
//
// # Time
//
// Query.Location (default CST, China Standard Time, the zone period.Parse reads dates in)
// sets where days start and which hour of the day a message falls in; the JSON's times carry
// its offset. Hour buckets in zones with a half-hour offset start on UTC hours.
//
// # Unmatched
//
// Unmatched reads the decisions store.Query{Unmatched: true} selects (intent none, route
// handoff, or confidence below LowConfidence) newest first, at most Max (DefaultMaxUnmatched, 10 000), and clusters
// their masked text with train.Cluster; the sheet's members are msg_ids, and Texts has each
// one's masked text. UnmatchedQuery.Skip leaves msg_ids out (the console's already labelled
// ones). Serve's route is wired as
//
//	serve.WithUnmatched(func(ctx context.Context, e serve.Engine, since time.Time) (any, error) {
//		eng, ok := e.(*intent.Engine)
//		if !ok { return nil, errors.New("the engine cannot cluster") }
//		res, err := board.Unmatched(ctx, db, eng, board.UnmatchedQuery{Since: since})
//		if err != nil { return nil, err }
//		return res.Lines, nil   // a JSON array of sheet lines
//	})
//
// # Measured
//
// On this 2-core machine, shared and busy (load 4–6), a week of 1M decisions with 100k ratings in
// SQLite (BenchmarkBuild with ZHIYI_BOARD_ROWS=1000000; zhiyi report end to end): by the hour
// 3.3–4.7 s (one Summary), by the day 6–10 s (two Summaries at once; 460 MB resident); the page
// of a week by the hour renders in 3 ms and weighs 240 kB. Unmatched on the sample shop,
// messages worded apart: 5 000 in 0.8 s, 10 000 in 2.2 s, 20 000 in 11 s — train.Cluster's
// leader pass dominates, so Max bounds it.
//
// Errors: ErrQuery (Build: a period without start, backwards, or with too many points); the
// store's errors otherwise, wrapped as they come.
package board
