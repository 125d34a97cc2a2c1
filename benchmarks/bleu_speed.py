"""How fast are gan_text's BLEU and Self-BLEU, and how much faster than nltk's own loop?

Usage::

    python benchmarks/bleu_speed.py [DATA_DIR] [--subset 20] [--repeats 3]

DATA_DIR holds ``image_coco/image_coco.txt`` and ``image_coco/test_coco.txt`` (default: the
``shared/data`` folder beside the repository). Sentences are lowercased and tokenised with nltk's
``NLTKWordTokenizer`` (the Treebank tokenizer; no data download needed).

It prints

1. the wall time of BLEU-2..5 (10,000 hypotheses x 10,000 references) plus leave-one-out
   Self-BLEU-2..5 (10,000 sentences) with gan_text (measured, median of ``--repeats`` runs);
2. nltk's time for the first ``--subset`` hypotheses (BLEU against all 10,000 references, Self-BLEU
   against the other 9,999 sentences; one ``sentence_bleu`` call per hypothesis with all four weight
   vectors, nltk's fastest way), gan_text's time for the same subset and the measured speed-up;
3. nltk's time for the full job EXTRAPOLATED linearly from the subset (each hypothesis costs nltk
   the same scan over all references), and the resulting speed-up, labelled as extrapolated.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from nltk.tokenize import NLTKWordTokenizer
from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu

from gan_text.metrics import bleu_scores, self_bleu_scores

NS = (2, 3, 4, 5)
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def read_tokens(path: Path) -> list[list[str]]:
    tokenizer = NLTKWordTokenizer()
    lines = path.read_text(encoding="utf-8").splitlines()
    return [tokenizer.tokenize(line.strip().lower()) for line in lines if line.strip()]


def nltk_subset(train, test, k):
    """nltk's per-hypothesis loop for the first k hypotheses: (seconds, BLEU means, Self-BLEU means)."""
    weights = [(1.0 / n,) * n for n in NS]
    smooth = SmoothingFunction().method1
    start = time.perf_counter()
    b = [sentence_bleu(test, h, weights, smoothing_function=smooth) for h in train[:k]]
    s = [sentence_bleu(train[:i] + train[i + 1:], train[i], weights, smoothing_function=smooth)
         for i in range(k)]
    seconds = time.perf_counter() - start
    return seconds, _means(b), _means(s)


def _means(rows) -> dict[int, float]:
    return {n: sum(row[j] for row in rows) / len(rows) for j, n in enumerate(NS)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--subset", type=int, default=20, help="hypotheses nltk scores (default 20)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of gan_text (median)")
    args = parser.parse_args(argv)

    folder = args.data / "image_coco"
    start = time.perf_counter()
    train = read_tokens(folder / "image_coco.txt")
    test = read_tokens(folder / "test_coco.txt")
    print(f"COCO: {len(train):,} hypotheses (image_coco.txt), {len(test):,} references "
          f"(test_coco.txt); tokenising took {time.perf_counter() - start:.1f} s (not counted)")

    runs = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        b = bleu_scores(train, test, NS)
        s = self_bleu_scores(train, NS)
        runs.append(time.perf_counter() - start)
    full = statistics.median(runs)
    print(f"gan_text, protocol texygen, {len(train):,} hypotheses vs {len(test):,} references:")
    print("  BLEU-2..5      = " + " / ".join(f"{b[n]:.3f}" for n in NS))
    print("  Self-BLEU-2..5 = " + " / ".join(f"{s[n]:.3f}" for n in NS)
          + f"  (leave-one-out over {len(train):,})")
    print(f"  wall time, BLEU-2..5 + Self-BLEU-2..5: {full:.2f} s (measured, median of "
          f"{args.repeats}: {', '.join(f'{r:.2f}' for r in runs)})")

    k = args.subset
    nltk_s, nltk_b, nltk_self = nltk_subset(train, test, k)
    start = time.perf_counter()
    sub_b = bleu_scores(train[:k], test, NS)
    sub_s = self_bleu_scores(train, NS, n_hypotheses=k)
    ours_s = time.perf_counter() - start
    diff = max(max(abs(sub_b[n] - nltk_b[n]), abs(sub_s[n] - nltk_self[n])) for n in NS)
    print(f"subset: first {k} hypotheses (BLEU vs {len(test):,} references, Self-BLEU vs the other "
          f"{len(train) - 1:,}):")
    print(f"  nltk {nltk_s:.2f} s, gan_text {ours_s:.2f} s -> {nltk_s / ours_s:.0f}x faster "
          f"(measured); largest difference in mean scores {diff:.1e}")
    est = nltk_s / k * len(train)
    print(f"  nltk for all {len(train):,} hypotheses: about {est / 3600:.1f} h -> about "
          f"{est / full:,.0f}x slower than gan_text's {full:.2f} s (EXTRAPOLATED linearly from "
          f"{k} hypotheses)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
