"""Runs: train a recipe into a run directory, resume it after an interruption, reload it to generate.

::

    from gan_text.training.runs import train, load_run
    run = train("grammar", "relgan")                  # writes runs/relgan-grammar-<time>/
    run = train(out=run.run_dir, resume=True)          # continues from the last checkpoint
    run = load_run("runs/relgan-grammar-...")          # the models of the last checkpoint
    run.generate(5, temperature=1.0, seed=0)           # five sentences

:func:`train` is the loop behind ``python -m gan_text train`` and the notebooks. For each phase of the
recipe (:mod:`gan_text.training.phases`) it calls ``phase.model.fit`` on an endless, shuffled dataset of
the training sentences, one *epoch* per evaluation interval (``eval_every`` steps). At every evaluation
point the :class:`~gan_text.training.callbacks.SampleLogger` generates and scores sentences and adds a
row to ``history.csv``; checkpoints are written every ``checkpoint_every`` steps and at the end of every
phase; a NaN or infinite loss stops everything with a message naming the step (the last good checkpoint
stays as it was). The layout of the run directory is described in :mod:`gan_text.training.rundir`.

**Exact resume.** A checkpoint holds every variable, optimizer state and random-generator state
(:mod:`gan_text.training.checkpoints`). The batches come from ``make_dataset(..., repeat=True, seed=...)``
with the run's seed, and a resumed phase skips the batches it already used, so, on a CPU with op
determinism (``gt.setup``), an interrupted and resumed run ends with the same weights as one that ran
straight through.
"""

from __future__ import annotations

import dataclasses
import functools
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

import keras
import numpy as np
import pandas as pd

from ..checks import whole_number
from ..config import Profile
from ..config import profile as get_profile
from ..corpora import known_corpora, load_corpus
from ..dataset import Prepared, TruncationReport, decode_batch, prepare
from ..devices import check_recipe, make_strategy, per_replica_batch, strategy_info
from ..errors import GanTextError, one_of
from ..precision import DEFAULT_PRECISION, check_precision, precision_policy
from ..runconfig import CONFIG_FILE, read_config, write_config
from ..vocabulary import Vocabulary
from . import checkpoints as ckpt
from . import recipes, rundir
from .runner import Runner, RunOptions

CORPUS_SEED = 0  # built-in corpora are generated with this seed: every run sees the same sentences


# --- what a run is ----------------------------------------------------------------------------------

@dataclasses.dataclass
class Run:
    """A trained (or partly trained) run: its folder, settings, models and history.

    ``recipe``: the models, restored from ``checkpoint``; ``data``: the vocabulary and sizes (from
    :func:`load_run` its token arrays are empty); ``history``: one row per evaluation point.
    """

    run_dir: Path
    config: dict
    recipe: object
    data: Prepared
    history: pd.DataFrame
    checkpoint: Path | None

    def generate(self, n: int = 20, temperature: float = 1.0, seed: int | None = 0) -> list[str]:
        """``n`` generated sentences as readable strings (same ``seed``, same sentences)."""
        return decode_batch(self.recipe.sample(n, temperature, seed), self.data.vocab, self.data.level)

    def summary(self) -> pd.DataFrame:
        """The last evaluation row of every phase, one column per phase (losses and scores as rows)."""
        if self.history.empty:
            return pd.DataFrame()
        last = self.history.groupby("phase", sort=False).tail(1).set_index("phase")
        return last.drop(columns=["total_step"], errors="ignore").T.dropna(how="all")

    def __repr__(self) -> str:
        where = self.checkpoint.name if self.checkpoint is not None else "no checkpoint"
        return (f"Run('{self.run_dir}', recipe={self.config.get('recipe')!r}, "
                f"corpus={self.config.get('corpus')!r}, checkpoint={where!r})")


# --- resolving the settings ------------------------------------------------------------------------------

def _builder(recipe, saved_name: str | None = None) -> Callable:
    """A recipe name or a builder ``f(data, cfg, seed=0, **overrides) -> Recipe`` -> the builder.

    ``saved_name``: the recipe name read from a run directory (a custom builder must be passed again).
    """
    if callable(recipe):
        return recipe
    if recipe not in recipes.RECIPES:
        if saved_name is not None:
            raise GanTextError(f"the run was trained with your own recipe {saved_name!r}; pass its builder "
                               f"function again (recipe=my_builder)")
        raise one_of("recipe", recipe, recipes.RECIPES)
    return functools.partial(recipes.build_recipe, recipe)


def _corpus_source(corpus) -> tuple[object, str]:
    """(what load_corpus takes, the config's name for it): a name, an absolute path, or a Corpus."""
    if hasattr(corpus, "train") and hasattr(corpus, "level"):
        return corpus, str(corpus.name)
    if not isinstance(corpus, str | Path):
        raise GanTextError(f"corpus must be a name (grammar, oracle, coco, ...), a path to a text file or "
                           f"a Corpus, not {type(corpus).__name__}")
    name = str(corpus)
    if name not in known_corpora() and Path(name).expanduser().exists():
        name = str(Path(name).expanduser().resolve())
    return name, name


def _corpus_label(name: str) -> str:
    return Path(name).stem if ("/" in name or "\\" in name or Path(name).suffix) else name


def _profile(value) -> Profile:
    if value is None:
        return get_profile()
    if isinstance(value, Profile):
        return value
    if isinstance(value, dict):
        return Profile(**value)
    return get_profile(value)


def _apply_steps(recipe, cfg: Profile, overrides: dict, steps) -> tuple[Profile, dict]:
    """A named recipe takes ``steps`` as its ``steps`` setting (adversarial steps; for ``mle`` all of its
    steps); a builder function finds it in ``cfg.steps``."""
    if steps is None:
        return cfg, overrides
    steps = whole_number("steps", steps)
    if isinstance(recipe, str):
        return cfg, {**overrides, "steps": int(steps)}
    return cfg.replace(steps=int(steps)), overrides


def _load_data(corpus_source, cfg: Profile):
    corpus = corpus_source if not isinstance(corpus_source, str) else load_corpus(
        corpus_source, n_train=cfg.n_train, n_test=cfg.n_test, seed=CORPUS_SEED)
    return corpus, prepare(corpus)


# --- training -------------------------------------------------------------------------------------------

def train(corpus=None, recipe=None, *, out=None, steps: int | None = None, resume: bool = False,
          profile=None, seed: int | None = None, eval_every: int | None = None,
          checkpoint_every: int | None = None, n_eval: int | None = None, n_print: int = 3,
          temperature: float = 1.0, verbose: int = 1, evaluate: Callable | None = None,
          callbacks=(), precision: str | None = None, strategy="default", **overrides) -> Run:
    """Train ``recipe`` on ``corpus`` into the run directory ``out``; returns the :class:`Run`.

    - ``corpus``: a name (``grammar``, the default; ``oracle``, ``coco``, ...), a text file, or a Corpus.
    - ``recipe``: ``guided`` (the default), ``relgan``, ``seqgan``, ``wgan_gp``, ``seed``, ``mle``, or a builder
      ``f(data, cfg, seed=0, **overrides) -> Recipe``. ``overrides`` go to the builder.
    - ``out``: the run directory (default ``runs/<recipe>-<corpus>-<time>``); it must be new or empty
      unless ``resume``. ``resume=True`` continues the run in ``out`` from its last checkpoint; settings
      left out are taken from the saved run, settings given must match it.
    - ``steps``: adversarial steps (for ``mle``: training steps) instead of the profile's.
    - ``profile``: a Profile or its name (default: ``gt.profile()``); ``seed``: the run's seed (default 0).
    - ``precision``: ``float32`` (default) or ``mixed_bfloat16`` (compute in bfloat16, variables and losses in
      float32; see :mod:`gan_text.precision`); recorded in ``config.json``, so a reload uses it too.
    - ``strategy``: the devices, ``default``, ``mirrored`` (all GPUs), ``mirrored:N`` (N logical CPUs) or ``tpu``
      (:mod:`gan_text.devices`), or a ``tf.distribute.Strategy``; the same global batch. Not a setting: a run
      resumes under any strategy (``config.json`` records it for information).
    - ``eval_every``: steps between evaluation points (default: 5 per phase); ``checkpoint_every``: steps
      between checkpoints (default: at every evaluation point); every phase also ends with a checkpoint.
    - ``n_eval`` sentences (default ``cfg.n_eval``) are generated at ``temperature`` at every evaluation
      point, ``n_print`` of them printed; ``evaluate(sentences) -> {name: float}`` adds scores (e.g. BLEU).
    - ``verbose``: 0 silent, 1 a progress bar per interval plus a few lines per evaluation point, 2 only
      the lines. ``callbacks``: more Keras callbacks for every ``fit``.

    For bit-exact repeatability call ``gt.setup(seed)`` first (op determinism); this function seeds
    Python, NumPy and Keras with ``seed`` itself.
    """
    started = time.time()
    if resume and out is None:
        raise GanTextError("resume needs the run directory to continue: pass --out DIR (out=...)")
    run_dir = Path(out) if out is not None else None
    saved = read_config(run_dir) if resume else None
    if run_dir is not None and not resume:
        rundir.check_new_run_dir(run_dir)
    options = RunOptions(eval_every, checkpoint_every, n_eval, n_print, temperature, verbose, evaluate,
                         tuple(callbacks))  # how to run, apart from what to train (the settings below)
    strategy = make_strategy(strategy)  # before any TensorFlow operation: mirrored:N splits the CPU
    settings = _settings(corpus, recipe, profile, seed, steps, overrides, saved, run_dir, precision)
    cfg, seed = settings.cfg, settings.seed

    keras.utils.set_random_seed(seed)
    corpus_obj, data = _load_data(settings.corpus, cfg)
    cfg = _fit_batch(cfg, len(data.train_tokens), verbose)
    per_replica_batch(cfg.batch_size, strategy)  # the global batch must split evenly over the replicas
    with precision_policy(settings.precision), strategy.scope():  # models and optimizers on the devices
        built = settings.builder(data, cfg, seed=seed, **settings.overrides)
    check_recipe(strategy, built.name)  # seqgan on a TPU: refused before any training
    config = {
        "recipe": built.name, "corpus": settings.corpus_name, "corpus_seed": CORPUS_SEED, "seed": seed,
        "corpus_source": "name" if isinstance(settings.corpus, str) else "object",
        "level": data.level, "profile": dataclasses.asdict(cfg), "overrides": settings.overrides,
        "seq_len": data.seq_len, "vocab_size": data.vocab_size, "vocab_sha256": data.vocab.fingerprint,
        "phases": [{"name": p.name, "steps": int(p.steps)} for p in built.phases],
        "recipe_config": rundir.jsonable(built.config, "the recipe's config"), "precision": settings.precision,
        "strategy": strategy_info(strategy),
    }
    if run_dir is None:
        run_dir = rundir.default_run_dir(built.name, _corpus_label(settings.corpus_name))
    created = not run_dir.exists()  # else an empty folder (check_new_run_dir): emptied again if we fail early
    root = run_dir / ckpt.CHECKPOINTS_DIR
    variables, optimizers = ckpt.recipe_state(built)
    if saved is not None:
        with strategy.scope():  # restoring builds the optimizers' variables: on the strategy's devices too
            start_phase, start_step, rows = _restore(run_dir, saved, config, data, variables, optimizers, verbose)
    else:
        start_phase, start_step, rows = 0, 0, []
        config["versions"] = rundir.versions()
        config["created"] = time.strftime("%Y-%m-%d %H:%M:%S")

    runner = Runner(run_dir, built, data, corpus_obj, cfg, seed, variables, optimizers, rows, options)
    if verbose:
        plan = " + ".join(f"{p.name} {p.steps}" for p in built.phases)
        print(f"{built.name} on {settings.corpus_name} ({cfg.name} profile, seed {seed}): {plan} steps -> {run_dir}")
    if saved is None:  # score the untrained model, and a first checkpoint to resume from
        try:
            run_dir.mkdir(parents=True, exist_ok=True)
            write_config(run_dir, config)
            data.vocab.save(run_dir / rundir.VOCAB_FILE)
            runner.evaluate_and_save(0, built.phases[0].name if built.phases else "start", 0)
        except BaseException:  # nothing to resume from: leave no run folder behind to block the next try
            _remove_new_run(run_dir, created)
            raise
    try:
        for index, phase in enumerate(built.phases):
            if index < start_phase:
                continue
            runner.run_phase(index, phase, start_step if index == start_phase else 0)
    except KeyboardInterrupt:
        runner.plot()
        print(f"\ninterrupted; the last checkpoint is {ckpt.latest_checkpoint(root)}; continue with "
              f"train(out='{run_dir}', resume=True) or `python -m gan_text train --out {run_dir} --resume`",
              file=sys.stderr)
        raise
    runner.plot()
    if verbose:
        print(f"done in {time.time() - started:.0f} s; run directory: {run_dir}")
    return Run(run_dir, read_config(run_dir), built, data, rundir.history_frame(runner.rows),
               ckpt.latest_checkpoint(root))


def _fit_batch(cfg: Profile, n_train: int, verbose: int) -> Profile:
    """The profile with its batch no larger than the training sentences (a small file of one's own), said once."""
    if n_train >= cfg.batch_size:
        return cfg
    if verbose:
        print(f"note: the corpus has {n_train} training sentence{'s' if n_train != 1 else ''}, fewer than the "
              f"{cfg.name} profile's batch of {cfg.batch_size}; training with batches of {n_train}")
    return cfg.replace(batch_size=n_train)


def _remove_new_run(run_dir: Path, created: bool) -> None:
    """Delete what :func:`train` wrote into a run folder before its first checkpoint (the folder too, if it made it)."""
    if created:
        shutil.rmtree(run_dir, ignore_errors=True)
        return
    for entry in run_dir.iterdir():
        shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() and not entry.is_symlink() else entry.unlink()


@dataclasses.dataclass
class _Settings:
    corpus: object  # a name or absolute path for load_corpus, or a Corpus
    corpus_name: str
    builder: Callable
    cfg: Profile
    seed: int
    overrides: dict
    precision: str


def _settings(corpus, recipe, profile, seed, steps, overrides, saved, run_dir, precision=None) -> _Settings:
    """What :func:`train` was asked for, completed from the saved run (``saved``) when resuming, and
    checked against it where that is possible before any work."""
    if saved is not None:
        if corpus is None and saved.get("corpus_source") == "object":
            raise GanTextError(f"the run in '{run_dir}' was trained on a Corpus object; pass the same corpus "
                               f"to resume it")
        corpus = saved["corpus"] if corpus is None else corpus
        if recipe is None:
            recipe = saved["recipe"]
            _builder(recipe, saved_name=recipe)  # a custom builder must be given again
        seed = saved["seed"] if seed is None else seed
        profile = saved["profile"] if profile is None else profile
        overrides = {**saved.get("overrides", {}), **overrides}
        saved = {**saved, "precision": saved.get("precision", DEFAULT_PRECISION)}  # older runs: float32
        precision = saved["precision"] if precision is None else precision
    corpus = "grammar" if corpus is None else corpus
    recipe = recipes.DEFAULT_RECIPE if recipe is None else recipe
    seed = 0 if seed is None else seed
    precision = check_precision(DEFAULT_PRECISION if precision is None else precision)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise GanTextError(f"seed must be a whole number, got {seed!r}; pass e.g. seed=0")
    builder = _builder(recipe)
    cfg, overrides = _apply_steps(recipe, _profile(profile), overrides, steps)
    corpus, corpus_name = _corpus_source(corpus)
    settings = _Settings(corpus, corpus_name, builder, cfg, int(seed),
                         rundir.jsonable(overrides, "recipe overrides"), precision)
    if saved is not None:
        early = {"corpus": corpus_name, "seed": settings.seed, "profile": dataclasses.asdict(cfg),
                 "precision": precision, **({"recipe": recipe} if isinstance(recipe, str) else {})}
        rundir.check_resumable(run_dir, saved, early, keys=tuple(early))
    return settings


def _restore(run_dir: Path, saved: dict, config: dict, data, variables, optimizers, verbose) -> tuple:
    """Check that the rebuilt run matches the saved one, restore its latest checkpoint and return
    ``(phase index, step within the phase, history rows up to the checkpoint)``."""
    if Vocabulary.load(run_dir / rundir.VOCAB_FILE) != data.vocab:  # before the settings derived from it
        raise GanTextError(f"the corpus gives another vocabulary than the one saved in '{run_dir}' (the "
                           f"corpus file changed?); resume with the same corpus or start a new run")
    rundir.check_resumable(run_dir, saved, config)
    try:
        history = rundir.read_history(run_dir)
    except GanTextError as err:
        raise GanTextError(f"{err}; move it away to resume without the history before the checkpoint") from None
    restored = _restore_latest(run_dir / ckpt.CHECKPOINTS_DIR, variables, optimizers, repair=True)
    if restored is None:
        raise GanTextError(f"'{run_dir}' has no checkpoint to resume from; delete it and start again, "
                           f"or train into another --out folder")
    latest, meta = restored
    if verbose:
        print(f"Resuming '{run_dir}' from checkpoint {latest.name}")
    rows = history[:meta.get("history_rows", 0)]
    return meta.get("phase_index", 0), meta["step"], rows


def _restore_latest(root: Path, variables, optimizers, repair: bool) -> tuple[Path, dict] | None:
    """``(folder, meta)`` of the newest intact checkpoint under ``root``, restored into the variables and
    optimizers (None if there is none). A damaged checkpoint passed over is reported in one line on
    stderr, and with ``repair`` ``latest.json`` is pointed at the one used."""
    restored = ckpt.restore_latest(root, variables, optimizers)
    if restored is None:
        return None
    folder, meta, passed_over = restored
    if passed_over:
        print(f"warning: {'; '.join(passed_over)}; using the checkpoint '{folder}' instead", file=sys.stderr)
        if repair:
            ckpt.write_latest(root, meta)
    return folder, meta


# --- reloading -----------------------------------------------------------------------------------------

def load_run(run_dir, recipe: Callable | None = None, checkpoint: str | None = None) -> Run:
    """Rebuild a run's models from its ``config.json`` and ``vocab.json`` and restore a checkpoint.

    ``checkpoint``: a folder name under ``checkpoints/`` (default: the latest; if it is damaged, the
    previous intact one, with a warning on stderr). ``recipe``: the builder the run was trained with,
    needed only for a run made with your own builder function. The corpus is not reloaded: ``run.data``
    has the vocabulary and ``seq_len`` and no sentences. A damaged ``history.csv`` is left out (warning).
    """
    run_dir = Path(run_dir)
    config = read_config(run_dir)
    vocab = Vocabulary.load(run_dir / rundir.VOCAB_FILE)
    if len(vocab) != config["vocab_size"]:
        raise GanTextError(f"'{run_dir / rundir.VOCAB_FILE}' holds {len(vocab)} tokens but "
                           f"'{run_dir / CONFIG_FILE}' says vocab_size {config['vocab_size']}; the run "
                           f"directory is damaged, train a new run")
    if config.get("vocab_sha256", vocab.fingerprint) != vocab.fingerprint:  # runs before 2026-12 have none
        raise GanTextError(f"'{run_dir / rundir.VOCAB_FILE}' is not the vocabulary the run was trained with (its "
                           f"tokens differ from config.json's vocab_sha256): the words would come out wrong; "
                           f"restore the file")
    root = run_dir / ckpt.CHECKPOINTS_DIR
    folder = ckpt.checkpoint_folder(root, checkpoint) if checkpoint is not None else None
    no_checkpoint = GanTextError(f"'{run_dir}' has no checkpoint; train it first "
                                 f"(python -m gan_text train --out {run_dir} --resume)")
    if folder is None and not (root / ckpt.LATEST_FILE).exists() and not ckpt.run_checkpoints(root):
        raise no_checkpoint
    seq_len = config["seq_len"]
    empty = np.zeros((0, seq_len), dtype=np.int32)
    no_rows = _empty_report(seq_len)
    data = Prepared(vocab, empty, empty, seq_len, config.get("level", "word"), no_rows, no_rows)
    builder = _builder(recipe if recipe is not None else config["recipe"], saved_name=config["recipe"])
    with precision_policy(config.get("precision", DEFAULT_PRECISION)):  # runs before 2026-12: float32
        built = _rebuild(builder, data, config, run_dir)
    variables, optimizers = ckpt.recipe_state(built)
    if folder is not None:  # the one asked for, or an error: no fallback
        try:
            ckpt.restore_checkpoint(folder, variables, optimizers)
        except ckpt.DamagedCheckpoint as err:
            raise ckpt.DamagedCheckpoint(f"{err}; load another checkpoint, or leave checkpoint= out for the "
                                         f"newest intact one") from None
    else:
        restored = _restore_latest(root, variables, optimizers, repair=False)
        if restored is None:
            raise no_checkpoint
        folder = restored[0]
    try:
        rows = rundir.read_history(run_dir)
    except GanTextError as err:  # the models do not need it
        print(f"warning: {err}; the run's history is left out", file=sys.stderr)
        rows = []
    return Run(run_dir, config, built, data, rundir.history_frame(rows), folder)


def _rebuild(builder, data, config: dict, run_dir: Path):
    """The run's recipe built again. If a default of the recipe changed since the run was trained, the
    saved value is passed as an override; a difference that remains is an error naming the setting."""
    seed, cfg, overrides = config["seed"], Profile(**config["profile"]), dict(config.get("overrides", {}))
    saved = config.get("recipe_config", {})
    keras.utils.set_random_seed(seed)
    built = builder(data, cfg, seed=seed, **overrides)
    now = rundir.jsonable(built.config, "the recipe's config")
    changed = {k: v for k, v in saved.items() if k in now and now[k] != v and not isinstance(v, dict)}
    if changed:
        try:
            keras.utils.set_random_seed(seed)
            built = builder(data, cfg, seed=seed, **{**overrides, **changed})
            now = rundir.jsonable(built.config, "the recipe's config")
        except (GanTextError, TypeError):
            pass  # not settings one can pass (a builder's TypeError: no such argument): reported below
    found = rundir.first_difference(saved, now, "recipe_config")
    if found:
        name, old, new = found
        raise GanTextError(f"cannot rebuild the models of '{run_dir}': {name} was {old!r} when it was trained "
                           f"but is {new!r} now (another gan_text version?); use the version that trained it")
    return built


def _empty_report(seq_len: int):
    return TruncationReport(0, 0, 0, seq_len)


__all__ = ["CORPUS_SEED", "Run", "load_run", "train"]
