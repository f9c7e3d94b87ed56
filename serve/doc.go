// Package serve is zhiyi's HTTP face: a fasthttp server that answers the reply gateway's
// messages with the loaded intent engine, reloads models without dropping requests and shuts
// down gracefully.
//
// # API
//
//	srv, err := serve.New(cfg, loader, logger, opts...) // loads cfg.ModelDir; a failure is an error
//	err = srv.Serve(ctx, ln)  // until ctx is done, then graceful shutdown (every written request answered)
//	err = srv.Reload(ctx, dir) // atomic swap, then the reload hook; a failing load keeps the old engine
//	go srv.ReloadOn(ctx, hup)  // reload on each signal (SIGHUP)
//
// The options add the optional parts (components.go): WithRecorder (the decision log and POST
// /feedback), WithAlerter, WithMetrics, WithReloadHook (what is reloaded with the bundle: rules,
// experiments), WithRollback, WithUnmatched and WithConsole.
//
// The engine is whatever the Loader returns (an Engine: Classify and Version); serve knows
// nothing of bundles. The engine lives in an atomic pointer; requests never lock. Each request
// counts itself on the engine it uses, so a replaced engine is closed (when it is an io.Closer)
// as soon as its last request ends.
//
// # Reloads
//
// Every reload — POST /admin/reload, POST /admin/rollback, SIGHUP, and Reload's callers (the
// console, learning) — goes through Reload: the bundle, checked before it serves
// (WithReloadCheck: rules and experiments that fit the serving bundle must fit it), then what goes with it
// (WithReloadHook: the rules and experiments, loaded against the bundle just swapped in). A
// bundle that does not load, or that the check refuses (ErrPartsRefused), changes nothing; a
// hook that fails leaves the new bundle serving with the previous rules and experiments
// (ErrPartsNotReloaded). Both are 422 reload_failed on the admin routes.
//
// A reload may load only a bundle inside Config.ModelsRoot — by default the model's parent
// directory — once symlinks are resolved: {"model":"/etc"} or a link from the models directory
// to elsewhere is refused (422), and the loader is given the resolved path. A load is bounded by
// Config.ReloadTimeout and ends when shutdown begins; a loader stuck past it is abandoned (what
// it returns later is closed), so neither later reloads nor shutdown wait for it. A failed
// reload's answer and log line name the file but drop what the error quoted from it (parsers
// quote file contents).
//
// # Routes
//
//	POST /intent            {"text":"…","msg_id":"…","sender_id":"…","channel":"wecom|kf|mp","chat_id":"…","sent_at":1730000000000,
//	                         "open_kfid":"wk…","agent_id":"…","dept_ids":["…"],"tags":["…"],"vars":{"nickname":"…"}}
//	                        → the engine's intent.Result as JSON; ?debug=1 adds tokens and features
//	POST /intent/batch      {"messages":[{…},…]} → {"results":[{…},…]} in order; at most Config.MaxBatch (64)
//	GET  /healthz           200 {"status":"ok"} while the process runs
//	GET  /readyz            200 {"status":"ready","model":…,"loaded_at":…} while a model is loaded; 503 once shutting down
//	GET  /metrics           Prometheus text (VictoriaMetrics/metrics, a Set owned by the Server)
//	POST /feedback          {"msg_id":"…","rating":1-5 | "thumbs":"up|down","resolved":true,"correct_intent":"…",
//	                         "comment":"…","agent_id":"…"} → 200 {"status":"recorded","msg_id":…}; only msg_id is
//	                        required; a comment is trimmed (U+3000 too) and one of only white space is absent;
//	                        with the decision log only (WithRecorder), else 404
//	GET  /admin/unmatched   ?since=24h (a duration, a date or an RFC 3339 time; default 24h) → the messages the
//	                        model did not place, as the cluster sheet's lines (a JSON array), largest cluster
//	                        first; with an admin token and the decision log (WithUnmatched), else 404
//	POST /admin/forget      {"sender_id":"…"} or {"chat_id":"…"} → 200 {"status":"forgotten","decisions","feedback",
//	                        "labels"}: a customer's request to delete their data (WithForget), else 404
//	POST /admin/rollback    loads the bundle the serving one was learnt from (WithRollback: learn.Parent) →
//	                        200 {"status":"rolled back","model","dir","previous"}; 409 no_parent when it has none
//	POST /admin/reload      optional {"model":"dir"} (inside Config.ModelsRoot) → 200 {"status":"reloaded","model",
//	                        "dir","took_ms"}; 422 reload_failed when the bundle is outside the models root or
//	                        does not load in time (the old one keeps serving)
//	     /console/…         the operator console (WithConsole; it checks its own sessions), with an admin token;
//	                        a console path under another (/zhiyi/console/: a proxy that did not strip its
//	                        path) gets a 404 that says so
//
// The admin routes need Authorization: Bearer <Config.AdminToken>: they answer 404 while no admin
// token is configured (or their part is not wired) and 401 without the right token. Wrong tokens
// are limited per client address (internal/authlimit, the console's limiter): after
// Config.AdminAttempts (5) within Config.AdminWindow (15 min) the address gets 429
// too_many_attempts with Retry-After, the right token too, until the oldest leaves the window;
// tokens sent at once are compared one at a time, each wrong one counted before the next, so of
// many only Config.AdminAttempts are compared, and right ones are never refused for one another. The address is the connection's or, from one of
// Config.TrustedProxies, the client X-Forwarded-For names; behind a proxy not named there its
// clients share one limit.
//
// Only "text" is required. msg_id, sender_id, channel, chat_id, open_kfid and agent_id are
// strings, sent_at is an integer (unix milliseconds; under 10^11, seconds), dept_ids and tags are arrays of strings and
// vars an object of strings (values for answer placeholders such as {{nickname}}); the operator
// context (open_kfid … vars) is for rules and answers (package reply). A wrong type is 400
// invalid_field. Unknown fields are rejected (400 unknown_field), not ignored, so that a gateway's
// typo ("txt") fails loudly instead of classifying an empty message. Field names match exactly:
// "Text", "TEXT" and "ſender_id" are unknown fields (encoding/json alone would fold them). A field
// given twice is 400 invalid_json, and so is a body of null: the body must be one JSON object.
//
// With the decision log, a message without msg_id gets one (store.NewID, in the answer too) so
// that feedback can name it. An engine that decides in conversations (Conversational: reply.Model)
// answers a retry of a message it has answered (the same msg_id and text) with the bytes it sent the first
// time, which are not counted, logged or alerted again.
//
// The admin token is compared in constant time. The scheme is matched case-insensitively
// ("bearer t" works, as RFC 9110 says auth schemes do) and must be followed by a space; white
// space around the token is ignored ("Bearer   t  " works), so a gateway that pads the header
// is not locked out. Nothing else about the header is lenient.
//
// # Errors
//
// Every bad request gets a 4xx with {"error":{"code":"…","message":"…"}}; a message that quotes
// what the client sent (a channel, an unknown field) has its personal data masked as ids are
// below (writeError, serve/mask.go's echoed):
//
//	400 empty_text              text missing, empty or only white space / zero-width or control characters
//	400 text_too_long           text over Config.MaxTextBytes, counted in UTF-8 bytes after JSON
//	                            decoding; default 2048, the WeCom text message limit (≈ 680 Chinese characters)
//	400 invalid_utf8            the body is not valid UTF-8
//	400 invalid_json            empty, malformed or truncated JSON, not an object (null too),
//	                            a field given twice, or trailing data
//	400 invalid_field           a known field of the wrong type (msg_id must be a string); an id
//	                            over 128 bytes or of white space alone; a bad
//	                            feedback rating, thumbs, comment or agent_id; a bad ?since
//	400 unknown_field           a field the API does not define (names match exactly)
//	400 missing_field           feedback without msg_id
//	400 unknown_intent          feedback's correct_intent is not an intent of the serving model
//	400 empty_batch             a batch without messages
//	400 batch_too_large         more messages than Config.MaxBatch
//	400 bad_request             the HTTP request could not be parsed
//	401 unauthorized            admin route without the right bearer token
//	429 too_many_attempts       admin route from an address with Config.AdminAttempts wrong tokens
//	                            within Config.AdminWindow, the right token too (Retry-After)
//	404 not_found               unknown path (the message names the routes there are); an admin route
//	                            while it is off; /feedback without the decision log
//	404 unknown_msg_id          feedback for a msg_id the decision log has no decision for
//	405 method_not_allowed      wrong method; the Allow header lists the right ones
//	408 request_timeout         the request was not read within Config.ReadTimeout
//	409 no_parent               rollback of a model that was trained from exports, or whose parent is gone
//	413 body_too_large          body over Config.MaxBodyBytes (default 1 MiB), via fasthttp's ErrorHandler
//	415 unsupported_media_type  Content-Type is not application/json (charset=utf-8 allowed)
//	415 unsupported_encoding    a Content-Encoding other than identity: bodies are never decompressed
//	422 reload_failed           a reload or rollback whose bundle did not load (the old one keeps
//	                            serving), or whose rules or experiments did not (the bundle is swapped)
//	431 header_too_large        request headers too large
//	500 internal                a bug: a recovered panic, never expected
//	503 store_unavailable       the decision log cannot take feedback (Retry-After: 5) or be read now
//
// A panic in a handler is recovered, logged with its stack and answered 500 internal; the fuzz
// test FuzzIntentHandler checks that no body gets there.
//
// # Logs and personal data
//
// One JSON line (log/slog) per request: request_id (the client's X-Request-Id if plausible,
// else generated; echoed in the response), route, status, latency_us, msg_id, intent, decision
// (auto, suggest or handoff), and for errors error_code and method. At debug level the line
// adds confidence and, with ?debug=1, the engine's masked text. The message text itself is
// never logged, and neither is any byte of a request fasthttp could not parse (its errors quote
// the request, Authorization header and body included) nor any header: such a request's line
// has error_kind (timeout, body_too_large, header_too_large, missing_host, bad_header,
// bad_chunk, bad_content_length, truncated, malformed, …) and the sizes read_bytes and
// content_length instead. fasthttp's own messages keep their format string and the kinds of
// their errors; its connection errors, which repeat the request line's, are logged at debug
// level.
//
// Client-supplied identifiers (msg_id, the request id, a reload's directory) are masked with
// nlp.MaskExcept(…, nlp.MaskOrder) — phones, ID and bank cards, e-mail, addresses and names in every
// format nlp knows become <PHONE>, <IDCARD>, <BANKCARD>, <EMAIL>, <ADDR>, <NAME>, while long digit runs stay so that ids
// can be correlated — and clipped to 128 bytes (a number or address cut by the clip goes
// too). Panic values and load errors are masked with nlp.Mask.
//
// # Shutdown
//
// When Serve's context ends, /readyz answers 503 and the listener closes. Every request a client
// has written is answered, pipelined ones included; each connection is closed only after an
// answer that says Connection: close, which goes on the first answer with nothing more to read
// behind it, and then gracefully (half-close, wait for the client's close). A keep-alive
// connection idle at that moment stays open for Config.ShutdownIdle (5s) so that a gateway that
// has not noticed yet has its next request answered; then it is closed. Serve returns when all
// connections are closed, or at Config.ShutdownTimeout. fasthttp's own Shutdown dropped
// pipelined and just-written requests; drain.go says why and how this differs.
//
// # Metrics
//
//	zhiyi_http_requests_total{route,status}        requests by route ("other" for unknown paths) and status
//	zhiyi_http_request_duration_seconds{route,le}  latency histogram (Prometheus le buckets)
//	zhiyi_intents_total{intent}                    intents served
//	zhiyi_routes_total{route}                      decisions served (auto, suggest, handoff)
//	zhiyi_out_of_scope_total                       results with intent "none" no rule decided (未识别)
//	zhiyi_channel_routes_total{channel,route}      decisions by channel (the first 32; then "other")
//	zhiyi_feedback_ratings_total{rating}           feedback ratings 1–5 (满意度 and its bad share)
//	zhiyi_feedback_resolved_total{resolved}        feedback saying resolved or not (解决率)
//	zhiyi_feedback_corrections_total               feedback with a correct_intent
//	zhiyi_model_info{version}                      1 for the model serving now
//	zhiyi_model_load_duration_seconds              how long the current model took to load
//	zhiyi_model_loaded_timestamp_seconds           when it was loaded
//	zhiyi_model_reloads_total{result}              loads that succeeded (ok) or were refused (error)
//	zhiyi_config_reloads_total{result}             with WithReloadHook: reloads of what goes with the
//	                                               bundle (the rules and experiments files) that
//	                                               loaded (ok) or not (error: the bundle serves, the
//	                                               files loaded before stay in force)
//	zhiyi_config_last_reload_successful            with WithReloadHook: 0 from such an error until a
//	                                               reload loads the files, else 1
//	zhiyi_http_panics_total                        recovered panics
//	zhiyi_admin_lockouts_total                     client addresses locked out of the admin routes
//
// plus the metric sets given with WithMetrics (zhiyi serve's parts: reply's zhiyi_retries_total,
// zhiyi_repeats_total, zhiyi_escalations_total, zhiyi_rule_hits_total{rule}, zhiyi_sentiment_total,
// zhiyi_context_unavailable_total, zhiyi_conversation_busy_total; session's zhiyi_session_*; the decision log's zhiyi_store_*;
// the alerter's zhiyi_alert_* — each package's doc.go lists them) and the Go runtime and process
// metrics of VictoriaMetrics/metrics (go_*, process_*). Routes are the paths above ("/console" for
// all of the console's). Every family has its # TYPE line (metrics.ExposeMetadata, which New turns
// on for the whole process).
//
// # Configuration
//
// Config.RegisterFlags binds -addr, -model, -models-root, -reload-timeout, -max-text-bytes,
// -max-body-bytes, -max-batch, -read-timeout, -write-timeout, -idle-timeout, -shutdown-timeout,
// -shutdown-idle, -shutdown-delay, -concurrency, -admin-token and -log-level, each defaulting to
// its ZHIYI_* environment variable (ZHIYI_ADDR, ZHIYI_MODEL, ZHIYI_MODELS_ROOT,
// ZHIYI_RELOAD_TIMEOUT, ZHIYI_MAX_TEXT_BYTES, …) and then to the Default* constants.
//
// fasthttp reuses request memory once a handler returns: handlers decode into fresh values and
// keep no RequestCtx data.
package serve
