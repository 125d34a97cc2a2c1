"""Evaluating a run: score a trained generator's samples against the real data, in one table.

::

    from gan_text.evaluation import evaluate_run, format_table
    frame = evaluate_run("runs/relgan-grammar-...", protocol="texygen", n=500)
    print(format_table(frame))        # what `python -m gan_text evaluate RUN_DIR` prints

:func:`evaluate_run` reloads the run (its latest checkpoint), regenerates its corpus from ``config.json``
(built-in corpora from their seed, downloaded ones from the cache or the mirror), draws ``n`` samples and
scores them next to a real-data row, the same scores for real sentences (the point a perfect generator
would reach):

- quality: BLEU-2..5 against the test split, under a named protocol (``metrics.PROTOCOLS``);
- diversity: Self-BLEU-2..5 (lower = more diverse), distinct-1..4, duplicate rate, novelty (share not
  copied from the train split);
- fidelity: MS-Jaccard-4 and the length distance (Wasserstein-1, tokens) to the test split;
- NLL-test (real test text under the generator, nats per token) when the generator is autoregressive;
- the grammatical fraction and mean log-probability (grammar corpus), NLL-oracle (oracle corpus);
- with ``lm=True``, the LM score (samples under an LM trained on the real train split; slow once, cached).

It writes ``metrics.csv`` (one row per evaluated set; a new evaluation replaces the rows with the same
checkpoint, protocol, n, temperature and seed and keeps the others) and ``plots/evaluation.png`` into the
run directory, both atomically.
"""

from __future__ import annotations

import io
import math
import sys
import time
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure
from tqdm import tqdm

from .atomic import atomic_path, write_text
from .checks import seed as check_seed
from .checks import temperature as check_temperature
from .checks import whole_number
from .config import Profile
from .corpora import load_corpus
from .dataset import prepare
from .errors import GanTextError, one_of
from .metrics import (
    PROTOCOLS,
    BleuReport,
    fidelity_scores,
    lm_score,
    nll_test,
    real_data_row,
    score_samples,
    train_reference_lm,
)
from .metrics.memorisation import nearest_neighbours
from .metrics.sweep import PROGRESS_DELAY_S
from .models.autoregressive import AutoregressiveGenerator
from .plots import plot_quality_diversity
from .text import tokenize_corpus
from .training.pretrained import pretrained_run
from .training.runs import load_run
from .vocabulary import UNK_ID

METRICS_FILE = "metrics.csv"
PLOT_FILE = "evaluation.png"  # under the run's plots/ folder
KEYS = ("name", "checkpoint", "protocol", "n", "temperature", "seed")  # one evaluation = one key
INFO = (*KEYS[1:], "n_hypotheses", "n_references")  # columns that describe, not score
NS = (2, 3, 4, 5)
# column -> (row label in the printed table, which direction is better)
LABELS = {
    "mean_length": ("mean length (tokens)", ""),
    **{f"bleu_{k}": (f"BLEU-{k}", "higher") for k in NS},
    **{f"self_bleu_{k}": (f"Self-BLEU-{k}", "lower") for k in NS},
    **{f"distinct_{k}": (f"distinct-{k}", "higher") for k in (1, 2, 3, 4)},
    "duplicate_rate": ("duplicate rate", "lower"),
    "novelty": ("novelty (not in train)", "higher"),
    "ms_jaccard_4": ("MS-Jaccard-4 (vs test)", "higher"),
    "length_w1": ("length distance (tokens)", "lower"),
    "nll_test": ("NLL-test (nats/token)", "lower"),
    "lm_score": ("LM score (nats/token)", "lower"),
    "grammatical_fraction": ("grammatical fraction", "higher"),
    "mean_log_prob": ("mean log-prob (grammar)", "higher"),
    "nll_oracle": ("NLL-oracle (nats/token)", "lower"),
    "oracle_scored": ("share scored by oracle", "higher"),
}


# --- checking the request ----------------------------------------------------------------------------

def _check(protocol, n, temperature, seed) -> None:
    if protocol not in PROTOCOLS:
        raise one_of("BLEU protocol", protocol, PROTOCOLS)
    if n is not None:
        whole_number("n", n, minimum=2)
    check_temperature("temperature", temperature)
    check_seed("seed", seed)


def _load(run_dir):
    """A Run: ``run_dir`` itself if it is one (e.g. what ``train`` returned), else ``load_run(run_dir)``."""
    if hasattr(run_dir, "recipe") and hasattr(run_dir, "run_dir"):
        return run_dir
    return load_run(run_dir)


def reload_corpus(config: dict, corpus=None):
    """The corpus a run was trained on, rebuilt from its ``config.json`` (``corpus``: pass it again for a
    run trained on a Corpus object). Same sizes and seed as training, so the same sentences."""
    if corpus is not None:
        return corpus
    if config.get("corpus_source") == "object":
        raise GanTextError(f"the run was trained on a Corpus object ({config.get('corpus')!r}), which cannot be "
                           f"rebuilt from config.json; pass it again: evaluate_run(run_dir, corpus=...)")
    profile = config["profile"]
    return load_corpus(config["corpus"], n_train=profile["n_train"], n_test=profile["n_test"],
                       seed=int(config.get("corpus_seed", 0)))


def _true_models(corpus) -> dict:
    """``{"grammar": ...}`` or ``{"oracle": ...}`` for corpora whose generating process is known."""
    true_model = getattr(corpus, "true_model", None)
    if true_model is not None and hasattr(true_model, "is_grammatical"):
        return {"grammar": true_model}
    if true_model is not None and hasattr(true_model, "token_nll"):
        return {"oracle": true_model}
    return {}


# --- scoring ------------------------------------------------------------------------------------------

def evaluate_run(run_dir, protocol: str = "texygen", n: int | None = None, temperature: float = 1.0,
                 seed: int = 0, *, corpus=None, lm: bool = False, pretrained: bool = False, write: bool = True,
                 progress: bool | None = None) -> pd.DataFrame:
    """Score ``n`` samples of a run next to real data; write ``metrics.csv`` and a plot into the run.

    ``run_dir``: a run directory (or the Run that ``train`` returned). ``protocol``: which hypotheses BLEU
    scores (``texygen``: all; ``relgan``: the first 100; ``textgan``: the first 200). ``n``: samples
    (default: the ``n_eval`` of the profile the run was trained with), drawn at ``temperature`` with
    ``seed`` (same seed, same samples). ``corpus``: only for a run trained on a Corpus object. ``lm``: add
    the LM score (trains a reference LM once, cached). ``pretrained``: also score the run's generator as it
    was at the end of pre-training, sampled by itself (:func:`~gan_text.training.pretrained.pretrained_run`;
    nothing is added for a run without a pre-training phase before another): what the later phases changed.
    ``write=False`` leaves the run directory alone.
    ``progress``: a bar (stderr) when it takes over 2 s; True always, False never.

    Returns a DataFrame with the rows ``<recipe> pre-trained`` (with ``pretrained=True``), ``<recipe>`` (the
    samples) and ``real`` (the first ``n`` test sentences, each scored against the *other* test sentences);
    columns ``checkpoint``, ``protocol``,
    ``n``, ``temperature``, ``seed``, ``n_hypotheses``, ``n_references``, then the scores (see
    :data:`LABELS`; BLEU, Self-BLEU, distinct and fidelity are fractions in [0, 1], NLLs nats per token).
    ``frame.attrs["headers"]`` says, per row, the protocol and the counts of hypotheses and references.
    """
    _check(protocol, n, temperature, seed)
    start = time.perf_counter()
    stages = ["loading the run", "sampling and scoring", "scoring real data",
              *(["LM score"] if lm else []), "writing"]
    bar = tqdm(total=len(stages), desc="evaluate", unit="stage", disable=progress is False,
               delay=0.0 if progress else PROGRESS_DELAY_S, file=sys.stderr)

    def stage(k: int) -> None:
        bar.n = k
        bar.set_postfix_str(stages[k], refresh=True)

    try:
        stage(0)
        run = _load(run_dir)
        config = run.config
        n = int(config["profile"]["n_eval"]) if n is None else int(n)
        source = reload_corpus(config, corpus)
        data = prepare(source, seq_len=run.data.seq_len)
        if data.vocab != run.data.vocab:
            raise GanTextError(f"the corpus {config.get('corpus')!r} gives another vocabulary than the one saved in "
                               f"'{run.run_dir}' (the corpus changed?); evaluate with the corpus it was trained on")
        name = str(config.get("recipe", "model"))
        runs = {name: run}
        before = pretrained_run(run) if pretrained else None
        if before is not None:
            runs = {f"{name} pre-trained": before, **runs}
        judges = _true_models(source)
        # The real sentences as written (not through the vocabulary: no <unk>, no truncation).
        test = tokenize_corpus(source.test, data.level, source.lowercase)
        train_sentences = tokenize_corpus(source.train, data.level, source.lowercase)
        common = {"vocab": data.vocab, "references": test, "train_sentences": train_sentences,
                  "protocol": protocol, "seed": int(seed), **judges}
        stage(1)
        tokens = {label: each.recipe.sample(n, float(temperature), int(seed)) for label, each in runs.items()}
        rows = {label: _score_run(each, tokens[label], data, common) for label, each in runs.items()}
        stage(2)
        real = real_data_row(n=n, **common).iloc[0].drop("temperature").to_dict()
        if "oracle" in judges:  # real text as written, not through the (possibly smaller) vocabulary
            real.update(_oracle_scores(judges["oracle"], test[:n]))
        # fidelity of real text: n train sentences (a real set that does not overlap the test split)
        fidelity = fidelity_scores(train_sentences[:n], test, jaccard_ns=(4,))
        real.update(ms_jaccard_4=fidelity["ms-jaccard-4"], length_w1=fidelity["length_w1"], nll_test=math.nan)
        if lm:
            stage(stages.index("LM score"))
            known = data.test_tokens[~(data.test_tokens == UNK_ID).any(axis=1)]  # real rows the LM can read
            _lm_scores([*rows.values(), real], [*tokens.values(), known[:n]], data, config)
        stage(len(stages) - 1)
        frame = _frame(runs, {**rows, "real": real}, protocol, n, temperature, seed, len(test))
        frame.attrs["seconds"] = time.perf_counter() - start
        if write:
            frame.attrs["files"] = [str(p) for p in write_evaluation(run.run_dir, frame)]
        bar.n = len(stages)
        bar.refresh()
    finally:
        bar.close()
    return frame


def _score_run(run, tokens, data, common: dict) -> dict:
    """One run's samples scored: quality and diversity, fidelity to the test split, NLL-test."""
    row = score_samples(tokens, **common)
    fidelity = fidelity_scores([data.vocab.decode(t) for t in tokens], common["references"], jaccard_ns=(4,))
    row.update(ms_jaccard_4=fidelity["ms-jaccard-4"], length_w1=fidelity["length_w1"])
    autoregressive = isinstance(run.recipe.generator, AutoregressiveGenerator) and run.recipe.likelihood
    row["nll_test"] = nll_test(run.recipe.generator, data.test_tokens) if autoregressive else math.nan
    return row


def _oracle_scores(oracle, sentences: list[list[str]]) -> dict[str, float]:
    """NLL-oracle of real token lists (the first ``oracle.seq_len`` ids of those that have them)."""
    length = oracle.seq_len
    rows = [[int(w) for w in s[:length]] for s in sentences
            if len(s) >= length and all(w.isdigit() and int(w) < oracle.vocab_size for w in s[:length])]
    return {"nll_oracle": oracle.nll(rows) if rows else math.nan, "oracle_scored": len(rows) / len(sentences)}


def _lm_scores(rows: list[dict], tokens: list, data, config: dict) -> None:
    """Add ``lm_score`` to each row: an LSTM trained on the real train split (once; cached) judges that row's
    tokens (for real data: test rows without ``<unk>``: a word outside the vocabulary cannot be judged fairly)."""
    cfg = Profile(**config["profile"])
    reference = train_reference_lm(data, cfg, seed=int(config["seed"]) + 1, verbose=False,
                                   name=Path(str(config["corpus"])).stem)
    for row, each in zip(rows, tokens, strict=True):
        row["lm_score"] = lm_score(each, reference)


def _frame(runs: dict, rows: dict, protocol, n, temperature, seed, n_refs) -> pd.DataFrame:
    """The evaluation table: one row per label of ``rows`` (``runs[label]`` made it; ``real`` last)."""
    cut = PROTOCOLS[protocol].n_hypotheses
    run = list(runs.values())[-1]
    name = str(run.config.get("recipe", "model"))
    table, headers = {}, {}
    for label, row in rows.items():
        made_by = runs.get(label, run)  # the real row: the run's own checkpoint, as before
        checkpoint = made_by.checkpoint.name if made_by.checkpoint is not None else ""
        size = int(row.pop("n"))
        n_hyp = size if cut is None else min(cut, size)
        refs = n_refs - 1 if label == "real" else n_refs
        table[label] = {"checkpoint": checkpoint, "protocol": protocol,
                        "n": size, "temperature": math.nan if label == "real" else float(temperature),
                        "seed": int(seed), "n_hypotheses": n_hyp, "n_references": refs, **row}
        headers[label] = BleuReport(protocol, n_hyp, refs, size, {k: row[f"bleu_{k}"] for k in NS},
                                    {k: row[f"self_bleu_{k}"] for k in NS}).header
    headers["real"] += f" (the first {table['real']['n']} test sentences, each against the other test sentences)"
    frame = pd.DataFrame.from_dict(table, orient="index")
    frame.index.name = "name"
    order = [*INFO, *[c for c in LABELS if c in frame.columns]]
    frame = frame[order + [c for c in frame.columns if c not in order]]
    notes = []
    if table["real"]["n"] < n:
        notes.append(f"note: the test split has only {table['real']['n']:,} sentences, so the real row scores fewer "
                     f"than {n:,}; Self-BLEU and distinct-n depend on the count: compare with --n "
                     f"{table['real']['n']} or less")
    per_kept = getattr(run.recipe.sampler, "sentences_per_kept", 1)
    if per_kept > 1:
        notes.append(f"note: {name} resamples with its discriminator: it drew {per_kept} generator sentences per "
                     f"sentence kept ({per_kept * n:,} for these {n:,})")
    frame.attrs.update(headers=headers, notes=notes, protocol=protocol, run_dir=str(run.run_dir),
                       title=(f"{name} on {run.config.get('corpus')} ({run.config['profile']['name']} profile, "
                              f"seed {run.config.get('seed')}), checkpoint {table[name]['checkpoint']}: {n} samples "
                              f"at temperature {float(temperature):g}, sampling seed {int(seed)}"))
    return frame


# --- the table ----------------------------------------------------------------------------------------

def _fmt(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float) and abs(value) >= 100:
        return f"{value:.1f}"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def format_table(frame: pd.DataFrame) -> str:
    """The evaluation as text: a title, one BLEU header per row (protocol and counts), then one line per
    score with the generated and the real value and which direction is better ("-": not measured)."""
    scores = [c for c in frame.columns if c not in INFO]
    lines = [frame.attrs.get("title", "evaluation")] if frame.attrs.get("title") else []
    lines += [f"  {label}: {header}" for label, header in frame.attrs.get("headers", {}).items()]
    table = pd.DataFrame({str(label): [_fmt(frame.loc[label, c]) for c in scores] for label in frame.index},
                         index=[LABELS.get(c, (c, ""))[0] for c in scores])
    table["better"] = [LABELS.get(c, (c, ""))[1] for c in scores]
    table.index.name = "score"
    return "\n".join([*lines, table.to_string(), *frame.attrs.get("notes", [])])


# --- files --------------------------------------------------------------------------------------------

def _key(frame: pd.DataFrame) -> list[str]:
    """One string per row naming what was evaluated (see :data:`KEYS`); NaN reads as "nan"."""
    flat = frame.reset_index()[list(KEYS)]
    return ["|".join(map(str, row)) for row in flat.itertuples(index=False)]


def read_metrics(run_dir) -> pd.DataFrame:
    """The ``metrics.csv`` of a run (index ``name``; empty if there is none)."""
    path = Path(run_dir) / METRICS_FILE
    if not path.is_file():
        return pd.DataFrame()
    try:
        return pd.read_csv(path, index_col="name")
    except (ValueError, pd.errors.ParserError) as err:
        raise GanTextError(f"'{path}' cannot be read ({err}); move it away and evaluate again") from None


def write_evaluation(run_dir, frame: pd.DataFrame) -> list[Path]:
    """Merge ``frame`` into ``metrics.csv`` (same key -> replaced) and redraw ``plots/evaluation.png``."""
    run_dir = Path(run_dir)
    old = read_metrics(run_dir)
    if not old.empty and not set(KEYS[1:]) <= set(old.columns):
        raise GanTextError(f"'{run_dir / METRICS_FILE}' was not written by evaluate (it has no "
                           f"{', '.join(KEYS[1:])} columns); move it away and evaluate again")
    new = set(_key(frame))
    old = old[[key not in new for key in _key(old)]] if not old.empty else old
    merged = pd.concat([old, frame]) if not old.empty else frame
    buffer = io.StringIO()
    merged.to_csv(buffer, index=True, index_label="name")
    csv = write_text(run_dir / METRICS_FILE, buffer.getvalue())
    return [csv, plot_evaluation(merged, frame, run_dir / "plots" / PLOT_FILE)]


def plot_evaluation(metrics: pd.DataFrame, frame: pd.DataFrame, path) -> Path:
    """Two panels, saved atomically as PNG: BLEU-n and Self-BLEU-n against n for the samples and real data;
    BLEU-5 against Self-BLEU-5 for every temperature evaluated so far (same checkpoint, protocol, n, seed)."""
    name = [label for label in frame.index if label != "real"][-1]  # the run itself (after its pre-trained line)
    figure = Figure(figsize=(10, 4))
    left, right = figure.subplots(1, 2)
    for label, style in ((name, "-"), ("real", "--")):
        row = frame.loc[label]
        left.plot(NS, [row[f"bleu_{k}"] for k in NS], style, marker="o", color="C0", label=f"BLEU, {label}")
        left.plot(NS, [row[f"self_bleu_{k}"] for k in NS], style, marker="s", color="C1",
                  label=f"Self-BLEU, {label}")
    left.set(xlabel="n-gram order n", ylabel="score", xticks=NS, ylim=(-0.02, 1.02),
             title=f"BLEU (higher = better), Self-BLEU (lower = more diverse)\nprotocol "
                   f"{frame.attrs.get('protocol', '')}, {int(frame.loc[name, 'n'])} samples")
    left.title.set_fontsize("medium")
    left.legend(fontsize="small")
    same = {k: frame.loc[name, k] for k in ("checkpoint", "protocol", "n", "seed")}
    sweep = metrics.loc[[name]] if name in metrics.index else frame.loc[[name]]
    for key, value in same.items():
        sweep = sweep[sweep[key].map(str) == str(value)]
    plot_quality_diversity({name: sweep.reset_index(drop=True)}, real=frame.loc[["real"]], ax=right)
    figure.tight_layout()
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=100)
    return Path(path)


__all__ = ["LABELS", "METRICS_FILE", "PLOT_FILE", "evaluate_run", "format_table", "nearest_neighbours",
           "plot_evaluation", "read_metrics", "reload_corpus", "write_evaluation"]
