// Package console is the operator console: web pages in Chinese, served by zhiyi serve under
// /console, for people who do not read JSON lines. It tests messages as a customer would get
// them, groups what the bot missed for labelling, lists agents' corrections, edits the rules,
// stops experiment variants, charts the dashboard and switches model versions.
//
// It is server-rendered with html/template (every output escaped); its templates, stylesheet
// and one small script are embedded (go:embed), nothing is built or fetched at run time, and
// charts are SVG drawn on the server by package board (看板 is board.Build's board, as zhiyi
// report draws it; 未识别 is board.Unmatched's sheet). It imports board, reply, store, train,
// rules, lint, experiment, learn and intent; it never imports serve or cmd.
//
// The pages work on a phone as well (企业微信's browser): under 640 CSS px the stylesheet stacks
// the forms, makes every link, button and field at least 40 px, and lets a table wider than the
// screen scroll inside its div.scroll instead of widening the page. Each chart is drawn twice,
// as a screen's and as a phone's (board.Phone: 340 units wide, larger text), and the stylesheet
// shows the phone's under 640 px, where the screen's would draw its text at about 5 px.
// TestPhone checks every page at 390×844, chart text at 11 px or more.
//
// Every operator can use them: the pages are in zh-CN (<html lang>), every field, button and
// meter has an accessible name, table headers have a scope, the nav marks the page one is on
// (aria-current="page") and a skip link leads past it, a chart is an image named by its title
// with its numbers in words (<desc>), keyboard focus is a visible 2 px ring, and text has WCAG AA
// contrast (4.5:1). TestAccessibility checks every page in Chromium's accessibility tree.
//
// # API
//
//	c, err := console.New(console.Deps{AdminToken: tok, Model: current, DB: db, …}) // ErrNoToken without a token
//	srv, err := serve.New(cfg, load, log, serve.WithConsole(c.Handler()))            // fasthttp
//	http.Handle("/console/", c.HTTPHandler())                                        // or net/http
//
// Deps carries the serving parts as functions and values: the current model (reply.Model),
// a tester (the same Replier over a private conversation store), the bundle directory, reload
// and the parent finder (learn.Parent), the models root, the decision log (Store: *store.DB), the rules file with its rules.Live, the
// experiments file with its experiment.Live, the alerter's metrics, the admin token, a logger
// and a clock. A part left out turns its page's actions off and the page says so (no decision
// log, no rules file, no experiments file, no alerts).
//
// # Routes
//
//	GET  /console/login?next=PAGE       sign-in form (token and the operator's name); a page asked
//	                                    for signed out sends here with next= (a console page only)
//	POST /console/login                 → session cookie, 303 to next or /console/; 401 wrong token,
//	                                    403 stale form, 429 too many failures (Retry-After)
//	POST /console/logout
//	GET  /console/                      303 to /console/test
//	GET  /console/test                  测试模式
//	POST /console/test                  text, channel, time, sender, history → the decision
//	GET  /console/unmatched?since=7d    未识别: clusters of unlabelled unmatched messages
//	POST /console/unmatched/label       sheet, cluster, intent | new_label → labels (Source "cluster")
//	GET  /console/corrections?since=30d 错判案例: corrections grouped by (predicted, correct)
//	POST /console/corrections/accept    predicted, correct, since, until → labels (Source "console")
//	GET  /console/rules                 规则与答案: rules, answers, validation, lint, versions
//	POST /console/rules/test            text, channel → the rule that fires
//	POST /console/rules/save            content, base → validated, previous kept, written, loaded
//	GET  /console/experiments?since=30d 实验: per-variant numbers and chart
//	POST /console/experiments/stop      variant, action=stop|resume → experiments.yaml, reloaded
//	GET  /console/board?since=7d[&until=DATE] 看板 (until= ends the period, now when absent): totals, series and hour-of-day charts, by intent and channel, alerts
//	GET  /console/board/export?since=7d[&until=DATE] the period's decisions with their latest feedback as CSV (board.WriteRows), ≤ 100 000 rows
//	GET  /console/models                模型: versions, lineage, evaluation
//	GET  /console/models/report?bundle= a bundle's report.html (sandboxed)
//	POST /console/models/promote        bundle → Deps.Reload
//	POST /console/models/rollback       → Deps.Reload of the serving bundle's parent
//	GET  /console/static/…              console.css, console.js
//
// Every page but the sign-in and the static files needs a session; a GET without one is sent
// to the sign-in page, a POST gets 401. A request whose proxy names another path than
// Deps.PathPrefix in X-Forwarded-Prefix gets a 500 page naming both, whatever its path.
//
// # Security
//
// The console is off without an admin token (New returns ErrNoToken; serve answers 404 for
// /console then). Signing in compares the token in constant time (SHA-256 of both) and starts
// a server-side session: a random 256-bit id in the cookie zhiyi_console (Path /console, Deps.PathPrefix before it,
// HttpOnly, SameSite=Strict, Secure when the request came over TLS or with X-Forwarded-Proto:
// https), valid for Deps.SessionTTL (12 h) and Deps.SessionIdle (2 h) unused. Every form
// carries the session's CSRF token and every POST is refused (403) without it, or with an
// Origin header naming another host; the sign-in form is protected the same way by a
// double-submit cookie. Failed sign-ins are limited per client address (the connection's, or
// behind one of Deps.TrustedProxies the client X-Forwarded-For names): Deps.LoginAttempts (5)
// within Deps.LoginWindow (15 min), then 429 until the oldest leaves the window; sign-ins
// sent at once are compared one at a time, each failure counted before the next, so of many
// only Deps.LoginAttempts are compared (internal/authlimit). Answers carry a
// content security policy that allows only the console's own script and stylesheet (no inline
// script or style), no framing, no caching.
//
// Who: the operator gives a name at sign-in (everyone shares the token, so the name is
// declared, not proven). Every change — sign-in and out, labels, rules saved or refused,
// variants stopped, models switched — is logged ("console change", with by, client, area,
// action, detail, at) and kept in a list of the newest 500 (Console.Changes) that 规则与答案,
// 实验 and 模型 show. Details hold ids and counts, never message text.
//
// # Pages and what they use
//
// 测试模式 decides the message with Deps.Tester over a conversation store of that request
// alone: the previous turns are decided and committed first (30 s apart, before the time
// given), then the message with debug on. Nothing reaches the decision log or the metrics.
//
// 未识别 clusters the period's unmatched decisions (store.Query.Unmatched below the bundle's
// suggest threshold, newest first, at most 20 000) that have no label yet with board.Unmatched
// and the serving engine, as GET /admin/unmatched does. The clustering is kept
// in the session for an hour, so a label action labels exactly the members shown: each gets a
// store.Label (key msg_id, masked text, intent id, "none" or "new:<标签>", Source "cluster", By
// the operator), which learn.Corrections and zhiyi learn read. Members someone else labelled
// after the clustering was made (the same cluster open in two browsers, on one replica or two)
// keep their label; the operator is told how many, by whom and as what. The check and the write
// are one store operation (store.DB.AddLabelsUnlessTaken), atomic across replicas sharing a
// decision log: of two operators saving at the same moment, one label is stored and the other
// operator is told it was kept. Under the clusters, the last 30 days' cluster
// labels; when they cannot be read the table says so and the clusters stand.
//
// 错判案例 groups store.FeedbackQuery{Corrections: true} by (decision intent, correct intent),
// a message counted once with its latest correction; accepting a group stores its messages as
// labels (Source "console") for the period up to the page's time. As in 未识别, messages
// someone else labelled after the page was made keep their label, and the operator is told.
//
// 规则与答案 saves the edited rules file only when rules.Parse accepts it with the serving
// bundle's intents and analyzer (else every problem as file:line, and the old rules keep
// serving), and only when the file on disk is still the one the editor started from. The
// previous file is kept beside it as rules.yaml.<UTC time>, the new one written atomically and
// loaded. A file whose answers have lint findings no waiver covers is refused too
// (lint.ParseRules; each finding with its reason in Chinese), as zhiyi serve refuses it at a
// load: saved, it answered customers at once.
//
// 实验 reports explog.Results from the decision log through Set.Reports; stopping or
// resuming a variant edits the stop list of the experiments file (comments kept), checks it with
// experiment.ParseOverrides and experiment.New against the serving knowledge base, keeps the
// previous file, writes and reloads it (experiment.Live.LoadOverrides).
//
// 看板 shows board.Build's board of the period (hourly up to three days, else daily, China
// time) with board's charts — volume, rates, satisfaction, latency, hour of day — the tables
// by intent (the 20 busiest and none; p99 latency) and by channel (rates, 满意度, p50 and p99),
// and the alerter's counters (zhiyi_alert_fired_total and friends). A rate with nothing to count
// (解决率 without yes/no feedback, 满意度 and 差评 without ratings) is "–", as in zhiyi report.
//
// # Periods and errors
//
// since= is read as zhiyi's commands read it (24h, 7d, 2026-11-01, RFC 3339), at most 366 days
// back (board.MaxPoints hours, what 看板 can report) and not empty; a bad value falls back to
// the page's default and the page says why. A value other than the presets is shown as an
// option of its own, and every page states its period in China time.
//
// When the decision log fails, a page says 决策日志暂时无法读取，详情见服务日志 with 503 and shows
// no figures (实验 lists the variants, so one can still be stopped); the error, masked, goes to
// the service log as "console: decision log failed" with the page's name. The driver's error
// names the server's files and is never shown.
//
// So with the server's own files: a models root 模型 cannot read (503), a bundle that does not
// load, rules or experiments a reload leaves as they were, an experiments file 实验 cannot read
// or write. The page says what failed and what to do; the error goes to the service log
// ("console: models root failed", "console: reload failed", "console: experiments file
// failed", with the page). What the operator gave is named, by the file's name alone: a stop
// that leaves an intent no answer (experiments.yaml:2: …), an experiments file that is not YAML.
//
// 模型 lists the bundles in Deps.ModelsRoot from their manifests (parent, learnt_from, metrics,
// report.html) with the serving bundle's lineage; promote reloads a chosen bundle, roll back the
// serving bundle's parent (learn.Parent), both through Deps.Reload.
package console
