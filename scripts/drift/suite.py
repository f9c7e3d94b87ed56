"""The drift suite: zhiyi, the linear peer (peer.py) and fastText trained on the same data and
scored on the same tests, for cases where the wording and the mix of intents move
(docs/drift.md: how to run it, the cases, the columns).

    go run ./scripts/drift/shopdata -out /tmp/shopdata.jsonl      # for the shop cases
    /usr/bin/python3 scripts/drift/suite.py --zhiyi bin/zhiyi --data ../shared/data/public --work /tmp/drift \
        --shopdata /tmp/shopdata.jsonl [--cases shop-time,shop-served,shop-stress,shop-groups,smp-cais,prior,cv] \
        [--systems zhiyi,peer,fasttext] [--folds 5]

The peer needs scikit-learn in the Python that runs the suite (Debian's python3-sklearn is under
/usr/bin/python3), fastText a fasttext binary on PATH; both are checked before anything runs.

Every system sees exactly the same training lines (for the shop: its labelled messages plus
kb.yaml's examples; zhiyi also reads kb.yaml and the dictionaries, which are the shop's own).
Metrics are computed here, the same way for all three, from their predictions: accuracy and
macro-F1 over the test's gold intents. The last three columns are zhiyi's accuracy and automatic
route with the intent mix re-estimated from the test's own messages (zhiyi eval --adapt-priors, as
serve --adapt-mix does from its traffic; eval counts a message repeated word for word once). The
shop-served case is zhiyi's alone: trained on the exports with their conversations, the later
ones replayed as conversations, as serving decides them. The Markdown table goes to
stdout, progress to stderr.
"""
import argparse
import collections
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import time

CAIS_SHARED = {  # SMP2017 intent → CAIS intent, for the intents the two sets share
    "weather": "GetWeather", "music": "PlayMusic", "news": "GetNews",
    "poetry": "PlayPoem", "chat": "Chat", "schedule": "Remind",
}


def log(*a):
    print("[drift %s]" % time.strftime("%H:%M:%S"), *a, file=sys.stderr, flush=True)


def read(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def write(path, rows):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps({"text": r["text"], "intent": r["intent"]}, ensure_ascii=False) + "\n")
    return path


def bucket(text, n):
    return int(hashlib.sha1(text.encode()).hexdigest(), 16) % n


def conv_folds(rows, folds, seed):
    """Deals whole conversations to folds (shuffled by seed): {conversation: fold}."""
    convs = sorted({r["conv"] for r in rows})
    random.Random(seed).shuffle(convs)
    return {c: i % folds for i, c in enumerate(convs)}


def prior_shift(rows, seed):
    """Resamples a test split to other intent mixes: uniform (the rarest intent's count of each)
    and dominated by the most frequent intent (all of it, at most three of each other). Returns
    (uniform, dominated, the dominating intent)."""
    rnd = random.Random(seed)
    by = collections.defaultdict(list)
    for r in rows:
        by[r["intent"]].append(r)
    m = min(len(v) for v in by.values())
    uniform = [r for v in by.values() for r in rnd.sample(v, m)]
    top = max(by, key=lambda k: len(by[k]))
    rest = [r for k, v in by.items() if k != top for r in rnd.sample(v, min(len(v), 3))]
    return uniform, by[top] + rest, top


def metrics(gold, pred):
    right = sum(g == p for g, p in zip(gold, pred))
    labels = sorted(set(gold))
    f1s = []
    for l in labels:
        tp = sum(g == l and p == l for g, p in zip(gold, pred))
        fp = sum(g != l and p == l for g, p in zip(gold, pred))
        fn = sum(g == l and p != l for g, p in zip(gold, pred))
        pr = tp / (tp + fp) if tp + fp else 0.0
        rc = tp / (tp + fn) if tp + fn else 0.0
        f1s.append(2 * pr * rc / (pr + rc) if pr + rc else 0.0)
    return right / len(gold), sum(f1s) / len(f1s)


def auto(gold, pred, routes):
    """zhiyi's automatic answers: their share of the messages and how many are right."""
    n = sum(1 for r in routes if r == "auto")
    right = sum(1 for g, p, r in zip(gold, pred, routes) if r == "auto" and g == p)
    return n / len(gold), right / n if n else float("nan")


class Systems:
    def __init__(self, args):
        self.args = args

    def zhiyi(self, train, tests, d, extra):
        model = os.path.join(d, "zhiyi_model")
        cmd = [self.args.zhiyi, "train", "--data", train, "--out", model] + extra + self.args.zhiyi_args.split()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=open(os.path.join(d, "zhiyi_train.log"), "w"))
        out = []
        self.routes, self.mixed = [], []
        for i, t in enumerate(tests):
            texts = "\n".join(r["text"].replace("\n", " ") for r in read(t)) + "\n"
            p = subprocess.run([self.args.zhiyi, "predict", "--model", model], input=texts.encode(),
                               check=True, capture_output=True)
            preds = [json.loads(l) for l in p.stdout.decode().splitlines()]
            out.append([x["intent"] for x in preds])
            self.routes.append([x["route"] for x in preds])
            # the evaluation report of the case, with its coverage/precision curve
            subprocess.run([self.args.zhiyi, "eval", "--model", model, "--data", t,
                            "--html", os.path.join(d, "zhiyi_report%d.html" % i)],
                           check=True, capture_output=True)
            # and its accuracy with the intent mix re-estimated from the test itself, as zhiyi
            # serve --adapt-mix does from its traffic (no labels used); zhiyi eval counts a
            # message repeated word for word once, so n can be a few smaller than the test's
            m = json.loads(subprocess.run([self.args.zhiyi, "eval", "--model", model, "--data", t, "--adapt-priors", "--json"],
                                          check=True, capture_output=True).stdout.decode())
            self.mixed.append((m["accuracy"], m["auto_coverage"], m["auto_precision"]))
        return out

    def zhiyi_served(self, shop, until, extra, d):
        """zhiyi trained on the shop's exports (with their conversations) before until, and the
        exports from until on replayed as conversations, as serving decides them (eval
        --conversations): accuracy, macro-F1, and the automatic route."""
        model = os.path.join(d, "zhiyi_model")
        chats = ["--data", os.path.join(shop, "chats"), "--labels", os.path.join(shop, "gold", "labels.jsonl")]
        subprocess.run([self.args.zhiyi, "train"] + chats + ["--until", until, "--out", model] + extra + self.args.zhiyi_args.split(),
                       check=True, stdout=subprocess.DEVNULL, stderr=open(os.path.join(d, "zhiyi_train.log"), "w"))
        m = json.loads(subprocess.run([self.args.zhiyi, "eval", "--model", model] + chats + ["--conversations", "--since", until, "--json"],
                                      check=True, capture_output=True).stdout.decode())
        return m

    def peer(self, train, tests, d, extra):
        p = subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "peer.py"), train] + tests,
                           check=True, capture_output=True)
        parts = p.stdout.decode().split("\f\n")
        return [part.splitlines() for part in parts]

    def fasttext(self, train, tests, d, extra):
        def tok(text):
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
            return " ".join(out)
        ft_train = os.path.join(d, "ft_train.txt")
        with open(ft_train, "w", encoding="utf-8") as f:
            for r in read(train):
                f.write("__label__%s %s\n" % (r["intent"], tok(r["text"])))
        model = os.path.join(d, "ft_model")
        subprocess.run(["fasttext", "supervised", "-input", ft_train, "-output", model, "-wordNgrams", "2",
                        "-bucket", "200000", "-epoch", "25", "-lr", "0.5", "-dim", "100", "-thread", "1"],
                       check=True, capture_output=True)
        out = []
        for i, t in enumerate(tests):
            ft_test = os.path.join(d, "ft_test%d.txt" % i)  # under --work: never beside the data
            with open(ft_test, "w", encoding="utf-8") as f:
                for r in read(t):
                    f.write(tok(r["text"]) + "\n")
            p = subprocess.run(["fasttext", "predict", model + ".bin", ft_test], check=True, capture_output=True)
            out.append([l.replace("__label__", "") for l in p.stdout.decode().splitlines()])
        return out


def run_case(sys_, name, train, tests, d, zhiyi_extra=(), peer_train=None):
    """Trains the three systems and scores each test. tests: [(test name, path)]."""
    rows = []
    paths = [p for _, p in tests]
    preds = {}
    for system in sys_.args.systems.split(","):
        t0 = time.time()
        tr = peer_train if system != "zhiyi" and peer_train else train
        preds[system] = getattr(sys_, system)(tr, paths, d, list(zhiyi_extra))
        log("%s: %s trained and scored in %.1fs" % (name, system, time.time() - t0))
    for i, (tname, path) in enumerate(tests):
        gold = [r["intent"] for r in read(path)]
        res = {s: metrics(gold, preds[s][i]) for s in preds}
        for s in ("zhiyi", "peer", "fasttext"):
            res.setdefault(s, (float("nan"), float("nan")))
        if "zhiyi" in preds:
            res["auto"] = auto(gold, preds["zhiyi"][i], sys_.routes[i])
            res["mix"] = sys_.mixed[i]
        rows.append((name, tname, len(gold), res))
    return rows


KNOWN_CASES = ("shop-time", "shop-served", "shop-stress", "shop-groups", "smp-cais", "prior", "cv")


def preflight(ap, args, cases):
    """Refuses, before minutes of training, what would fail later: an unknown case or system,
    a shop case without --shopdata, a peer without scikit-learn, fastText not installed."""
    for c in cases:
        if c not in KNOWN_CASES:
            ap.error("unknown case %r: want some of %s" % (c, ",".join(KNOWN_CASES)))
    systems = args.systems.split(",")
    for s in systems:
        if s not in ("zhiyi", "peer", "fasttext"):
            ap.error("unknown system %r: want some of zhiyi,peer,fasttext" % s)
    if any(c.startswith("shop") for c in cases) and not args.shopdata:
        ap.error("the shop cases need --shopdata (go run ./scripts/drift/shopdata -out FILE)")
    public = {"smp-cais": ("smp2017", "cais"), "prior": ("smp2017",), "cv": ("smp2017", "kuake_qic", "cais")}
    for c in cases:
        for name in public.get(c, ()):
            if not os.path.isfile(os.path.join(args.data, name, "train.jsonl")):
                ap.error("case %s needs %s: --data should be the directory holding smp2017/, kuake_qic/, cais/"
                         % (c, os.path.join(args.data, name, "train.jsonl")))
    if "peer" in systems:
        try:
            import sklearn  # noqa: F401
        except ImportError:
            ap.error("the peer needs scikit-learn, which %s lacks: run the suite with /usr/bin/python3 "
                     "(Debian's python3-sklearn) or leave peer out of --systems" % sys.executable)
    if "fasttext" in systems and shutil.which("fasttext") is None:
        ap.error("fastText is not on PATH (Debian's fasttext, or a build of it): install it or leave fasttext out of --systems")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--zhiyi", required=True)
    ap.add_argument("--data", required=True, help="public data directory (read only)")
    ap.add_argument("--shop", default="corpora/shop")
    ap.add_argument("--shopdata", help="the shop's labelled messages (go run ./scripts/drift/shopdata); needed by the shop cases")
    ap.add_argument("--work", required=True)
    ap.add_argument("--cases", default="shop-time,shop-served,shop-stress,shop-groups,smp-cais,prior,cv")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--systems", default="zhiyi,peer,fasttext")
    ap.add_argument("--zhiyi-args", default="", help="extra flags for zhiyi train (to compare settings)")
    args = ap.parse_args()
    cases = args.cases.split(",")
    preflight(ap, args, cases)
    sys_ = Systems(args)
    W = args.work
    rows = []
    shop = read(args.shopdata) if args.shopdata else []
    kb_examples = []
    try:
        import yaml  # PyYAML, when present; else the examples are read by zhiyi only
        kb = yaml.safe_load(open(os.path.join(args.shop, "kb.yaml"), encoding="utf-8"))
        kb_examples = [{"text": e, "intent": it["id"]} for it in kb["intents"] for e in it["examples"]]
    except ImportError:
        log("PyYAML missing: the peers train without kb.yaml's examples")
    shop_extra = ["--kb", os.path.join(args.shop, "kb.yaml"), "--dict", os.path.join(args.shop, "dict")]
    holdout = os.path.join(args.shop, "holdout", "holdout_2026-11.jsonl")
    stress = os.path.join(args.shop, "holdout", "stress_2026-12.jsonl")
    oct1 = 1790784000000  # 2026-10-01 00:00 +08:00 in ms

    if "shop-time" in cases:
        d = os.path.join(W, "shop-time")
        tr = [r for r in shop if r["sent_at"] < oct1]
        te = [r for r in shop if r["sent_at"] >= oct1]
        train = write(os.path.join(d, "train.jsonl"), tr)
        peer_train = write(os.path.join(d, "peer_train.jsonl"), tr + kb_examples)
        octp = write(os.path.join(d, "oct.jsonl"), te)
        rows += run_case(sys_, "shop by time (Aug–Sep → …)", train, [("October chats", octp), ("November holdout", holdout)],
                         d, shop_extra, peer_train)
    if "shop-served" in cases and "zhiyi" in args.systems.split(","):
        d = os.path.join(W, "shop-served")
        os.makedirs(d, exist_ok=True)
        t0 = time.time()
        m = sys_.zhiyi_served(args.shop, "2026-10-01", shop_extra, d)
        log("shop as served: zhiyi trained and replayed in %.1fs" % (time.time() - t0))
        rows.append(("shop by time, as served (Aug–Sep → …)", "October chats replayed as conversations", int(m["count"]),
                     {"zhiyi": (m["accuracy"], m["macro_f1"]), "auto": (m["auto_coverage"], m["auto_precision"])}))
    if "shop-stress" in cases:
        d = os.path.join(W, "shop-stress")
        train = write(os.path.join(d, "train.jsonl"), shop)
        peer_train = write(os.path.join(d, "peer_train.jsonl"), shop + kb_examples)
        rows += run_case(sys_, "shop (all chats → …)", train, [("stress set", stress), ("November holdout", holdout)],
                         d, shop_extra, peer_train)
    if "shop-groups" in cases:
        fold = conv_folds(shop, args.folds, args.seed)
        acc = collections.defaultdict(list)
        for k in range(args.folds):
            d = os.path.join(W, "shop-groups", str(k))
            train = write(os.path.join(d, "train.jsonl"), [r for r in shop if fold[r["conv"]] != k])
            peer_train = write(os.path.join(d, "peer_train.jsonl"), [r for r in shop if fold[r["conv"]] != k] + kb_examples)
            test = write(os.path.join(d, "test.jsonl"), [r for r in shop if fold[r["conv"]] == k])
            for _, tname, n, res in run_case(sys_, "shop groups", train, [("fold", test)], d, shop_extra, peer_train):
                for s, m in res.items():
                    acc[s].append(m)
        rows.append(("shop, %d-fold CV by conversation" % args.folds, "mean of folds", len(shop),
                     {s: tuple(sum(x) / len(x) for x in zip(*v)) for s, v in acc.items()}))
    smp, smp_dev = [], []
    if any(c in ("smp-cais", "prior", "cv") for c in cases):  # the shop cases alone need no public data
        smp = read(os.path.join(args.data, "smp2017", "train.jsonl"))
        smp_dev = read(os.path.join(args.data, "smp2017", "dev.jsonl"))
    if "smp-cais" in cases:
        d = os.path.join(W, "smp-cais")
        tr = [{"text": r["text"], "intent": CAIS_SHARED[r["intent"]]} for r in smp + smp_dev if r["intent"] in CAIS_SHARED]
        cais = read(os.path.join(args.data, "cais", "train.jsonl")) + read(os.path.join(args.data, "cais", "dev.jsonl"))
        te = [r for r in cais if r["intent"] in CAIS_SHARED.values()]
        rows += run_case(sys_, "SMP2017 → CAIS (6 shared intents)", write(os.path.join(d, "train.jsonl"), tr),
                         [("CAIS train+dev", write(os.path.join(d, "test.jsonl"), te))], d)
    if "prior" in cases:
        d = os.path.join(W, "prior")
        uniform, dominated, top = prior_shift(smp_dev, args.seed)  # dominated: one intent about two thirds
        rows += run_case(sys_, "SMP2017 train → dev, intent mix moved", write(os.path.join(d, "train.jsonl"), smp),
                         [("dev as is", write(os.path.join(d, "dev.jsonl"), smp_dev)),
                          ("uniform over intents", write(os.path.join(d, "uniform.jsonl"), uniform)),
                          ("dominated by %s" % top, write(os.path.join(d, "dominated.jsonl"), dominated))], d)
    if "cv" in cases:
        sets = {
            "SMP2017": smp + smp_dev,
            "KUAKE-QIC": read(os.path.join(args.data, "kuake_qic", "train.jsonl")),
            "CAIS": read(os.path.join(args.data, "cais", "train.jsonl")) + read(os.path.join(args.data, "cais", "dev.jsonl")),
        }
        for sname, data in sets.items():
            acc = collections.defaultdict(list)
            for k in range(args.folds):
                d = os.path.join(W, "cv", sname, str(k))
                train = write(os.path.join(d, "train.jsonl"), [r for r in data if bucket(r["text"], args.folds) != k])
                test = write(os.path.join(d, "test.jsonl"), [r for r in data if bucket(r["text"], args.folds) == k])
                for _, _, n, res in run_case(sys_, sname + " CV", train, [("fold", test)], d):
                    for s, mm in res.items():
                        acc[s].append(mm)
            rows.append(("%s, %d-fold CV" % (sname, args.folds), "mean of folds", len(data),
                         {s: tuple(sum(x) / len(x) for x in zip(*v)) for s, v in acc.items()}))

    print("| case | test | n | zhiyi acc | peer acc | fastText acc | zhiyi macro-F1 | peer macro-F1 | fastText macro-F1 | zhiyi auto | auto precision | zhiyi acc, mix adapted | auto, mix adapted | precision, mix adapted |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for case, test, n, res in rows:
        def get(s, i, pct=False):
            """A cell: – for a system left out (--systems) or a column a case has not."""
            v = res[s][i] if s in res else float("nan")
            if v != v:
                return "–"
            return "%.1f %%" % (100 * v) if pct else "%.4f" % v
        print("| %s | %s | %d | %s |" % (case, test, n, " | ".join([
            get("zhiyi", 0), get("peer", 0), get("fasttext", 0), get("zhiyi", 1), get("peer", 1), get("fasttext", 1),
            get("auto", 0, True), get("auto", 1), get("mix", 0), get("mix", 1, True), get("mix", 2)])))


if __name__ == "__main__":
    main()
