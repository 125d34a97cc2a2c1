"""The command line: ``python -m gan_text COMMAND ...`` (``--help`` on every command).

- ``corpus NAME|PATH``: statistics and a few samples of a corpus.

A user mistake prints one line on stderr (``error: ...``) and exits with status 2; no traceback.
"""

from __future__ import annotations

import argparse
import sys

from .errors import GanTextError


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _corpus_command(args: argparse.Namespace) -> int:
    import pandas as pd

    from .corpora import load_corpus
    from .stats import corpus_stats

    corpus = load_corpus(args.source, n_train=args.n_train, n_test=args.n_test, seed=args.seed)
    print(f"{corpus.name}: {corpus.description}")
    print(f"{len(corpus.train):,} train and {len(corpus.test):,} test sentences, {corpus.level}-level\n")
    with pd.option_context("display.width", 120, "display.max_columns", 10, "display.precision", 3):
        print(corpus_stats(corpus).to_string())
    print(f"\n{args.samples} random training sentences:")
    for sentence in corpus.sample(args.samples, seed=args.seed):
        print(f"  {sentence}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m gan_text``."""
    parser = argparse.ArgumentParser(
        prog="python -m gan_text",
        description="gan_text: generating text with GANs, a course package. "
                    "Set GAN_TEXT_PROFILE=smoke|course|full to scale every command.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    corpus = commands.add_parser(
        "corpus", help="print statistics and samples of a corpus",
        description="Print the statistics table and a few samples of a corpus: a built-in name "
                    "(grammar, oracle), a downloadable one (coco, emnlp_news, shakespeare; cached, "
                    "GAN_TEXT_DATA_MIRROR replaces the download site) or a text file with one sentence per line.")
    corpus.add_argument("source", metavar="NAME|PATH", help="corpus name or path to a text file")
    corpus.add_argument("--n-train", type=_positive, default=None, help="use at most this many training sentences")
    corpus.add_argument("--n-test", type=_positive, default=None, help="use at most this many test sentences")
    corpus.add_argument("--samples", type=_positive, default=5, help="how many sentences to show (default 5)")
    corpus.add_argument("--seed", type=int, default=0, help="seed for generated corpora and the samples shown")
    corpus.set_defaults(run=_corpus_command)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit status (0 ok, 2 user mistake)."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except GanTextError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
