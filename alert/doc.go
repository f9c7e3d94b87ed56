// Package alert watches what the server does and tells operators when something needs them:
// too many messages not understood, too many handed to humans, bad ratings and what their
// comments say (回复慢 → too few agents, 听不懂 → the model needs work), server errors, slow
// answers and a growing decision-log spool. It evaluates rules over sliding windows and
// delivers alerts to a WeCom group robot, a generic JSON webhook or e-mail, with cooldown,
// grouping and resolved messages, and never blocks a request.
//
// # API
//
//	var f alert.Flags
//	f.RegisterFlags(fs)                       // --alerts, --alert-webhook, --alert-wecom, --alert-smtp, …
//	cfg, err := f.Config()                     // rules (file or DefaultRules) and targets; *ConfigError lists every problem
//	cfg.Logger, cfg.Metrics = logger, set      // optional: HTTPClient, Clock too
//	a, err := alert.New(cfg)                   // starts one evaluation goroutine and one per target
//	a.Observe(alert.Event{Kind: alert.KindDecision, Route: "handoff", Unrecognised: true, Latency: d})
//	go a.WatchSpool(ctx, 10*time.Second, spoolRecords, dropped) // the decision log's spool and losses, periodically
//	defer a.Close(ctx)                         // one more attempt at what is pending; an error says what was not delivered
//
//	err = alert.SendDigest(ctx, cfg.Targets, d)         // a scheduled report (Digest) to the same targets, once each (a busy robot again after its minute); a *DigestError says which have it
//
// Observe is a non-blocking hand-off to a buffered channel: no lock, no allocation, a dropped
// and counted event when the queue is full. Observe on a nil *Alerter does nothing.
//
// The shape follows log/slog: Event is the Record, a Notifier (one method, Notify(ctx,
// []Alert)) is the Handler, and each Notifier — WeCom, Webhook, Email — is one file with its
// test. Evaluator is the synchronous core that an Alerter drives; it is usable alone to replay
// events with their own times. The Clock and the *http.Client are injected, so tests drive
// windows, cooldowns, group waits, backoff and the WeCom rate limit with a fake clock against
// real HTTP and SMTP servers on loopback.
//
// # Events
//
//	KindDecision     one answered message: Route, Intent, Unrecognised, Latency
//	KindFeedback     one rating: Rating 1–5 (0: none), Comment (masked)
//	KindServerError  one 5xx response
//	KindSpool        the decision log's spool size (Spool, records), reported periodically (WatchSpool)
//	KindDropped      records the decision log lost since the last report (Dropped), from WatchSpool
//
// # Rules
//
// A rule measures one thing over a window and fires when it reaches its threshold. The measures
// and the default rules (DefaultRules, in force when no --alerts file gives rules):
//
//	unrecognised      count of Unrecognised decisions        ≥ 20 in 10m
//	handoff_share     share of decisions routed "handoff"    clearly ≥ 50 % over ≥ 30 messages in 10m
//	unrecognised_share
//	                  share of Unrecognised decisions        opt-in, not a default: ≥ 20 % over ≥ 30 in 10m
//	bad_ratings       count of ratings ≤ max_rating (2)      ≥ 3 in 30m
//	comment_keywords  a comment containing a group's word    at once, with the group's category, then
//	                  grouped for the cooldown (10m):
//	                  回复慢/等太久/没人理… → staffing (人手不足); 听不懂/答非所问/机器人… → model (模型需要改进);
//	                  only comments rated ≤ max_rating (3) or unrated: five stars and 机器人 is praise
//	error_rate        5xx / (decisions + 5xx)                ≥ 1 % over ≥ 100 in 5m, or 10 5xx (critical)
//	p99_latency       99th percentile of decision latency    ≥ 50ms over ≥ 100 messages in 5m
//	spool             the last reported spool size           ≥ 10000 records (critical)
//	dropped           records the decision log lost          ≥ 1 in 10m (critical): the spool full
//	                  or unwritable (a full disk drops them with an empty spool, which the spool
//	                  rule cannot see), a record the database refused; the store's log lines
//	                  say which. Spooled feedback whose msg_id never reached the log is no loss
//	                  and does not count (zhiyi_store_feedback_unmatched_total): /feedback needs
//	                  no token
//
// A window is cut into 60 buckets: adding an event and reading a count cost O(1), and a window
// of W counts the events of the last W to within W/60. p99 is decided exactly (two counters);
// the value shown comes from a log histogram (within 19 %).
//
// A share (handoff_share, unrecognised_share) is compared through its Wilson score bounds
// (z = 2.326, one-sided 99 %): it fires when the lower bound reaches the threshold, so a window
// of a few dozen messages does not fire on chance, and resolves when the upper bound is under it
// or the share is under 0.8 × threshold. error_rate fires on the share itself (each 5xx is a
// message that got no answer) and resolves as the others. Counts, the spool and p99 fire on the value
// and resolve under 0.8 × threshold. In between, a rule keeps its state: a value hovering
// around the threshold fires once and resolves once.
//
// A threshold rule goes ok → firing → (resolved) ok; one still firing when the Alerter closes
// gets a stopped message (StateStopped, 停止监测), since no resolution will come from this
// process and a restart evaluates from empty windows (one whose condition is gone by then, its
// window slid since the last evaluation, gets its resolved message instead). It may not fire
// again within its cooldown (default 30m) after firing; a condition still true when the
// cooldown ends fires then. Rules are evaluated on every event they concern and every
// EvalInterval (1s), so a condition clears without new events. comment_keywords fires at once for the first matching comment of a group,
// carries the masked comment (masked again, to be sure; omit_comment: true leaves it out —
// addresses and WeChat ids are not masked) and never resolves. Within the group's cooldown
// (DefaultCommentCooldown, 10m; cooldown: 0 fires every comment) its next comments are held
// back and counted: when the cooldown ends (or at Close) one alert reports them all — Count
// comments, the newest one's words, "自 … 起另有 N 条同类评价" and up to MaxQuotedComments of the
// others, each cut to MaxQuotedRunes; a Summary is at most MaxSummaryBytes — so a flood of
// feedback, which needs no token, is one alert per group per cooldown and one WeCom message fits.
//
// # Delivery
//
// Each target has a queue and one goroutine. The alerts that reach a target within GroupWait
// (200ms) of the first, or while an earlier message is in flight, retried or rate-limited, go
// out as one message. An attempt is bounded by Timeout (10s). A failed message is not given
// up: it stays queued and is retried after Backoff (2s), doubling up to a minute, merged with
// the alerts that came meanwhile, until the target takes it; the Attempts-th failure in a row
// (4) is logged at error, the others at warn. The queue is bounded (MaxPending, 1000 per
// target): beyond it the oldest alert is dropped, counted and logged. A target that refuses a
// message for good (a 4xx other than 408 and 429, a WeCom errcode other than busy or over the
// rate) has it given up at once. A resolution (or a stop) goes only after its firing or with it: when the
// target never got the firing (dropped or refused), the resolution is dropped too rather than
// announce the end of something the receiver never saw begin. A firing is sent once, not
// repeated while its rule keeps firing. At Close each pending message gets one more attempt
// (a target that is down is not waited out); what is not delivered is counted as failed,
// logged at error with its rules, and reported in Close's error. WeCom: the robot's markdown
// message {"msgtype":"markdown","markdown":{"content":…}}, content ≤ 4096 bytes (longer bursts
// are split over several messages), delivered only on errcode 0, and at most 20 messages per
// 61 seconds per robot (its limit is 20 a minute; one second of margin), retries included: the
// queue waits and merges instead of dropping. Webhook: see the payload documented on Webhook.
// E-mail: one plain-text message per delivery through github.com/wneessen/go-mail (STARTTLS,
// implicit TLS, or plain to a local relay; SMTP AUTH optional). URLs are logged without their
// query or password (a robot's key is its password). Every target names the shop (Config.Shop,
// the alerts file's shop:, SetShop): the robot's heading (### 知意告警 · 衣橱小铺), the e-mail
// subject and the webhook's "shop", so that several shops can alert into one group.
//
// # Configuration
//
// Flags (each with a ZHIYI_* environment variable): --alerts FILE (see File for the format),
// --alert-webhook URL, --alert-wecom URL, --alert-smtp URL with --alert-email-from ADDR and
// --alert-email-to A,B. A target flag alone applies DefaultRules to it. Config fields default
// when zero (see Config); validation errors name file:line and list every problem.
//
// # Logs and metrics
//
// Every firing is logged at warn ("alert firing", with rule, name, measure, severity, value,
// threshold, count, summary, and a comment's category and keyword but not the comment), one line
// per firing however many comments it groups (a comment held back is counted, not logged), every
// resolution at info; a target failing Attempts times in a row at error once, its other failed
// attempts at warn, every alert given up or dropped at error with its rules — with the target's
// name and type but never its URL's path or key.
//
//	zhiyi_alert_fired_total{rule}             firings
//	zhiyi_alert_resolved_total{rule}          resolutions
//	zhiyi_alert_suppressed_total{rule}        firings held back by the cooldown (comments: each held back)
//	zhiyi_alert_comments_total{rule,category} comments reported, a grouped alert's held-back ones too
//	zhiyi_alert_firing{rule}                  1 while a threshold rule fires
//	zhiyi_alert_delivered_total{target,type}  alerts delivered
//	zhiyi_alert_failed_total{target,type}     alerts given up: refused by the target, or not delivered at Close
//	zhiyi_alert_dropped_total{target,type}    alerts dropped: the target's queue full (MaxPending), or a
//	                                          resolution or stop whose firing the target never got
//	zhiyi_alert_pending{target,type}          alerts waiting for the target (queued, retried)
//	zhiyi_alert_attempts_failed_total{target,type}
//	                                          delivery attempts that failed: a target in trouble
//	zhiyi_alert_throttled_total{target,type}  answers that the receiver's rate is used up (not failures)
//	zhiyi_alert_messages_total{target,type}   messages (requests, e-mails) delivered
//	zhiyi_alert_events_dropped_total          events Observe dropped (queue full, or closed)
package alert
