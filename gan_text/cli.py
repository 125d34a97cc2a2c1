"""The command line: ``python -m gan_text COMMAND ...`` (``--help`` on every command).

- ``corpus NAME|PATH``: statistics and a few samples of a corpus.
- ``train [--corpus ...] [--recipe ...] [--steps N] [--out DIR] [--resume]``: train a recipe into a run
  directory (see :func:`gan_text.training.runs.train`), then print a metrics table.
- ``generate RUN_DIR [-n 20] [--temperature T] [--seed S]``: sentences from a saved run.
- ``evaluate RUN_DIR [--protocol texygen] [--n N] [--temperature T] [--seed S] [--lm] [--pretrained]``: score a run's samples
  next to real data (see :func:`gan_text.evaluation.evaluate_run`); writes ``metrics.csv`` and a plot.
  ``evaluate RUN_DIR --sweep [--temperatures 0.6,0.8,1.0] [-n N]``: the quality frontier instead (see
  :func:`gan_text.frontier.quality_frontier`); writes ``frontier.csv`` and a plot.
- ``bench oracle|coco [--profile P] [--seeds N] [--recipes mle,relgan] [--out DIR] [--keep-runs DIR [--resume]]``:
  run a papers' benchmark
  (see :mod:`gan_text.bench`) and print our numbers beside the published ones.

A user mistake prints one line on stderr (``error: ...``) and exits with status 2; no traceback. Numbers, paths
and the profile are checked before TensorFlow is imported, and TensorFlow's start-up logs are kept off the
terminal (:mod:`gan_text.tf_logs`; ``GAN_TEXT_TF_LOGS=1`` shows them).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from .atomic import atomic_path
from .checks import seed as check_seed
from .checks import temperature as check_temperature
from .config import profile
from .devices import parse_strategy
from .errors import GanTextError
from .precision import PRECISIONS, check_precision
from .runconfig import read_config
from .tf_logs import import_tensorflow_quietly

# The commands import the package's TensorFlow-backed modules inside themselves, after their checks, so that
# a mistake is answered in well under a second (import_tensorflow_quietly first).
MAX_STEPS = 10_000_000  # --steps above this is a typo (at 10 steps/s it would train for 11 days)
GENERATE_CHUNK = 10_000  # generate -n N samples this many sentences at a time, so any N fits in memory


def _positive(text: str) -> int:
    """An option's text as a whole number >= 1, for argparse (its message names the option)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, got {text!r}")
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
    shown = corpus.sample(args.samples, seed=args.seed)  # fewer when the corpus has fewer sentences
    print(f"\n{len(shown)} random training sentence{'s' if len(shown) != 1 else ''}:")
    for sentence in shown:
        print(f"  {sentence}")
    return 0


def _whole(text: str | None, option: str, minimum: int, maximum: int | None = None) -> int | None:
    """An option's text as a whole number >= ``minimum`` (and <= ``maximum``; None stays None); GanTextError
    otherwise. The training commands check numbers here rather than in argparse so that a mistake is one line.
    """
    if text is None:
        return None
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or value < minimum or (maximum is not None and value > maximum):
        limits = f">= {minimum}" if maximum is None else f"from {minimum} to {maximum:,}"
        raise GanTextError(f"{option} must be a whole number {limits}, got {text!r}; "
                           f"pass e.g. {option} {max(minimum, 20)}")
    return value


def _seed(text: str | None) -> int | None:
    """``--seed`` as an int from 0 to 2**32 - 1 (None stays None)."""
    if text is None:
        return None
    try:
        value = int(text)
    except ValueError:
        value = text
    return check_seed("--seed", value)


def _number(text: str, option: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise GanTextError(f"{option} must be a number, got {text!r}; pass e.g. {option} 1.0") from None


def _run_folder(text: str) -> Path:
    """A run directory given on the command line, with its config.json checked before anything heavy is imported."""
    read_config(Path(text))
    return Path(text)


def _metrics_table(summary) -> str:
    def fmt(value):
        if value != value:  # NaN: not measured in this phase
            return "-"
        return f"{value:.0f}" if float(value).is_integer() and abs(value) >= 1 else f"{value:.3g}"

    return summary.apply(lambda column: column.map(fmt)).to_string()


def _train_command(args: argparse.Namespace) -> int:
    seed = _seed(args.seed)
    numbers = {"steps": _whole(args.steps, "--steps", 1, MAX_STEPS),
               "eval_every": _whole(args.eval_every, "--eval-every", 1, MAX_STEPS),
               "checkpoint_every": _whole(args.checkpoint_every, "--checkpoint-every", 1, MAX_STEPS),
               "n_print": _whole(args.samples, "--samples", 0, 1000)}
    precision = None if args.precision is None else check_precision(args.precision, "--precision")
    strategy = parse_strategy(args.strategy)  # made by train(), before TensorFlow sets up its devices
    import_tensorflow_quietly()
    from .session import setup
    from .training.runs import train

    setup(0 if seed is None else seed, quiet=True)  # op determinism: repeatable runs and exact resume
    run = train(args.corpus, args.recipe, out=args.out, resume=args.resume, seed=seed, precision=precision, **numbers,
                strategy=strategy,
                verbose=1 if sys.stdout.isatty() and not args.quiet else 2)  # no bars in a pipe or log
    summary = run.summary()
    if not summary.empty:
        print("\nmetrics at the end of each phase:")
        print(_metrics_table(summary))
    try:
        _print_evaluation(run, pretrained=True)  # the pre-trained generator beside the final one
    except GanTextError as error:  # e.g. a corpus too small to score; the run itself is trained and saved
        print(f"\nevaluation skipped: {error}")
    print(f"\nrun directory: {run.run_dir}")
    print(f"more sentences: python -m gan_text generate {run.run_dir} -n 20")
    return 0


def _print_evaluation(run, **options) -> None:
    """Evaluate a run (a Run or its folder), print the table and say which files were written."""
    import_tensorflow_quietly()
    from .evaluation import evaluate_run, format_table

    frame = evaluate_run(run, progress=None if sys.stderr.isatty() else False, **options)
    print("\nevaluation:")
    print(format_table(frame))
    written = ", ".join(str(path) for path in frame.attrs.get("files", []))
    print(f"written: {written} ({frame.attrs['seconds']:.0f} s)")


def _temperatures(text: str) -> list[float]:
    """``--temperatures 0.6,0.8,1.0`` as a list of floats, each from 1e-6 to 1e6 (greedy has no likelihood)."""
    try:
        values = [float(t) for t in text.split(",")]
    except ValueError:
        raise GanTextError(f"--temperatures must be numbers separated by commas, got {text!r}; pass e.g. "
                           f"--temperatures 0.6,0.8,1.0,1.2") from None
    return [check_temperature("--temperatures", t, greedy=False) for t in values]


def _evaluate_command(args: argparse.Namespace) -> int:
    if args.sweep:
        given = [option for option, value in (("--protocol", args.protocol), ("--temperature", args.temperature),
                                              ("--lm", args.lm or None), ("--pretrained", args.pretrained or None))
                 if value is not None]
        if given:
            raise GanTextError(f"{given[0]} does not apply to --sweep (it samples at --temperatures and scores "
                               f"quality, NLL-test and diversity); drop it or drop --sweep")
        options = {} if args.temperatures is None else {"temperatures": _temperatures(args.temperatures)}
        n, seed = _whole(args.n, "-n", 2) or 1000, _seed(args.seed)
        _run_folder(args.run_dir)
        import_tensorflow_quietly()
        from .frontier import print_frontier

        print_frontier(args.run_dir, n=n, seed=seed, **options)
        return 0
    if args.temperatures is not None:
        raise GanTextError("--temperatures needs --sweep (one temperature: --temperature T); add --sweep")
    options = {"protocol": args.protocol or "texygen", "n": _whole(args.n, "--n", 2),
               "temperature": check_temperature("--temperature", _number(args.temperature or "1.0", "--temperature")),
               "seed": _seed(args.seed), "lm": args.lm, "pretrained": args.pretrained}
    _print_evaluation(_run_folder(args.run_dir), **options)
    return 0


def _chunk_seeds(seed: int, n: int) -> list[int]:
    """The sampling seed of each chunk of ``n`` sentences: ``seed`` itself first (so up to a chunk of sentences
    are exactly ``run.generate(n, seed=seed)``), then seeds drawn from it."""
    chunks = -(-n // GENERATE_CHUNK)
    return [seed, *(int(s) for s in np.random.SeedSequence(seed).generate_state(chunks - 1))]


def _generate_command(args: argparse.Namespace) -> int:
    n = _whole(args.n, "-n", 1)
    temperature = check_temperature("--temperature", _number(args.temperature, "--temperature"))
    seed = _seed(args.seed)
    output = None if args.output is None else Path(args.output)
    if output is not None and (output.exists() or output.is_symlink()):
        raise GanTextError(f"--output '{output}' exists; give a new file name (generate never overwrites a file)")
    if output is not None and not output.parent.is_dir():
        raise GanTextError(f"--output '{output}': the folder '{output.parent}' does not exist; create it first")
    run_dir = _run_folder(args.run_dir)
    import_tensorflow_quietly()
    from .training.runs import load_run

    run = load_run(run_dir)
    if output is None:
        _write_sentences(run, n, temperature, seed, sys.stdout)
        return 0
    try:
        with atomic_path(output) as tmp, open(tmp, "w", encoding="utf-8") as file:
            _write_sentences(run, n, temperature, seed, file)
    except OSError as err:
        raise GanTextError(f"cannot write --output '{output}' ({err.strerror or err})") from None
    print(f"{n:,} sentences written to {output}")
    return 0


def _write_sentences(run, n: int, temperature: float, seed: int, file) -> None:
    """``n`` sentences of ``run``, one per line, sampled and written a chunk at a time."""
    for k, chunk_seed in enumerate(_chunk_seeds(seed, n)):
        size = min(GENERATE_CHUNK, n - k * GENERATE_CHUNK)
        file.write("".join(f"{s or '(empty sentence)'}\n" for s in run.generate(size, temperature, chunk_seed)))
        file.flush()


def _add_train_commands(commands) -> None:
    train = commands.add_parser(
        "train", help="train a recipe and save the run (samples, history, checkpoints)",
        description="Train a text GAN (or the MLE baseline) and write a run directory: config, vocabulary, "
                    "checkpoints, samples at every evaluation point, history.csv and plots. With no options: "
                    "the guided recipe (MLE pre-training, then a discriminator that resamples the generator's "
                    "sentences) on the grammar corpus, sized by GAN_TEXT_PROFILE (default course: a few "
                    "minutes on a CPU). The evaluation at the end shows the pre-trained generator beside the "
                    "final samples. Stop with Ctrl-C and continue with --resume.")
    train.add_argument("--corpus", metavar="NAME|PATH", default=None,
                       help="grammar (default), oracle, coco, emnlp_news, shakespeare or a text file")
    train.add_argument("--recipe", metavar="NAME", default=None,
                       help="guided (default), relgan, seqgan, wgan_gp, seed or mle")
    train.add_argument("--steps", metavar="N", help="adversarial steps (mle: all steps; guided: the "
                                                    "discriminator's) instead of the profile's")
    train.add_argument("--out", metavar="DIR", default=None,
                       help="run directory (default runs/<recipe>-<corpus>-<time>); never overwritten")
    train.add_argument("--resume", action="store_true",
                       help="continue the run in --out DIR from its last checkpoint")
    train.add_argument("--seed", metavar="S", help="seed of the run (default 0)")
    train.add_argument("--precision", metavar="NAME", default=None,
                       help=f"{' or '.join(PRECISIONS)}: mixed computes in bfloat16 and keeps the weights and "
                            f"losses in float32 (it pays on recent GPUs, TPUs and CPUs with AMX); default float32, "
                            f"or the run's with --resume")
    train.add_argument("--strategy", metavar="NAME", default="default",
                       help="default (one device), mirrored (every local GPU), mirrored:N (the CPU as N logical devices: tests data parallelism, not faster) or tpu (Colab TPU runtime); the global batch stays the profile's (default: default)")
    train.add_argument("--eval-every", metavar="N", help="steps between evaluations (default: 5 per phase)")
    train.add_argument("--checkpoint-every", metavar="N",
                       help="save a checkpoint at the first evaluation point after every N steps (checkpoints "
                            "fall on evaluation points, so that a resumed run repeats nothing; default: at every "
                            "evaluation) and at the end of every phase")
    train.add_argument("--samples", metavar="N", default="3", help="sentences shown per evaluation (default 3)")
    train.add_argument("--quiet", action="store_true", help="no progress bars, only a few lines per evaluation")
    train.set_defaults(run=_train_command)

    generate = commands.add_parser(
        "generate", help="print sentences from a saved run",
        description="Reload the models of a run directory (its last checkpoint) and print generated sentences, "
                    "one per line.")
    generate.add_argument("run_dir", metavar="RUN_DIR", help="a folder written by `train`")
    generate.add_argument("-n", metavar="N", default="20", help="how many sentences (default 20)")
    generate.add_argument("--temperature", metavar="T", default="1.0",
                          help="sampling temperature: < 1 safer, > 1 wilder, 0 greedy (default 1.0)")
    generate.add_argument("--seed", metavar="S", default="0", help="seed: the same seed, the same sentences (default 0)")
    generate.add_argument("--output", metavar="FILE", default=None,
                          help="write the sentences to this new file instead of printing them (written "
                               f"{GENERATE_CHUNK:,} at a time, so -n can be as large as the disk allows)")
    generate.set_defaults(run=_generate_command)

    evaluate = commands.add_parser(
        "evaluate", help="score a saved run's samples next to real data",
        description="Reload a run directory (its last checkpoint) and its corpus, generate N sentences and score "
                    "them next to real test sentences: BLEU-2..5 under a protocol, Self-BLEU-2..5, distinct-n, "
                    "duplicates, novelty, MS-Jaccard, NLL-test, and the grammatical fraction or NLL-oracle where "
                    "the corpus's true model is known. Prints a table; writes metrics.csv and "
                    "plots/evaluation.png into the run directory. With --sweep: the quality frontier instead, "
                    "N samples at each of --temperatures scored for quality (grammatical and novel share, grammar "
                    "corpus), NLL-test under the tempered model, Self-BLEU-3, distinct-2, novelty; writes "
                    "frontier.csv and plots/frontier.png.")
    evaluate.add_argument("run_dir", metavar="RUN_DIR", help="a folder written by `train`")
    evaluate.add_argument("--protocol", metavar="NAME", default=None,
                          help="BLEU protocol: texygen (every sample, default), relgan (the first 100) or textgan "
                               "(the first 200)")
    evaluate.add_argument("-n", "--n", metavar="N", default=None,
                          help="how many sentences to generate (default: n_eval of the run's profile; "
                               "with --sweep 1000 per temperature)")
    evaluate.add_argument("--temperature", metavar="T", default=None, help="sampling temperature (default 1.0)")
    evaluate.add_argument("--seed", metavar="S", default="0", help="sampling seed (default 0)")
    evaluate.add_argument("--lm", action="store_true",
                          help="also the LM score: trains a reference LM on the real data once (cached; slow)")
    evaluate.add_argument("--pretrained", action="store_true",
                          help="also score the generator at the end of pre-training (the same n, temperature and seed), "
                               "beside the final one: what the later phases changed")
    evaluate.add_argument("--sweep", action="store_true",
                          help="the quality frontier: sweep the sampling temperature (frontier.csv and a plot)")
    evaluate.add_argument("--temperatures", metavar="LIST", default=None,
                          help="with --sweep: comma-separated temperatures > 0 (default 0.6,0.7,...,1.2)")
    evaluate.set_defaults(run=_evaluate_command)


def _bench_command(args: argparse.Namespace) -> int:
    seeds = _whole(args.seeds, "--seeds", 1, 1000)
    precision = check_precision(args.precision, "--precision")
    strategy = parse_strategy(args.strategy)
    import_tensorflow_quietly()
    from . import bench
    from .bench.budgets import check_benchmark, check_profile, check_recipes
    from .session import setup

    benchmark = check_benchmark(args.benchmark)
    chosen = check_profile(args.profile if args.profile is not None else profile().name)
    recipes = check_recipes(args.recipes)
    setup(0, quiet=True)  # op determinism: the same machine gives the same numbers
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(line_buffering=True)  # progress lines reach a log file as they happen
    results = bench.run_benchmark(benchmark, chosen, seeds=seeds, recipes=recipes, out=args.out,
                                  keep_runs=args.keep_runs, resume=args.resume, precision=precision, verbose=2,
                                  strategy=strategy)
    print(f"\n{benchmark} benchmark, {chosen} profile: ours (mean ± std over seeds) beside the published values")
    print(bench.format_table(bench.results_table(benchmark, chosen, results=results)))
    print(f"note: {results.meta.get('caveat', '')}")
    if benchmark == "oracle":
        for line in bench.matched_verdict(bench.matched_comparison(results)):
            print(line)
    meta = results.meta
    print(f"all recorded runs of {benchmark} ({chosen}), shared pre-training included: {meta['total_seconds']:,.0f} s "
          f"wall, {meta['total_cpu_seconds']:,.0f} s of CPU time")
    print("written: " + ", ".join(str(path) for path in results.paths.values() if path.exists()))
    return 0


def _add_bench_command(commands) -> None:
    bench = commands.add_parser(
        "bench", help="run the oracle or COCO benchmark and compare with the published numbers",
        description="Train MLE, SeqGAN and RelGAN on a papers' benchmark for several seeds and score them: oracle "
                    "(the synthetic benchmark of SeqGAN/Texygen/RelGAN: NLL-oracle, NLL-gen, NLL-div) or coco "
                    "(Texygen's COCO captions: BLEU-2..5, Self-BLEU-2..5, NLL-gen, the MLE temperature sweep). "
                    "Writes CSV files, a JSON record and a plot under --out (rows of the recipes and seeds run "
                    "are replaced, the others kept) and prints our numbers beside the published ones.")
    bench.add_argument("benchmark", metavar="BENCHMARK", help="oracle or coco")
    bench.add_argument("--profile", metavar="NAME", default=None,
                       help="smoke (seconds), course (about half an hour on 2 CPU cores) or full (the papers' "
                            "budgets); default: GAN_TEXT_PROFILE, else course")
    bench.add_argument("--seeds", metavar="N", default=None, help="number of seeds 0..N-1 (default: the profile's)")
    bench.add_argument("--recipes", metavar="LIST", default="mle,seqgan,relgan",
                       help="comma-separated subset of mle,seqgan,relgan (default: all three)")
    bench.add_argument("--out", metavar="DIR", default=None,
                       help="results folder (default: the package's gan_text/bench/data, where the committed "
                            "course results ship)")
    bench.add_argument("--keep-runs", metavar="DIR", default=None,
                       help="keep every run folder under DIR (default: temporary, deleted)")
    bench.add_argument("--resume", action="store_true",
                       help="continue the runs kept under --keep-runs after an interruption")
    bench.add_argument("--precision", metavar="NAME", default="float32",
                       help=f"{' or '.join(PRECISIONS)} for every run (see train --help; default float32)")
    bench.add_argument("--strategy", metavar="NAME", default="default",
                       help="the devices of every run: default, mirrored, mirrored:N or tpu (see train --help)")
    bench.set_defaults(run=_bench_command)


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
    _add_train_commands(commands)
    _add_bench_command(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit status (0 ok, 2 user mistake)."""
    args = build_parser().parse_args(argv)
    try:
        profile()  # a GAN_TEXT_PROFILE typo is a mistake for every command, not only for train
        return args.run(args)
    except GanTextError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # a place that cannot be written or read: read-only, full, gone
        where = f" '{error.filename}'" if error.filename else ""
        print(f"error: cannot use{where}: {error.strerror or error}; choose another place (e.g. --out) or free it",
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
