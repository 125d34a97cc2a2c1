"""Benchmarks: our recipes on the papers' benchmarks, beside the published numbers.

``python -m gan_text bench oracle|coco [--profile smoke|course|full] [--seeds N] [--recipes mle,relgan]``
runs MLE, SeqGAN and RelGAN on

- ``oracle``: the synthetic benchmark of SeqGAN, Texygen and RelGAN (:mod:`~gan_text.bench.oracle`):
  NLL-oracle, NLL-gen and NLL-div over training, the oracle's own NLL as the floor;
- ``coco``: Texygen's COCO captions (:mod:`~gan_text.bench.coco`): BLEU-2..5 and Self-BLEU-2..5 under the
  ``texygen`` protocol, NLL-gen, and the MLE temperature sweep;

and writes CSV files, a JSON record (machine, versions, budget, seeds) and a plot into
``gan_text/bench/data/`` (:mod:`~gan_text.bench.results`), where the committed ``course`` results ship with
the package. In Python::

    from gan_text.bench import run_benchmark, load_results, results_table, format_table
    results = run_benchmark("oracle", "smoke", seeds=1)   # or read what was run before:
    results = load_results("oracle", "course")          # the shipped results, no network needed
    print(format_table(results_table("oracle", "course")))

The budgets of every profile are in :data:`~gan_text.bench.budgets.PLANS`; the published values with their
sources in :mod:`~gan_text.bench.published`.
"""

from __future__ import annotations

from .budgets import BENCHMARKS, PLANS, PROFILES, RECIPES, Budget, plan
from .compare import matched_comparison, matched_verdict
from .published import PUBLISHED, published_table
from .results import DEFAULT_OUT, Results, format_table, load_results, results_table
from .running import run_benchmark

__all__ = ["BENCHMARKS", "Budget", "DEFAULT_OUT", "PLANS", "PROFILES", "PUBLISHED", "RECIPES", "Results",
           "format_table", "load_results", "matched_comparison", "matched_verdict", "plan", "published_table",
           "results_table", "run_benchmark"]
