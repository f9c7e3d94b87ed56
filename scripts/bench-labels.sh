#!/usr/bin/env bash
# bench-labels.sh — learning from a shop's real exports (docs/benchmarks.md, "Learning without
# labels"): the sample shop's exports with every label ignored, then one round of labelling by
# cluster by a simulated operator, against the same number of messages labelled one by one.
#
#   bash scripts/bench-labels.sh
#
# 1. raw: train on the exports, kb.yaml and the dictionaries, no label (--ignore-export-labels).
# 2. zhiyi cluster on the raw model (the messages it does not answer on its own; ALL=1: every
#    message); purity and coverage against the gold labels (scripts/labelsim measure).
# 3. for N in 20 40 60: the operator fills the N largest clusters with their members' majority
#    gold intent when it holds ≥ 60 % (scripts/labelsim fill); retrain with --labels; and the
#    control: N messages of the same pool labelled one by one (scripts/labelsim random).
# 4. gold: every message labelled (corpora/shop/gold/labels.jsonl).
# Each model is scored once on the holdout (corpora/shop/holdout/holdout_2026-11.jsonl), which
# nothing here is tuned on. Prints a Markdown table.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
WORK=${WORK:-/tmp/zhiyi-labels-bench}
ALL=${ALL:-0}
MINSIM=${MINSIM:-0}
case "$WORK" in "" | / | "$ROOT" | "$ROOT"/*) echo "refusing WORK=$WORK" >&2; exit 1 ;; esac
rm -rf "$WORK" && mkdir -p "$WORK"
log() { printf '[bench-labels %s] %s\n' "$(date +%T)" "$*" >&2; }
go build -o bin/zhiyi ./cmd/zhiyi
go build -o "$WORK/labelsim" ./scripts/labelsim
SHOP=corpora/shop
GOLD=$SHOP/gold/labels.jsonl
HOLD=$SHOP/holdout/holdout_2026-11.jsonl
train() { # out extra-args...
	local out=$1; shift
	local t0=$(date +%s.%N)
	bin/zhiyi train --data $SHOP/chats --kb $SHOP/kb.yaml --dict $SHOP/dict --ignore-export-labels --out "$out" "$@" \
		>"$out.log" 2>&1 || { tail -20 "$out.log" >&2; exit 1; }
	echo "$(date +%s.%N) - $t0" | bc
}
score() { bin/zhiyi eval --model "$1" --data $HOLD --json 2>/dev/null | python3 -c '
import json, sys; m = json.load(sys.stdin)
print("%.4f | %.3f | %.3f | %.1f%% at %.4f" % (m["accuracy"], m["oos_precision"], m["oos_recall"], 100*m["auto_coverage"], m["auto_precision"]))'; }

log "raw: no labels"
secs=$(train "$WORK/raw")
echo "| model | labels | training (s) | holdout accuracy | out-of-scope P | out-of-scope R | auto at precision |"
echo "|---|---:|---:|---:|---:|---:|---:|"
printf '| raw: exports, kb.yaml, dictionaries | 0 | %.1f | %s |\n' "$secs" "$(score "$WORK/raw")"
clusterflags=(--min-similarity "$MINSIM")
[ "$ALL" = 1 ] && clusterflags=(--all)
bin/zhiyi cluster --model "$WORK/raw" --data $SHOP/chats --out "$WORK/sheet.jsonl" "${clusterflags[@]}" 2>"$WORK/cluster.log"
measure=$("$WORK/labelsim" measure -sheet "$WORK/sheet.jsonl" -gold $GOLD)
for n in 20 40 60; do
	log "cluster labels: $n decisions"
	"$WORK/labelsim" fill -sheet "$WORK/sheet.jsonl" -gold $GOLD -n $n -out "$WORK/fill$n.jsonl" 2>"$WORK/fill$n.txt"
	labelled=$(sed -E 's/.*: ([0-9]+) messages labelled.*/\1/' "$WORK/fill$n.txt")
	secs=$(train "$WORK/c$n" --labels "$WORK/fill$n.jsonl")
	printf '| %d cluster decisions (%s) | %s | %.1f | %s |\n' $n "$(sed -E 's/ messages labelled//' "$WORK/fill$n.txt" | cut -d: -f1)" "$labelled" "$secs" "$(score "$WORK/c$n")"
	"$WORK/labelsim" random -sheet "$WORK/sheet.jsonl" -gold $GOLD -n $n -out "$WORK/rand$n.jsonl"
	secs=$(train "$WORK/r$n" --labels "$WORK/rand$n.jsonl")
	printf '| control: %d messages labelled one by one | %d | %.1f | %s |\n' $n $n "$secs" "$(score "$WORK/r$n")"
done
log "gold: every message labelled"
secs=$(train "$WORK/gold" --labels $GOLD)
printf '| every message labelled (gold) | all | %.1f | %s |\n' "$secs" "$(score "$WORK/gold")"
echo
echo "Cluster sheet ($(grep -o 'clustering [0-9]* of [0-9]*' "$WORK/cluster.log")): $measure"
