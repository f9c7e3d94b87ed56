#!/usr/bin/env bash
# bench-parts.sh — what the parts around the engine cost under load, in one run: wrk against
# `zhiyi serve` on loopback with POST /intent bodies from the sample shop's holdout, each from one
# of 2,000 customers (sender_id) so conversations have state, in these configurations, one after
# another, twice over:
#
#   plain      no decision log (--record=false), conversation state in memory
#   redis      the same, conversation state in a private redis-server on loopback
#   record     decision log in SQLite (--data-dir), state in memory
#
# Prints a Markdown table: requests/s, p50, p99 (wrk's uncorrected latency) per configuration
# and round, and each configuration's requests/s as a share of plain's in the same round.
# See docs/benchmarks.md ("The parts under load").
#
#   bash scripts/bench-parts.sh
#   DURATION=5 CONNS=16 bash scripts/bench-parts.sh
#
# Environment: NOBUILD (set: use bin/zhiyi as it is), WORK (default /tmp/zhiyi-parts-bench, outside the repository), MODEL
# (default models/shop), CONNS (16), DURATION (10 s), ROUNDS (2), CONFIGS ("plain redis record").
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
WORK=${WORK:-/tmp/zhiyi-parts-bench}
MODEL=${MODEL:-models/shop}
CONNS=${CONNS:-16}
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-2}
CONFIGS=${CONFIGS:-"plain redis record"}
log() { printf '[bench-parts %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
case "$WORK" in "" | / | "$ROOT" | "$ROOT"/*) die "refusing WORK=$WORK" ;; esac
rm -rf "$WORK" && mkdir -p "$WORK"
command -v wrk >/dev/null || die "wrk is needed (Debian package wrk)"
command -v redis-server >/dev/null || die "redis-server is needed (Debian package redis-server)"
[ -n "${NOBUILD:-}" ] || go build -o bin/zhiyi ./cmd/zhiyi
[ -f "$MODEL/manifest.json" ] || make model >&2

# The request bodies: holdout texts, each from one of 2,000 senders.
python3 - "$WORK/bodies.lua" <<'PY'
import json, sys
texts = [json.loads(l)["text"] for l in open("corpora/shop/holdout/holdout_2026-11.jsonl", encoding="utf-8")]
with open(sys.argv[1], "w", encoding="utf-8") as f:
    f.write("bodies = {\n")
    for i in range(4000):
        body = json.dumps({"text": texts[i % len(texts)], "sender_id": "wm%04d" % (i % 2000), "channel": "wecom"}, ensure_ascii=False)
        f.write("  %s,\n" % json.dumps(body, ensure_ascii=False))
    f.write("}\n")
PY
cat >"$WORK/post.lua" <<LUA
dofile("$WORK/bodies.lua")
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  i = i + 1
  return wrk.format(nil, "/intent", nil, bodies[(i % #bodies) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT rps=%.0f p50_us=%d p99_us=%d errors=%d non2xx=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.errors.status))
end
LUA

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
RPORT=$(port)
redis-server --port "$RPORT" --save "" --appendonly no --dir "$WORK" >"$WORK/redis.log" 2>&1 &
RPID=$!
trap 'kill $RPID 2>/dev/null || true; [ -n "${ZPID:-}" ] && kill $ZPID 2>/dev/null || true' EXIT

run_one() { # config round
	local cfg=$1 args=(--model "$MODEL" --addr "127.0.0.1:$2" --log-level warn)
	case $cfg in
	plain) args+=(--record=false) ;;
	redis) args+=(--record=false --redis "redis://127.0.0.1:$RPORT/0") ;;
	record) args+=(--data-dir "$WORK/data-$3") ;;
	esac
	bin/zhiyi serve "${args[@]}" >"$WORK/serve-$cfg-$3.out" 2>"$WORK/serve-$cfg-$3.err" &
	ZPID=$!
	for _ in $(seq 1 200); do grep -q ready "$WORK/serve-$cfg-$3.out" 2>/dev/null && break; sleep 0.05; done
	wrk -t1 -c"$CONNS" -d2s -s "$WORK/post.lua" "http://127.0.0.1:$2" >/dev/null 2>&1 # warm-up
	wrk -t1 -c"$CONNS" -d"${DURATION}s" -s "$WORK/post.lua" "http://127.0.0.1:$2" | grep RESULT
	kill -TERM $ZPID; wait $ZPID 2>/dev/null || true; ZPID=""
}

echo "| round | configuration | requests/s | p50 | p99 | errors | share of plain |"
echo "|---:|---|---:|---:|---:|---:|---:|"
for r in $(seq 1 "$ROUNDS"); do
	plain=""
	for cfg in $CONFIGS; do
		log "round $r: $cfg"
		line=$(run_one "$cfg" "$(port)" "$r")
		rps=$(sed -E 's/.*rps=([0-9]+).*/\1/' <<<"$line")
		p50=$(sed -E 's/.*p50_us=([0-9]+).*/\1/' <<<"$line")
		p99=$(sed -E 's/.*p99_us=([0-9]+).*/\1/' <<<"$line")
		errs=$(sed -E 's/.*errors=([0-9]+) non2xx=([0-9]+).*/\1+\2/' <<<"$line")
		[ "$cfg" = plain ] && plain=$rps
		share="–"; [ -n "$plain" ] && share=$(python3 -c "print(f'{$rps/$plain:.0%}')")
		printf '| %s | %s | %s | %.2f ms | %.2f ms | %s | %s |\n' "$r" "$cfg" "$rps" "$(bc -l <<<"$p50/1000")" "$(bc -l <<<"$p99/1000")" "$errs" "$share"
	done
done
