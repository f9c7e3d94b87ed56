"""The linear peer of the drift suite: what a data scientist writes first. TF-IDF over characters
1–3 (sublinear tf, L2-normalised rows) and scikit-learn's LinearSVC(C=0.5), nothing tuned.

    python3 peer.py TRAIN.jsonl TEST.jsonl... > predictions   (one intent per test line, per file
                                                               in order, files separated by a line
                                                               with a single "\f")
"""
import json
import sys

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC


def read(path):
    texts, labels = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                d = json.loads(line)
                texts.append(d["text"])
                labels.append(d.get("intent", ""))
    return texts, labels


def main():
    x, y = read(sys.argv[1])
    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
    clf = LinearSVC(C=0.5)
    clf.fit(vec.fit_transform(x), y)
    out = sys.stdout
    for i, path in enumerate(sys.argv[2:]):
        if i:
            out.write("\f\n")
        texts, _ = read(path)
        for p in clf.predict(vec.transform(texts)) if texts else []:
            out.write(p + "\n")


if __name__ == "__main__":
    main()
