#!/usr/bin/env bash
# bench-public.sh — side-by-side benchmark of zhiyi's classifier against fastText on the public
# Chinese intent data (SMP2017-ECDT, KUAKE-QIC, CAIS). See docs/benchmarks.md.
#
#   bash scripts/bench-public.sh                 # all three sets
#   SETS=smp2017 bash scripts/bench-public.sh    # one set
#
# Environment (all optional):
#   DATA          public data directory (default ../shared/data/public, relative to the repo root);
#                 it is only read, never copied into the repository
#   WORK          work directory for splits, models and logs (default /tmp/zhiyi-bench)
#   SETS          data sets to run (default "smp2017 kuake_qic cais")
#   PRED_LINES    lines in the throughput file (default 100000)
#   PRED_REPS     timed predict runs per system; the fastest counts (default 3)
#   STEP_TIMEOUT  seconds any single step may take before it is killed and reported (default 900)
#   QUANTIZE      1: also measure a quantised fastText model (.ftz); 0: skip (default 1)
#   FASTTEXT      the fastText binary (default: fasttext on PATH, Debian's package installed when
#                 missing); e.g. a build from source with its Makefile's `make opt`
#                 (-O3 -funroll-loops -march=native)
#
# Progress goes to stderr; the Markdown results table goes to stdout. A second table with details
# (stage durations, peak memory, start-up time) is written to $WORK/details.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

DATA=${DATA:-../shared/data/public}
WORK=${WORK:-/tmp/zhiyi-bench}
SETS=${SETS:-"smp2017 kuake_qic cais"}
PRED_LINES=${PRED_LINES:-100000}
PRED_REPS=${PRED_REPS:-3}
STEP_TIMEOUT=${STEP_TIMEOUT:-900}
QUANTIZE=${QUANTIZE:-1}
FASTTEXT=${FASTTEXT:-}

# fastText settings (the issue's peer configuration, one thread).
FT_ARGS=(-wordNgrams 2 -bucket 200000 -epoch 25 -lr 0.5 -dim 100 -thread 1)
FT_QUANT_ARGS=(-qnorm -retrain -cutoff 100000 -epoch 25 -lr 0.5 -thread 1)

log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ -d "$DATA" ] || die "data directory $DATA not found (set DATA=...)"
DATA=$(cd "$DATA" && pwd)
# Every set is checked before anything is installed or built.
for set in $SETS; do
	[[ $set =~ ^[A-Za-z0-9_-]+$ ]] || die "bad data set name '$set'"
	[ -f "$DATA/$set/train.jsonl" ] || die "no data set $DATA/$set (train.jsonl): DATA should be the directory holding smp2017/, kuake_qic/, cais/"
done
case "$WORK" in "" | / | "$ROOT" | "$ROOT"/*) die "refusing WORK=$WORK (use a directory outside the repository)" ;; esac
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)

# ---------------------------------------------------------------------------------------------
# 1. Tools: fastText (Debian package) and zhiyi.
if [ -z "$FASTTEXT" ]; then
	if ! command -v fasttext >/dev/null 2>&1; then
		log "fasttext not found: installing the Debian package"
		SUDO=()
		[ "$(id -u)" = 0 ] || SUDO=(sudo)
		timeout "$STEP_TIMEOUT" "${SUDO[@]}" apt-get update >&2
		timeout "$STEP_TIMEOUT" "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y fasttext >&2
	fi
	FASTTEXT=fasttext
fi
command -v "$FASTTEXT" >/dev/null 2>&1 || die "fastText binary $FASTTEXT not found"
log "fastText: $(command -v "$FASTTEXT")"
command -v python3 >/dev/null 2>&1 || die "python3 is needed (standard library only)"

log "building zhiyi: go build -o bin/zhiyi ./cmd/zhiyi"
timeout "$STEP_TIMEOUT" go build -o bin/zhiyi ./cmd/zhiyi
ZHIYI="$ROOT/bin/zhiyi"

TIMEV=()
if [ -x /usr/bin/time ]; then TIMEV=(/usr/bin/time -f %M -o); fi # peak RSS in KiB, written to a file

# ---------------------------------------------------------------------------------------------
# Helper (python3, standard library only): tokenising, scoring, formatting.
HELPER="$WORK/bench_helper.py"
cat >"$HELPER" <<'PY'
import collections, json, re, sys

def tokens(text):
    """fastText tokens: every non-ASCII character (CJK, full-width forms, Chinese punctuation) is
    its own token; runs of ASCII letters/digits stay whole words, lower-cased; other ASCII
    punctuation is one token per character; whitespace only separates."""
    out, buf = [], []
    for ch in text:
        if ch.isascii() and ch.isalnum():
            buf.append(ch.lower())
            continue
        if buf:
            out.append("".join(buf)); buf = []
        if not ch.isspace():
            out.append(ch)
    if buf:
        out.append("".join(buf))
    return out

def jsonl(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)

def one_line(text):
    return " ".join(text.split())  # no newlines inside a line; same text for both systems

def label(s):
    return re.sub(r"\s+", "_", s)

def cmd_ft_labelled(src, dst):
    with open(dst, "w", encoding="utf-8") as w:
        for d in jsonl(src):
            w.write("__label__" + label(d["intent"]) + " " + " ".join(tokens(d["text"])) + "\n")

def cmd_texts(src, dst):
    with open(dst, "w", encoding="utf-8") as w:
        for d in jsonl(src):
            w.write(one_line(d["text"]) + "\n")

def cmd_ft_text(src, dst):
    with open(src, encoding="utf-8") as r, open(dst, "w", encoding="utf-8") as w:
        for line in r:
            w.write(" ".join(tokens(line.rstrip("\n"))) + "\n")

def cmd_repeat(src, n, dst):
    n = int(n)
    with open(src, encoding="utf-8") as r:
        lines = r.read().splitlines()
    with open(dst, "w", encoding="utf-8") as w:
        for i in range(n):
            w.write(lines[i % len(lines)] + "\n")

def metrics(gold, pred):
    """Accuracy and macro-F1; macro-F1 averages the classes present in the gold data
    (the same definition as zhiyi eval)."""
    assert len(gold) == len(pred), (len(gold), len(pred))
    tp, fp, fn = collections.Counter(), collections.Counter(), collections.Counter()
    for g, p in zip(gold, pred):
        if g == p:
            tp[g] += 1
        else:
            fp[p] += 1; fn[g] += 1
    f1s = []
    for c in sorted(set(gold)):
        prec = tp[c] / (tp[c] + fp[c]) if tp[c] + fp[c] else 0.0
        rec = tp[c] / (tp[c] + fn[c]) if tp[c] + fn[c] else 0.0
        f1s.append(2 * prec * rec / (prec + rec) if prec + rec else 0.0)
    acc = sum(tp.values()) / len(gold) if gold else 0.0
    return acc, sum(f1s) / len(f1s) if f1s else 0.0

def cmd_score_ft(gold_jsonl, pred_txt):
    gold = [label(d["intent"]) for d in jsonl(gold_jsonl)]
    with open(pred_txt, encoding="utf-8") as f:
        pred = [l.strip().split(" ")[0].removeprefix("__label__") for l in f]
    acc, f1 = metrics(gold, pred)
    print(f"{acc:.4f}\t{f1:.4f}")

def cmd_score_zhiyi(eval_json):
    with open(eval_json, encoding="utf-8") as f:
        d = json.load(f)
    print(f"{d['accuracy']:.4f}\t{d['macro_f1']:.4f}")

_UNITS = {"h": 3600, "m": 60, "s": 1, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}

def go_duration(s):
    return sum(float(v) * _UNITS[u] for v, u in re.findall(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)", s))

def cmd_zhiyi_stages(summary_json):
    """Prints: fit seconds <TAB> all-stages seconds <TAB> 'stage=dur ...' from train --json."""
    with open(summary_json, encoding="utf-8") as f:
        d = json.load(f)
    dur = d.get("durations") or {}
    order = ["import", "subword", "analyze", "fit", "calibrate", "evaluate", "write"]
    names = [k for k in order if k in dur] + sorted(k for k in dur if k not in order)
    fit = go_duration(dur["fit"]) if "fit" in dur else float("nan")
    total = sum(go_duration(v) for v in dur.values())
    print(f"{fit:.3f}\t{total:.3f}\t" + " ".join(f"{k}={dur[k]}" for k in names))

def fmt_size(b):
    return "n/a" if b in ("", "-") else f"{int(b) / 1e6:.1f} MB"

def fmt_secs(s):
    return "n/a" if s in ("", "-") else f"{float(s):.2f} s"

def fmt_int(v):
    return "n/a" if v in ("", "-") else f"{int(round(float(v))):,}"

def fmt_num(v):
    return "n/a" if v in ("", "-") else v

def cmd_table(results_tsv, details_md):
    rows = []
    with open(results_tsv, encoding="utf-8") as f:
        for line in f:
            rows.append(dict(zip(
                "set system acc f1 train_s train_note lps size rss_train rss_pred startup_s stages".split(),
                line.rstrip("\n").split("\t"))))
    out = ["| dataset | system | dev accuracy | dev macro-F1 | train time | predict lines/s | model size |",
           "|---|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        train = fmt_secs(r["train_s"])
        if r.get("train_note") not in (None, "", "-"):
            train += f" ({r['train_note']})"
        out.append(f"| {r['set']} | {r['system']} | {fmt_num(r['acc'])} | {fmt_num(r['f1'])} | "
                   f"{train} | {fmt_int(r['lps'])} | {fmt_size(r['size'])} |")
    print("\n".join(out))
    det = ["| dataset | system | model bytes | peak RSS train | peak RSS predict | predict start-up (empty input) | train stages |",
           "|---|---|---:|---:|---:|---:|---|"]
    for r in rows:
        rss = lambda v: "n/a" if v in ("", "-", None) else f"{int(v) / 1024:.0f} MiB"
        det.append(f"| {r['set']} | {r['system']} | {fmt_int(r['size'])} | {rss(r['rss_train'])} | "
                   f"{rss(r['rss_pred'])} | {fmt_secs(r['startup_s'])} | {r.get('stages') or '-'} |")
    with open(details_md, "w", encoding="utf-8") as w:
        w.write("\n".join(det) + "\n")

if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"ft-labelled": cmd_ft_labelled, "texts": cmd_texts, "ft-text": cmd_ft_text,
     "repeat": cmd_repeat, "score-ft": cmd_score_ft, "score-zhiyi": cmd_score_zhiyi,
     "zhiyi-stages": cmd_zhiyi_stages, "table": cmd_table}[cmd](*args)
PY
helper() { python3 "$HELPER" "$@"; }

# ---------------------------------------------------------------------------------------------
# Timing helpers. timeit runs a command and leaves its wall time in seconds in ELAPSED.
ELAPSED=-
timeit() {
	local t0 t1 rc=0
	t0=$(date +%s%N)
	"$@" || rc=$?
	t1=$(date +%s%N)
	ELAPSED=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
	return "$rc"
}
rss_of() { [ -s "$1" ] && tail -n 1 "$1" | tr -dc 0-9 || echo -; }
# limited RSSFILE CMD... — runs CMD under `timeout $STEP_TIMEOUT`, recording its peak RSS in RSSFILE
# when /usr/bin/time exists (time wraps timeout, so a killed step leaves no stray process).
limited() {
	local rss=$1
	shift
	rm -f "$rss"
	if [ ${#TIMEV[@]} -gt 0 ]; then
		"${TIMEV[@]}" "$rss" timeout "$STEP_TIMEOUT" "$@"
	else
		timeout "$STEP_TIMEOUT" "$@"
	fi
}

# best_lps FILE LINES RSSFILE CMD... — runs CMD < FILE > /dev/null PRED_REPS times (fastText is
# given FILE as its input argument, zhiyi reads it on stdin); prints the best lines/s. Model
# loading is included: every run is a fresh process.
best_lps() {
	local file=$1 lines=$2 rss=$3 best=- i
	shift 3
	for ((i = 1; i <= PRED_REPS; i++)); do
		if timeit limited "$rss" "$@" <"$file" >/dev/null 2>>"$LOGDIR/predict.err"; then
			log "    run $i: ${ELAPSED} s, $(awk -v n="$lines" -v t="$ELAPSED" 'BEGIN { printf "%.0f", n / t }') lines/s"
			best=$(awk -v n="$lines" -v t="$ELAPSED" -v b="$best" 'BEGIN { v = n / t; if (b == "-" || v > b) printf "%.1f", v; else print b }')
		else
			log "    run $i failed or exceeded ${STEP_TIMEOUT}s (see $LOGDIR/predict.err)"
		fi
	done
	echo "$best"
}

RESULTS="$WORK/results.tsv"
: >"$RESULTS"
record() { # set system acc f1 train_s train_note lps size rss_train rss_pred startup_s stages
	local IFS=$'\t'
	echo "$*" >>"$RESULTS"
}

# ---------------------------------------------------------------------------------------------
# 2.–4. Per data set: split, fastText, zhiyi.
for set in $SETS; do
	[[ $set =~ ^[A-Za-z0-9_-]+$ ]] || die "bad data set name '$set'"
	src="$DATA/$set"
	[ -d "$src" ] || die "no data set $src"
	D="$WORK/$set"
	rm -rf "$D"
	mkdir -p "$D/logs"
	LOGDIR="$D/logs"

	# Splits. SMP2017 and CAIS: train/dev as released. KUAKE-QIC has only train: every 10th line
	# (NR % 10 == 0) is dev, the rest is train; both systems get exactly these files.
	if [ -f "$src/dev.jsonl" ]; then
		cp "$src/train.jsonl" "$D/train.jsonl"
		cp "$src/dev.jsonl" "$D/dev.jsonl"
		how="train/dev as released"
	else
		awk 'NR % 10 != 0' "$src/train.jsonl" >"$D/train.jsonl"
		awk 'NR % 10 == 0' "$src/train.jsonl" >"$D/dev.jsonl"
		how="dev = every 10th line of train (awk NR%10==0), train = the rest"
	fi
	log "== $set: $(wc -l <"$D/train.jsonl") train, $(wc -l <"$D/dev.jsonl") dev ($how)"

	# Shared inputs: raw dev texts, and the throughput file (dev texts repeated to PRED_LINES).
	helper texts "$D/dev.jsonl" "$D/dev.txt"
	helper repeat "$D/dev.txt" "$PRED_LINES" "$D/pred.txt"
	# fastText inputs: the same texts, character-tokenised (tokenising is not timed).
	helper ft-labelled "$D/train.jsonl" "$D/ft_train.txt"
	helper ft-text "$D/dev.txt" "$D/ft_dev.txt"
	helper ft-text "$D/pred.txt" "$D/ft_pred.txt"

	# ---- fastText ------------------------------------------------------------------------------
	log "fastText supervised ${FT_ARGS[*]}"
	if timeit limited "$D/rss.txt" \
		"$FASTTEXT" supervised -input "$D/ft_train.txt" -output "$D/ft_model" "${FT_ARGS[@]}" \
		>"$LOGDIR/ft_train.log" 2>&1; then
		ft_train=$ELAPSED
		rss_train=$(rss_of "$D/rss.txt")
		log "  trained in ${ft_train} s"
		timeout "$STEP_TIMEOUT" "$FASTTEXT" predict "$D/ft_model.bin" "$D/ft_dev.txt" >"$D/ft_dev_pred.txt"
		IFS=$'\t' read -r acc f1 < <(helper score-ft "$D/dev.jsonl" "$D/ft_dev_pred.txt")
		log "  dev accuracy $acc, macro-F1 $f1"
		size=$(stat -c %s "$D/ft_model.bin")
		timeit timeout "$STEP_TIMEOUT" "$FASTTEXT" predict "$D/ft_model.bin" /dev/null >/dev/null
		startup=$ELAPSED
		log "  predict on $PRED_LINES lines (best of $PRED_REPS)"
		lps=$(best_lps "$D/ft_pred.txt" "$PRED_LINES" "$D/rss.txt" "$FASTTEXT" predict "$D/ft_model.bin" "$D/ft_pred.txt")
		record "$set" "fastText" "$acc" "$f1" "$ft_train" "-" "$lps" "$size" "$rss_train" "$(rss_of "$D/rss.txt")" "$startup" "-"

		if [ "$QUANTIZE" = 1 ]; then
			log "fastText quantize ${FT_QUANT_ARGS[*]}"
			if timeit limited "$D/rss_q.txt" "$FASTTEXT" quantize -input "$D/ft_train.txt" -output "$D/ft_model" \
				"${FT_QUANT_ARGS[@]}" >"$LOGDIR/ft_quantize.log" 2>&1; then
				q_time=$ELAPSED
				timeout "$STEP_TIMEOUT" "$FASTTEXT" predict "$D/ft_model.ftz" "$D/ft_dev.txt" >"$D/ftq_dev_pred.txt"
				IFS=$'\t' read -r acc f1 < <(helper score-ft "$D/dev.jsonl" "$D/ftq_dev_pred.txt")
				log "  quantised in ${q_time} s; dev accuracy $acc, macro-F1 $f1"
				size=$(stat -c %s "$D/ft_model.ftz")
				timeit timeout "$STEP_TIMEOUT" "$FASTTEXT" predict "$D/ft_model.ftz" /dev/null >/dev/null
				startup=$ELAPSED
				lps=$(best_lps "$D/ft_pred.txt" "$PRED_LINES" "$D/rss.txt" "$FASTTEXT" predict "$D/ft_model.ftz" "$D/ft_pred.txt")
				record "$set" "fastText -quantize" "$acc" "$f1" "$ft_train" "+$(printf %.2f "$q_time") s quantize" "$lps" "$size" "$(rss_of "$D/rss_q.txt")" "$(rss_of "$D/rss.txt")" "$startup" "-"
			else
				log "  quantize failed or exceeded ${STEP_TIMEOUT}s (see $LOGDIR/ft_quantize.log)"
				record "$set" "fastText -quantize" - - - "failed/timeout" - - - - - -
			fi
		fi
	else
		log "  fastText training failed or exceeded ${STEP_TIMEOUT}s (see $LOGDIR/ft_train.log)"
		record "$set" "fastText" - - - "failed/timeout" - - - - - -
	fi

	# ---- zhiyi ---------------------------------------------------------------------------------
	# No --dev: zhiyi carves its own early-stopping split from train (10% by hash for untimed data),
	# so the dev set below is never seen during training, calibration or threshold selection.
	M="$D/m_$set"
	log "zhiyi train --data $D/train.jsonl --out $M --json"
	if timeit limited "$D/rss.txt" \
		"$ZHIYI" train --data "$D/train.jsonl" --out "$M" --json >"$D/zhiyi_train.json" 2>"$LOGDIR/zhiyi_train.log"; then
		z_train=$ELAPSED
		rss_train=$(rss_of "$D/rss.txt")
		IFS=$'\t' read -r z_fit _ z_stages < <(helper zhiyi-stages "$D/zhiyi_train.json")
		log "  trained in ${z_train} s wall (stages: $z_stages)"
		if limited "$D/rss_eval.txt" "$ZHIYI" eval --model "$M" --data "$D/dev.jsonl" --json \
			>"$D/zhiyi_eval.json" 2>"$LOGDIR/zhiyi_eval.log"; then
			IFS=$'\t' read -r acc f1 < <(helper score-zhiyi "$D/zhiyi_eval.json")
		else
			log "  eval failed or exceeded ${STEP_TIMEOUT}s (see $LOGDIR/zhiyi_eval.log)"
			acc=- f1=-
		fi
		log "  dev accuracy $acc, macro-F1 $f1"
		size=$(du -sb "$M" | cut -f1)
		timeit timeout "$STEP_TIMEOUT" "$ZHIYI" predict --model "$M" </dev/null >/dev/null 2>>"$LOGDIR/predict.err" || true
		startup=$ELAPSED
		log "  predict on $PRED_LINES lines (best of $PRED_REPS)"
		lps=$(best_lps "$D/pred.txt" "$PRED_LINES" "$D/rss.txt" "$ZHIYI" predict --model "$M")
		record "$set" "zhiyi" "$acc" "$f1" "$z_train" "fit $(printf %.2f "$z_fit") s" "$lps" "$size" "$rss_train" "$(rss_of "$D/rss.txt")" "$startup" "$z_stages"
	else
		log "  zhiyi training failed or exceeded ${STEP_TIMEOUT}s (see $LOGDIR/zhiyi_train.log)"
		record "$set" "zhiyi" - - - "failed/timeout" - - - - - -
	fi
done

# ---------------------------------------------------------------------------------------------
# 5. The table.
helper table "$RESULTS" "$WORK/details.md" | tee "$WORK/results.md"
{
	echo
	echo "details ($WORK/details.md):"
	cat "$WORK/details.md"
} >&2
log "done; work files in $WORK"
