#!/usr/bin/env bash
# bench-outage.sh — the parts go down under load (docs/benchmarks.md, "Outages under load"):
#
#   redis      zhiyi serve --redis on a private redis-server; wrk posts /intent for DURATION s
#              while redis-server is stopped at 1/4 of the run and started again at 3/4.
#   postgres   zhiyi serve --db on a private PostgreSQL (scripts/pgctl); the same with the
#              database stopped for the middle half (30 s of the default 60 s run).
#
# It prints wrk's requests, errors and non-2xx answers; for redis, the context-unavailable
# count and whether answers carry context again at the end; for postgres, the decisions wrk
# got answers for against those in the database once it is back (and the recorder's spool
# counters from /metrics).
#
#   bash scripts/bench-outage.sh            # both
#   PARTS=redis DURATION=20 bash scripts/bench-outage.sh
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
WORK=${WORK:-/tmp/zhiyi-outage-bench}
MODEL=${MODEL:-models/shop}
DURATION=${DURATION:-60}
CONNS=${CONNS:-16}
PARTS=${PARTS:-"redis postgres"}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
SPOOL_MAX=${SPOOL_MAX:-$((256 << 20))} # zhiyi serve's default; wrk's rate fills it in ~15 s
log() { printf '[bench-outage %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
case "$WORK" in "" | / | "$ROOT" | "$ROOT"/*) die "refusing WORK=$WORK" ;; esac
rm -rf "$WORK" && mkdir -p "$WORK" && chmod 777 "$WORK"
go build -o bin/zhiyi ./cmd/zhiyi
[ -f "$MODEL/manifest.json" ] || make model >&2
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
cat >"$WORK/post.lua" <<'LUA'
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  i = i + 1
  local body = string.format('{"text":"东西不要了怎么寄回去 %d","msg_id":"w%d-%d","sender_id":"wm%d"}', i % 97, wrk.thread and 0 or 0, i, i % 500)
  return wrk.format(nil, "/intent", nil, body)
end
done = function(summary, latency, requests)
  io.write(string.format("WRK requests=%d non2xx=%d errors=%d p99_us=%d\n", summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, latency:percentile(99)))
end
LUA
metric() { curl -s "http://127.0.0.1:$1/metrics" | awk -v m="$2" '$1 == m {print $2}'; }
start_zhiyi() { # port args...
	local p=$1; shift
	bin/zhiyi serve --model "$MODEL" --addr "127.0.0.1:$p" --log-level warn "$@" >"$WORK/serve.out" 2>"$WORK/serve.err" &
	ZPID=$!
	for _ in $(seq 1 200); do grep -q ready "$WORK/serve.out" 2>/dev/null && return; sleep 0.05; done
	die "zhiyi did not start: $(tail -3 "$WORK/serve.err")"
}
# Only pids that were set: `kill 0` would signal the whole process group, this script included.
cleanup() { for p in ${ZPID:-} ${RPID:-}; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

if [[ " $PARTS " == *" redis "* ]]; then
	RPORT=$(port); ZP=$(port)
	redis-server --port "$RPORT" --save "" --appendonly no --dir "$WORK" >"$WORK/redis.log" 2>&1 & RPID=$!
	sleep 0.5
	start_zhiyi "$ZP" --record=false --redis "redis://127.0.0.1:$RPORT/0"
	( sleep $((DURATION / 4)); kill "$RPID"; log "redis stopped";
	  sleep $((DURATION / 2)); redis-server --port "$RPORT" --save "" --appendonly no --dir "$WORK" >>"$WORK/redis.log" 2>&1 & echo $! >"$WORK/redis.pid"; log "redis started" ) &
	OUTAGE=$!
	wrk -t1 -c"$CONNS" -d"${DURATION}s" -s "$WORK/post.lua" "http://127.0.0.1:$ZP" | grep WRK | sed 's/^/redis: /'
	wait $OUTAGE
	RPID=$(cat "$WORK/redis.pid")
	sleep 2
	ctx=$(curl -s -X POST "http://127.0.0.1:$ZP/intent" -H 'Content-Type: application/json' -d '{"text":"好的","sender_id":"wm1"}' | grep -o '"context":{[^}]*}' || true)
	echo "redis: context-unavailable counted $(metric "$ZP" zhiyi_context_unavailable_total); an answer after Redis came back: ${ctx:-no context}"
	kill -TERM $ZPID; wait $ZPID 2>/dev/null || true; kill "$RPID" 2>/dev/null || true
fi

if [[ " $PARTS " == *" postgres "* ]]; then
	PGDIR="$WORK/pg"; PGPORT=$(port); ZP=$(port)
	as_pg=(); [ "$(id -u)" = 0 ] && as_pg=(runuser -u postgres --)
	mkdir -p "$PGDIR" && chown postgres "$PGDIR" 2>/dev/null || true
	"${as_pg[@]}" "$PGBIN/initdb" -D "$PGDIR" -A trust -U postgres >/dev/null
	pgctl() { "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$PGDIR" -o "-p $PGPORT -k $PGDIR -c listen_addresses=127.0.0.1" -l "$PGDIR/log" -w "$@" >/dev/null; }
	pgctl start
	DSN="postgres://postgres@127.0.0.1:$PGPORT/postgres?sslmode=disable"
	start_zhiyi "$ZP" --db "$DSN" --data-dir "$WORK/data" --spool-max "$SPOOL_MAX"
	( sleep $((DURATION / 4)); pgctl stop -m fast; log "postgres stopped"; sleep $((DURATION / 2)); pgctl start; log "postgres started" ) &
	OUTAGE=$!
	wrk -t1 -c"$CONNS" -d"${DURATION}s" -s "$WORK/post.lua" "http://127.0.0.1:$ZP" | tee "$WORK/wrk-pg.txt" | grep WRK | sed 's/^/postgres: /'
	wait $OUTAGE
	for _ in $(seq 1 60); do # the spool replays once the database answers
		[ "$(metric "$ZP" zhiyi_store_queue_length)" = 0 ] && [ "$(metric "$ZP" zhiyi_store_spool_bytes)" = 0 ] && break
		sleep 1
	done
	echo "postgres: spool max $SPOOL_MAX bytes; dropped when full: $(metric "$ZP" zhiyi_store_dropped_total)"
	answered=$(sed -E 's/.*requests=([0-9]+) non2xx=([0-9]+).*/\1/' "$WORK/wrk-pg.txt" | grep -E '^[0-9]+$' || echo 0)
	kill -TERM $ZPID; wait $ZPID 2>/dev/null || true
	stored=$("${as_pg[@]}" "$PGBIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -tAc "SELECT count(*) FROM decisions" postgres)
	echo "postgres: wrk counted $answered answers (requests cut off by the end of the run included); decisions in the database after the replay: $stored"
	pgctl stop -m fast
fi
