#!/usr/bin/env bash
# bench-serve.sh — bounded wrk load run against `zhiyi serve` on loopback: POST /intent (bodies
# from the sample shop's holdout) and the trivial GET /healthz in the same run, at 16 and 64
# connections, alternating the two routes. Also measures start-to-ready time and serving RSS.
# See docs/benchmarks.md ("Serving benchmarks").
#
#   bash scripts/bench-serve.sh
#   CONNS="16" DURATION=5 bash scripts/bench-serve.sh     # a quick check
#
# Environment (all optional):
#   WORK          work directory for the Lua script, wrk output and server logs
#                 (default /tmp/zhiyi-serve-bench; must be outside the repository)
#   MODEL         model bundle to serve (default models/shop; trained from corpora/shop if missing)
#   HOLDOUT       JSONL file whose "text" fields become the /intent bodies
#                 (default corpora/shop/holdout/holdout_2026-11.jsonl)
#   CONNS         connection counts (default "16 64")
#   THREADS       wrk thread counts, each a set of runs (default "1 2"). With 2 threads wrk and
#                 the server both want both cores, so the tail shows the kernel's scheduler as
#                 much as the server; with 1, wrk keeps to about one core
#   DURATION      seconds per wrk run (default 10)
#   WARMUP        seconds of unreported /intent load before the first measured run (default 3; 0 = none)
#   PAUSE         seconds of rest between runs (default 2)
#   LOG_LEVEL     server log level (default info, the server's default: one JSON line per request)
#   KEEP_LOG      1: keep the whole server log; 0: keep only its first and last 20 lines, since a
#                 full run writes several hundred MB of request lines (default 0)
#   STEP_TIMEOUT  seconds any build/train/start step may take (default 600)
#
# Each run also reports the server-side latency (the route's zhiyi_http_request_duration_seconds
# histogram, /metrics scraped before and after), the server's CPU time per request (from
# /proc/PID/stat) and VmRSS; the load average before each run and `uptime` before and after.
#
# Progress goes to stderr; the Markdown results go to stdout and to $WORK/results.md.
# Only 127.0.0.1 is used: the server listens on 127.0.0.1:0 (the kernel picks a free port) and the
# port is read from its ready line.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

WORK=${WORK:-/tmp/zhiyi-serve-bench}
MODEL=${MODEL:-models/shop}
HOLDOUT=${HOLDOUT:-corpora/shop/holdout/holdout_2026-11.jsonl}
CONNS=${CONNS:-"16 64"}
THREADS=${THREADS:-"1 2"}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
PAUSE=${PAUSE:-2}
LOG_LEVEL=${LOG_LEVEL:-info}
KEEP_LOG=${KEEP_LOG:-0}
STEP_TIMEOUT=${STEP_TIMEOUT:-600}

log() { printf '[bench-serve %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
now_ns() { date +%s%N; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

case "$WORK" in "" | / | "$ROOT" | "$ROOT"/*) die "refusing WORK=$WORK (use a directory outside the repository)" ;; esac
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
[ -f "$HOLDOUT" ] || die "holdout file $HOLDOUT not found"

UPTIME_BEFORE=$(uptime)
log "uptime before: $UPTIME_BEFORE"

# ---------------------------------------------------------------------------------------------
# 1. Tools: wrk (Debian package), curl, python3, and zhiyi from the working tree.
if ! command -v wrk >/dev/null 2>&1; then
	log "wrk not found: installing the Debian package"
	SUDO=()
	[ "$(id -u)" = 0 ] || SUDO=(sudo)
	timeout "$STEP_TIMEOUT" "${SUDO[@]}" apt-get update >&2
	timeout "$STEP_TIMEOUT" "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y wrk >&2
fi
command -v wrk >/dev/null 2>&1 || die "wrk is still missing"
command -v curl >/dev/null 2>&1 || die "curl is needed"
command -v python3 >/dev/null 2>&1 || die "python3 is needed (standard library only)"

log "building zhiyi: go build -o bin/zhiyi ./cmd/zhiyi"
timeout "$STEP_TIMEOUT" go build -o bin/zhiyi ./cmd/zhiyi
ZHIYI="$ROOT/bin/zhiyi"

if [ ! -f "$MODEL/manifest.json" ]; then
	log "no bundle in $MODEL: training it from corpora/shop"
	timeout "$STEP_TIMEOUT" "$ZHIYI" train --data corpora/shop/chats --kb corpora/shop/kb.yaml \
		--dict corpora/shop/dict --out "$MODEL" >&2
fi
[ -f "$MODEL/manifest.json" ] || die "no bundle in $MODEL"

# ---------------------------------------------------------------------------------------------
# 2. The wrk Lua script. The /intent bodies are the holdout texts as {"text": "..."} JSON, written
#    by python3 as Lua long strings whose bracket level cannot occur inside the body. Each wrk
#    thread pre-formats every request once in init() and cycles through them (starting at a
#    different offset per thread), so the client does no JSON or request building in the loop.
#    The response() hook counts every status other than 200; done() sums the threads and prints
#    one machine-readable line.
BODIES="$WORK/bodies.lua"
python3 - "$HOLDOUT" "$BODIES" <<'PY'
import json, sys

src, dst = sys.argv[1], sys.argv[2]
bodies = []
with open(src, encoding="utf-8") as f:
    for line in f:
        if line.strip():
            bodies.append(json.dumps({"text": json.loads(line)["text"]}, ensure_ascii=False))
if not bodies:
    sys.exit("no messages in " + src)

def long_string(s):
    level = 0
    while ("]" + "=" * level + "]") in s:
        level += 1
    eq = "=" * level
    # a newline right after the opening bracket would be dropped; JSON bodies never start with one
    assert not s.startswith(("\n", "\r"))
    return "[" + eq + "[" + s + "]" + eq + "]"

with open(dst, "w", encoding="utf-8") as w:
    w.write("-- generated by scripts/bench-serve.sh from %s (%d bodies)\n" % (src, len(bodies)))
    w.write("return {\n")
    for b in bodies:
        w.write("  " + long_string(b) + ",\n")
    w.write("}\n")
PY
NBODIES=$(grep -c '^  \[' "$BODIES")
log "wrote $NBODIES /intent bodies to $BODIES"

# Server-side latency: the difference between two /metrics scrapes of the route's
# zhiyi_http_request_duration_seconds histogram (handler time inside zhiyi, without the client,
# the kernel's queues or waiting for a CPU before the handler runs), as bucket upper bounds.
HIST="$WORK/histdelta.py"
cat >"$HIST" <<'PY'
import re, sys

def buckets(path, route):
    out = {}
    pat = re.compile(r'^zhiyi_http_request_duration_seconds_bucket\{route="%s",le="([^"]+)"\} (\S+)$' % re.escape(route))
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = pat.match(line.strip())
            if m:
                out[float("inf") if m.group(1) == "+Inf" else float(m.group(1))] = float(m.group(2))
    return out

before, after, route = sys.argv[1], sys.argv[2], sys.argv[3]
b, a = buckets(before, route), buckets(after, route)
les = sorted(a)
cum = [(le, a[le] - b.get(le, 0.0)) for le in les]
total = cum[-1][1] if cum else 0
def q(p):
    for le, n in cum:
        if n >= p * total:
            return "n/a" if le == float("inf") else "%g" % (le * 1e6)
    return "n/a"
within5 = next((n for le, n in cum if abs(le - 0.005) < 1e-12), None)
print(int(total), q(0.50), q(0.99), "n/a" if within5 is None or total == 0 else "%.2f" % (100.0 * within5 / total))
PY

LUA="$WORK/bench.lua"
cat >"$LUA" <<LUA
-- wrk script for bench-serve.sh. Usage: wrk ... -s bench.lua URL -- intent|healthz
local bodies_file = "$BODIES"
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

function init(args)
  local mode = args[1] or "intent"
  reqs = {}
  if mode == "healthz" then
    reqs[1] = wrk.format("GET", "/healthz")
  else
    local bodies = dofile(bodies_file)
    local headers = { ["Content-Type"] = "application/json" }
    for i, b in ipairs(bodies) do
      reqs[i] = wrk.format("POST", "/intent", headers, b)
    end
  end
  n = #reqs
  i = ((tid or 1) - 1) * 97 % n -- threads start at different bodies
  responses = 0
  non200 = 0
end

function request()
  i = i % n + 1
  return reqs[i]
end

function response(status, headers, body)
  responses = responses + 1
  if status ~= 200 then non200 = non200 + 1 end
end

-- wrk 4 applies a coordinated-omission correction to the latency histogram before done() sees
-- it (stats_correct in wrk's stats.c): for every recorded latency n it adds synthetic samples at
-- n - e, n - 2e, ... while above e, where e = duration / (requests / connections) is the mean
-- time between requests on one connection. raw_histogram undoes that exactly (from the top bin
-- down: raw[m] = corrected[m] - sum of raw[m + k*e], k >= 1), so the raw latencies of the
-- requests actually sent can be reported beside wrk's corrected ones.
local function raw_histogram(latency, e)
  local corr, lo, hi, i = {}, nil, 0, 1
  while true do
    -- latency(i) is the i-th non-empty bin (value, count); past the last one wrk 4.1 returns
    -- value 0 with a stale count, so stop when the values stop increasing
    local v, c = latency(i)
    if v == nil or v == 0 or v <= hi or v > latency.max then break end
    corr[v] = c
    lo = lo or v
    hi = v
    i = i + 1
  end
  local raw, S, total, neg = {}, {}, 0, 0
  if not lo then return raw, lo, hi, total, neg end
  for m = hi, lo, -1 do
    local c = corr[m] or 0
    if e > 0 and m > e then
      local s = (raw[m + e] or 0) + (S[m + e] or 0)
      if s ~= 0 then S[m] = s end
      c = c - s
    end
    if c < 0 then neg = neg + 1 end -- cannot happen if e matches wrk's; reported as a check
    if c ~= 0 then raw[m] = c end
    total = total + c
  end
  return raw, lo, hi, total, neg
end

local function percentile(hist, lo, hi, total, p) -- wrk's rule: first value whose rank reaches round(p% * n + 0.5)
  if not lo or total <= 0 then return 0 end
  local rank = math.floor(p / 100 * total + 0.5 + 0.5)
  local cum = 0
  for v = lo, hi do
    cum = cum + (hist[v] or 0)
    if cum >= rank then return v end
  end
  return hi
end

function done(summary, latency, requests)
  local resp, bad = 0, 0
  for _, t in ipairs(threads) do
    resp = resp + t:get("responses")
    bad = bad + t:get("non200")
  end
  local conns = tonumber(os.getenv("BENCH_CONNS") or "0") or 0
  local e = 0
  if conns > 0 and math.floor(summary.requests / conns) > 0 then
    e = math.floor(summary.duration / math.floor(summary.requests / conns))
  end
  local raw, lo, hi, total, neg = raw_histogram(latency, e)
  local rawsum = 0
  for v, c in pairs(raw) do rawsum = rawsum + v * c end
  local er = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d bytes=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d mean_us=%.1f raw_count=%d raw_p50_us=%d raw_p90_us=%d raw_p99_us=%d raw_mean_us=%.1f raw_negative_bins=%d corr_interval_us=%d responses=%d non200=%d err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d\n",
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    total, percentile(raw, lo, hi, total, 50), percentile(raw, lo, hi, total, 90), percentile(raw, lo, hi, total, 99),
    total > 0 and rawsum / total or 0, neg, e,
    resp, bad, er.connect, er.read, er.write, er.status, er.timeout))
end
LUA

# ---------------------------------------------------------------------------------------------
# 3. Start the server on a free loopback port and time start-to-ready.
SERVE_OUT="$WORK/serve.stdout"
SERVE_LOG="$WORK/serve.log"
: >"$SERVE_OUT"
NRUNS=$(($(wc -w <<<"$CONNS") * 2))
SERVE_LIMIT=$((STEP_TIMEOUT + (NRUNS + 1) * (DURATION + PAUSE + 30) + WARMUP + 60)) # hard cap on the server's life
TPID=""
ZPID=""
SERVE_RC=""

stop_server() {
	[ -n "$TPID" ] || return 0
	if [ -n "$ZPID" ] && kill -0 "$ZPID" 2>/dev/null; then
		log "stopping zhiyi (pid $ZPID) with SIGTERM"
		kill -TERM "$ZPID" 2>/dev/null || true
	fi
	local k
	for k in $(seq 1 100); do # up to 10 s for the graceful shutdown
		kill -0 "$TPID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$TPID" 2>/dev/null; then
		log "zhiyi did not stop in 10 s: killing it"
		[ -z "$ZPID" ] || kill -KILL "$ZPID" 2>/dev/null || true
		kill -KILL "$TPID" 2>/dev/null || true
	fi
	SERVE_RC=0
	wait "$TPID" 2>/dev/null || SERVE_RC=$?
	TPID=""
}
trap stop_server EXIT
trap 'exit 130' INT TERM

log "starting: bin/zhiyi serve --model $MODEL --addr 127.0.0.1:0 --log-level $LOG_LEVEL (server log: $SERVE_LOG)"
T0=$(now_ns)
timeout -k 5 "$SERVE_LIMIT" "$ZHIYI" serve --model "$MODEL" --addr 127.0.0.1:0 --log-level "$LOG_LEVEL" \
	>"$SERVE_OUT" 2>"$SERVE_LOG" &
TPID=$!

T_READY_LINE=""
deadline=$(($(date +%s) + STEP_TIMEOUT))
while :; do
	if grep -q 'zhiyi ready on' "$SERVE_OUT" 2>/dev/null; then
		T_READY_LINE=$(now_ns)
		break
	fi
	kill -0 "$TPID" 2>/dev/null || { tail -n 20 "$SERVE_LOG" >&2 || true; die "zhiyi serve exited before it was ready"; }
	[ "$(date +%s)" -lt "$deadline" ] || die "zhiyi serve not ready after ${STEP_TIMEOUT} s"
	sleep 0.005
done
ADDR=$(sed -n 's/.*zhiyi ready on \([0-9.]*:[0-9]*\).*/\1/p' "$SERVE_OUT" | head -n 1)
case "$ADDR" in 127.0.0.1:[0-9]*) ;; *) die "could not read a loopback address from the ready line: $(head -n 1 "$SERVE_OUT")" ;; esac
BASE="http://$ADDR"
MODEL_VERSION=$(sed -n 's/.*zhiyi ready on [^ ]* (model \([^)]*\)).*/\1/p' "$SERVE_OUT" | head -n 1)

T_READYZ=""
while :; do
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$BASE/readyz" || true)
	if [ "$code" = 200 ]; then
		T_READYZ=$(now_ns)
		break
	fi
	[ "$(date +%s)" -lt "$deadline" ] || die "GET /readyz not 200 after ${STEP_TIMEOUT} s (last: $code)"
	sleep 0.005
done
READY_LINE_MS=$(((T_READY_LINE - T0) / 1000000))
READYZ_MS=$(((T_READYZ - T0) / 1000000))

# the zhiyi process is timeout's child
ZPID=$(awk '{print $1}' "/proc/$TPID/task/$TPID/children" 2>/dev/null || true)
[ -n "$ZPID" ] || ZPID=$(pgrep -P "$TPID" 2>/dev/null | head -n 1 || true)
[ -n "$ZPID" ] && [ -r "/proc/$ZPID/status" ] || die "could not find the zhiyi process under pid $TPID"
log "ready on $ADDR (pid $ZPID): ready line after ${READY_LINE_MS} ms, /readyz 200 after ${READYZ_MS} ms"

# sanity check: one real /intent answer
SAMPLE=$(curl -s --max-time 5 -X POST "$BASE/intent" -H 'Content-Type: application/json' -d '{"text":"东西不要了怎么寄回去"}' || true)
case "$SAMPLE" in *'"intent"'*) log "sample /intent answer: ${SAMPLE:0:160}" ;; *) die "POST /intent did not answer an intent: ${SAMPLE:0:300}" ;; esac

kib() { awk -v k="$1" '$1 == k":" {print $2}' "/proc/$ZPID/status"; }
mib() { awk -v k="$1" 'BEGIN{printf "%.1f", k / 1024}'; }
CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$ZPID/stat"; } # utime + stime of the server
scrape() { timeout 10 curl -s --max-time 5 "$BASE/metrics" >"$1" || : >"$1"; }

RSS_IDLE=$(kib VmRSS)
HWM_IDLE=$(kib VmHWM)
log "RSS after model load (idle): VmRSS $(mib "$RSS_IDLE") MiB, VmHWM $(mib "$HWM_IDLE") MiB"

# ---------------------------------------------------------------------------------------------
# 4. Load runs: warm-up, then trivial and /intent alternating at each connection count.
run_wrk() { # name conns seconds mode path threads -> writes $WORK/wrk_<name>.txt
	local name=$1 conns=$2 secs=$3 mode=$4 path=$5 t=${6:-1}
	[ "$conns" -ge "$t" ] || t=$conns # wrk needs at least one connection per thread
	BENCH_CONNS=$conns timeout -k 5 $((secs + 60)) wrk -t"$t" -c"$conns" -d"${secs}s" --latency -s "$LUA" "$BASE$path" -- "$mode" \
		>"$WORK/wrk_$name.txt" 2>&1
}

if [ "$WARMUP" -gt 0 ]; then
	log "warm-up: ${WARMUP} s of POST /intent at 16 connections (not reported)"
	run_wrk warmup 16 "$WARMUP" intent /intent || log "warm-up wrk failed (see $WORK/wrk_warmup.txt)"
	sleep "$PAUSE"
fi

RUNS_TSV="$WORK/runs.tsv"
printf 'route\tthreads\tconns\tload_before\trequests\treq_s\tp50_us\tp99_us\twrk_p50_us\twrk_p99_us\tmax_us\tnon200\tsocket_errors\tcpu_us_per_req\trss_kib\thwm_kib\tsrv_count\tsrv_p50_le_us\tsrv_p99_le_us\tsrv_pct_le_5ms\n' >"$RUNS_TSV"
for t in $THREADS; do
for c in $CONNS; do
	for route in healthz intent; do
		if [ "$route" = healthz ]; then path=/healthz label="GET /healthz"; else path=/intent label="POST /intent"; fi
		name="${route}_t${t}_c$c"
		la=$(loadavg)
		log "run: $label, $t wrk threads, $c connections, ${DURATION} s (load average $la)"
		scrape "$WORK/metrics_${name}_before.txt"
		cpu0=$(cpu_ticks)
		if ! run_wrk "$name" "$c" "$DURATION" "$route" "$path" "$t"; then
			log "wrk failed or timed out for $name (see $WORK/wrk_$name.txt)"
		fi
		cpu1=$(cpu_ticks)
		scrape "$WORK/metrics_${name}_after.txt"
		srv=$(python3 "$HIST" "$WORK/metrics_${name}_before.txt" "$WORK/metrics_${name}_after.txt" "$path" 2>/dev/null || echo "n/a n/a n/a n/a")
		srv=${srv// /$'\t'}
		line=$(grep '^BENCH ' "$WORK/wrk_$name.txt" | head -n 1 || true)
		if [ -z "$line" ]; then
			printf '%s\t%s\t%s\t%s\tn/a\tn/a\tn/a\tn/a\tn/a\tn/a\tn/a\tn/a\tn/a\tn/a\t%s\t%s\t%s\n' "$label" "$t" "$c" "$la" "$(kib VmRSS)" "$(kib VmHWM)" "$srv" >>"$RUNS_TSV"
		else
			# shellcheck disable=SC2086
			eval "$(sed 's/^BENCH //; s/\([a-z0-9_]*\)=\([0-9.]*\)/W_\1=\2/g' <<<"$line")"
			rps=$(awk -v r="$W_requests" -v d="$W_duration_us" 'BEGIN{printf "%.0f", r / (d / 1e6)}')
			sock=$((W_err_connect + W_err_read + W_err_write + W_err_timeout))
			cpu_us=$(awk -v t=$((cpu1 - cpu0)) -v hz="$CLK_TCK" -v r="$W_requests" 'BEGIN{ if (r > 0) printf "%.1f", t / hz * 1e6 / r; else print "n/a" }')
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$t" "$c" "$la" "$W_requests" "$rps" \
				"$W_raw_p50_us" "$W_raw_p99_us" "$W_p50_us" "$W_p99_us" "$W_max_us" "$W_non200" "$sock" "$cpu_us" "$(kib VmRSS)" "$(kib VmHWM)" "$srv" >>"$RUNS_TSV"
			[ "$W_raw_count" = "$W_requests" ] && [ "$W_raw_negative_bins" = 0 ] ||
				log "  warning: undoing wrk's latency correction did not add up ($W_raw_count of $W_requests requests, $W_raw_negative_bins negative bins)"
			log "  $rps req/s, p50 ${W_raw_p50_us} µs, p99 ${W_raw_p99_us} µs (wrk's corrected: ${W_p50_us} / ${W_p99_us} µs), non-200 $W_non200 (wrk non-2xx/3xx: $W_err_status), socket errors $sock, server CPU ${cpu_us} µs/request"
			log "  server-side histogram (count, p50 ≤ µs, p99 ≤ µs, % ≤ 5 ms): ${srv//$'\t'/ }"
		fi
		sleep "$PAUSE"
	done
done
done

RSS_AFTER=$(kib VmRSS)
HWM_AFTER=$(kib VmHWM)
log "RSS after the load runs: VmRSS $(mib "$RSS_AFTER") MiB, VmHWM $(mib "$HWM_AFTER") MiB"

stop_server
LOG_BYTES=$(stat -c %s "$SERVE_LOG")
EXIT_NOTE="SIGTERM: exit status $SERVE_RC"
if grep -q '"msg":"stopped"' "$SERVE_LOG"; then EXIT_NOTE="$EXIT_NOTE, logged \"stopped\""; fi
if [ "$KEEP_LOG" != 1 ]; then
	{ head -n 20 "$SERVE_LOG"; echo "... (KEEP_LOG=0: $LOG_BYTES bytes in all, middle dropped) ..."; tail -n 20 "$SERVE_LOG"; } >"$SERVE_LOG.excerpt"
	mv "$SERVE_LOG.excerpt" "$SERVE_LOG"
fi
UPTIME_AFTER=$(uptime)
log "uptime after: $UPTIME_AFTER"

# ---------------------------------------------------------------------------------------------
# 5. Report (Markdown) to stdout and $WORK/results.md.
ms() { awk -v u="$1" 'BEGIN{ if (u !~ /^[0-9.]+$/) print u; else if (u < 1000) printf "%d µs", u; else printf "%.2f ms", u / 1000 }'; }
{
	echo "Serving benchmark, $(date +%F), model \`$MODEL\` ($MODEL_VERSION), $(nproc) CPUs"
	echo
	echo "wrk $(wrk -v 2>&1 | head -n 1 | awk '{print $2}'), wrk threads as listed (THREADS=\"$THREADS\"), \`-d${DURATION}s --latency\`, loopback $ADDR, server log level $LOG_LEVEL; /intent bodies: $NBODIES holdout texts cycled"
	echo
	echo "| route | wrk threads | connections | requests | requests/s | p50 | p99 | wrk's p50 / p99 (corrected) | max | non-200 | socket errors | server-side p50 / p99 | server CPU / request | VmRSS after | load avg (1 min) before |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	tail -n +2 "$RUNS_TSV" | while IFS=$'\t' read -r route t c la reqs rps p50 p99 wp50 wp99 max bad sock cpu rss _ _ sp50 sp99 _; do
		cpu_s=$cpu
		[ "$cpu" = n/a ] || cpu_s="$cpu µs"
		printf '| %s | %s | %s | %s | %s | %s | %s | %s / %s | %s | %s | %s | ≤ %s / ≤ %s | %s | %s MiB | %s |\n' "$route" "$t" "$c" \
			"$(awk -v n="$reqs" 'BEGIN{ if (n ~ /^[0-9]+$/) printf "%\047d", n; else print n }')" \
			"$(awk -v n="$rps" 'BEGIN{ if (n ~ /^[0-9]+$/) printf "%\047d", n; else print n }')" \
			"$(ms "$p50")" "$(ms "$p99")" "$(ms "$wp50")" "$(ms "$wp99")" "$(ms "$max")" "$bad" "$sock" "$(ms "$sp50")" "$(ms "$sp99")" "$cpu_s" "$(mib "$rss")" "${la%% *}"
	done
	echo
	echo "p50/p99: the latencies of the requests wrk sent (wrk's coordinated-omission correction undone)."
	echo "wrk's p50/p99: as wrk prints them, with synthetic samples for the requests a constant-rate client"
	echo "would have sent during stalls. Server-side: the route's latency histogram in /metrics (handler time),"
	echo "as bucket bounds."
	echo
	echo "| measure | value |"
	echo "|---|---:|"
	echo "| start to ready line on stdout | ${READY_LINE_MS} ms |"
	echo "| start to first GET /readyz 200 | ${READYZ_MS} ms |"
	echo "| RSS after model load, idle (VmRSS / VmHWM) | $(mib "$RSS_IDLE") / $(mib "$HWM_IDLE") MiB |"
	echo "| RSS after the load runs (VmRSS / VmHWM) | $(mib "$RSS_AFTER") / $(mib "$HWM_AFTER") MiB |"
	echo "| server log written | $(mib $((LOG_BYTES / 1024))) MiB |"
	echo "| shutdown | $EXIT_NOTE |"
	echo
	echo "uptime before: \`$(sed 's/^ *//' <<<"$UPTIME_BEFORE")\`"
	echo
	echo "uptime after: \`$(sed 's/^ *//' <<<"$UPTIME_AFTER")\`"
} | tee "$WORK/results.md"
log "done: $WORK/results.md, wrk outputs in $WORK/wrk_*.txt, server log $SERVE_LOG"
