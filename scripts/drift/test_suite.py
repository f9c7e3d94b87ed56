"""Tests of the drift suite's splitters and metrics on tiny data, and of the linear peer on a tiny
synthetic shop. Run by drift_test.go (go test ./scripts/drift), or: python3 -m unittest test_suite.py"""
import collections
import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import suite  # noqa: E402

try:
    import sklearn  # noqa: F401
    HAVE_SKLEARN = True
except ImportError:
    HAVE_SKLEARN = False


def rows(n_per, intents, conv_size=3):
    out = []
    for it in intents:
        for i in range(n_per):
            out.append({"text": "%s 第%d句" % (it, i), "intent": it, "conv": "%s-%d" % (it, i // conv_size)})
    return out


class Splitters(unittest.TestCase):
    def test_kfold_buckets_partition(self):
        data = rows(20, ["a", "b", "c"])
        folds = [[r for r in data if suite.bucket(r["text"], 5) == k] for k in range(5)]
        self.assertEqual(sum(len(f) for f in folds), len(data))
        self.assertTrue(all(folds), "a fold is empty")
        self.assertEqual(suite.bucket("同一句话", 5), suite.bucket("同一句话", 5))

    def test_conversations_stay_in_one_fold(self):
        data = rows(12, ["a", "b"], conv_size=4)
        fold = suite.conv_folds(data, 3, seed=1)
        self.assertEqual(set(fold.values()), {0, 1, 2})
        by_conv = collections.defaultdict(set)
        for r in data:
            by_conv[r["conv"]].add(fold[r["conv"]])
        self.assertTrue(all(len(v) == 1 for v in by_conv.values()))
        self.assertEqual(fold, suite.conv_folds(data, 3, seed=1), "not deterministic")

    def test_prior_shift(self):
        data = rows(30, ["big"]) + rows(5, ["x", "y", "z"])
        uniform, dominated, top = suite.prior_shift(data, seed=1)
        counts = collections.Counter(r["intent"] for r in uniform)
        self.assertEqual(set(counts.values()), {5})
        self.assertEqual(top, "big")
        share = sum(r["intent"] == "big" for r in dominated) / len(dominated)
        self.assertGreaterEqual(share, 2 / 3)
        self.assertEqual(len(dominated), 30 + 3 * 3)


class Metrics(unittest.TestCase):
    def test_accuracy_and_macro_f1(self):
        acc, f1 = suite.metrics(["a", "a", "b", "b"], ["a", "b", "b", "b"])
        self.assertAlmostEqual(acc, 0.75)
        # a: P 1 R .5 F1 2/3; b: P 2/3 R 1 F1 .8
        self.assertAlmostEqual(f1, (2 / 3 + 0.8) / 2)

    def test_auto(self):
        share, precision = suite.auto(["a", "b", "c", "d"], ["a", "x", "c", "d"], ["auto", "auto", "suggest", "auto"])
        self.assertAlmostEqual(share, 0.75)
        self.assertAlmostEqual(precision, 2 / 3)


@unittest.skipUnless(HAVE_SKLEARN, "scikit-learn is not installed (Debian: python3-sklearn): the linear peer cannot run")
class Peer(unittest.TestCase):
    def test_peer_on_tiny_shop(self):
        phrases = {
            "return_goods": ["我要退货", "东西不要了能退吗", "怎么退货", "退货流程", "不想要了想退掉", "退货退款怎么弄"],
            "invoice": ["怎么开发票", "能开电子发票吗", "发票抬头怎么写", "要发票", "开个发票", "发票什么时候开"],
            "shipping_time": ["什么时候发货", "几天能发货", "今天能发吗", "多久发出", "还没发货吗", "发货要几天"],
        }
        train = [{"text": t, "intent": it} for it, ts in phrases.items() for t in ts]
        test = [{"text": "这个不想要了 退了吧", "intent": "return_goods"}, {"text": "开发票", "intent": "invoice"},
                {"text": "几天发货啊", "intent": "shipping_time"}]
        with tempfile.TemporaryDirectory() as d:
            tr, te = os.path.join(d, "train.jsonl"), os.path.join(d, "test.jsonl")
            for path, data in ((tr, train), (te, test)):
                with open(path, "w", encoding="utf-8") as f:
                    for r in data:
                        f.write(json.dumps(r, ensure_ascii=False) + "\n")
            out = subprocess.run([sys.executable, os.path.join(os.path.dirname(suite.__file__), "peer.py"), tr, te, tr],
                                 check=True, capture_output=True).stdout.decode()
        parts = [p.splitlines() for p in out.split("\f\n")]
        self.assertEqual([len(p) for p in parts], [len(test), len(train)])
        self.assertEqual(parts[0], [r["intent"] for r in test])
        self.assertEqual(parts[1], [r["intent"] for r in train])


if __name__ == "__main__":
    unittest.main()
