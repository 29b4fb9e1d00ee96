"""Train the shipped abuse classifier (chataudit/text/abuse_model.json) on COLD's train split.

    pip install scikit-learn   # training only; the audit scores the model in pure Python
    python tools/train_abuse_model.py [--cold ../shared/datasets/cold]

Only ``train.csv`` trains the model. ``dev.csv`` is the measure (``chataudit eval``, see
docs/accuracy.md) and is never read here; COLD's test split is the held-out measure nobody
tunes on. The model: binary character 1–3-grams of the normalised text (the audit's own
``ngrams`` function), an L2 logistic regression, kept to its ``--top`` strongest n-grams and
refitted on them. The n-grams of two or more characters weighing at least ``--gate`` form the
gate: a message without one is never scored.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression

from chataudit.text.classifier import MODEL, ngrams
from chataudit.text.normalize import normalize

ROOT = Path(__file__).resolve().parent.parent
DIGITS = 3  # weights are rounded: a smaller file, the same decisions


def read_split(path: Path) -> tuple[list[str], list[int]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    return [normalize(r["TEXT"]).text for r in rows], [int(r["label"]) for r in rows]


def fit(texts: list[str], labels: list[int], vocabulary: list[str] | None, c: float):
    vectorizer = CountVectorizer(analyzer=ngrams, binary=True, min_df=1 if vocabulary else 2, vocabulary=vocabulary)
    model = LogisticRegression(C=c, max_iter=5000).fit(vectorizer.fit_transform(texts), labels)
    return list(vectorizer.get_feature_names_out()), [float(w) for w in model.coef_[0]], float(model.intercept_[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold", type=Path, default=ROOT.parent / "shared" / "datasets" / "cold")
    parser.add_argument("--out", type=Path, default=MODEL)
    parser.add_argument("--top", type=int, default=20_000, help="n-grams kept, by absolute weight")
    parser.add_argument("--c", type=float, default=1.0, help="inverse L2 strength")
    parser.add_argument("--gate", type=float, default=0.5, help="weight of a gate n-gram")
    args = parser.parse_args()
    texts, labels = read_split(args.cold / "train.csv")
    names, weights, _ = fit(texts, labels, None, args.c)
    strongest = sorted(range(len(names)), key=lambda i: (-abs(weights[i]), names[i]))[: args.top]
    names, weights, bias = fit(texts, labels, sorted(names[i] for i in strongest), args.c)
    kept = {name: round(w, DIGITS) for name, w in zip(names, weights, strict=True) if round(w, DIGITS)}
    data = {
        "about": "abuse classifier for C403; trained by tools/train_abuse_model.py on COLD train.csv "
                 "(thu-coai/COLDataset, Apache-2.0)",
        "trained_on": {"file": "cold/train.csv", "rows": len(texts), "offensive": sum(labels)},
        "bias": round(bias, DIGITS),
        "gate": sorted(n for n, w in kept.items() if w >= args.gate and len(n) >= 2),
        "weights": kept,
    }
    args.out.write_text(json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n",
                        encoding="utf-8")
    print(f"wrote {args.out}: {len(kept)} n-grams, {len(data['gate'])} in the gate, from {len(texts)} rows")


if __name__ == "__main__":
    main()
