"""Running a study: :func:`tune` trains one run per trial into ``study_dir`` and keeps every result.

Layout of ``study_dir``::

    optuna_journal.log   Optuna's journal: every trial, its parameters, state and scores (append-only)
    trials.csv           the trial table (:func:`trials_frame`), rewritten after every trial
    trial_000/ ...       each trial's run directory (config.json, history.csv, checkpoints/, plots/)

**Continuing.** ``tune`` on a ``study_dir`` that already holds a study continues it until ``n_trials``
trials have finished: finished trials are never redone nor deleted. The settings (corpus, recipe,
objective, space, profile, seed, steps) must be the ones the study was made with; any difference is an
error naming it. Trials that finished count (completed, and those that failed because training
diverged or the objective was NaN); a trial cut short (Ctrl-C, a killed process) is marked failed and
replaced by a new one. Run one ``tune`` per ``study_dir`` at a time.

**Repeatable.** The sampler is Optuna's TPE, seeded per trial from ``(seed, trial number)``: the same
seed suggests the same parameters, whether a study runs in one call or is continued in several.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import optuna

from ..checks import whole_number
from ..config import Profile
from ..config import profile as get_profile
from ..corpora import load_corpus
from ..errors import GanTextError, TrainingDiverged
from ..training import recipes
from ..training.rundir import first_difference, jsonable
from ..training.runs import CORPUS_SEED, train
from .objectives import Objective, get_objective
from .results import TuneResult
from .space import DEFAULT_SPACES, PROFILE_PARAMS, check_space, contains, split_params, suggest
from .trials import TRIALS_FILE, counts, note, write_trials

JOURNAL_FILE = "optuna_journal.log"
STUDY_NAME = "gan_text"
STARTUP_TRIALS = 4  # TPE samples at random until this many trials have finished (Optuna's default: 10)
SETTINGS_FORMAT = 1
PHASE_ENDS = 2**31 - 1  # eval_every that puts the evaluation points (and checkpoints) at phase ends only
_DONE, _FAIL = optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.FAIL


class SeededTPESampler(optuna.samplers.BaseSampler):
    """Optuna's TPESampler, re-seeded for each trial from ``(seed, trial number)``.

    A TPESampler keeps one random generator for its whole life, so a study continued in a new process
    would repeat the first suggestions. Here trial ``k`` draws from a generator seeded by
    ``(seed, k)`` (NumPy's SeedSequence) and from the finished trials in the storage, nothing else.
    """

    def __init__(self, seed: int = 0, n_startup_trials: int = STARTUP_TRIALS):
        self.seed, self.n_startup_trials = int(seed), int(n_startup_trials)
        self._tpe = self._sampler(0)

    def _sampler(self, number: int) -> optuna.samplers.TPESampler:
        trial_seed = int(np.random.SeedSequence([self.seed, int(number)]).generate_state(1)[0])
        return optuna.samplers.TPESampler(seed=trial_seed, n_startup_trials=self.n_startup_trials)

    def before_trial(self, study, trial) -> None:
        self._tpe = self._sampler(trial.number)
        self._tpe.before_trial(study, trial)

    def infer_relative_search_space(self, study, trial):
        return self._tpe.infer_relative_search_space(study, trial)

    def sample_relative(self, study, trial, search_space):
        return self._tpe.sample_relative(study, trial, search_space)

    def sample_independent(self, study, trial, param_name, param_distribution):
        return self._tpe.sample_independent(study, trial, param_name, param_distribution)

    def after_trial(self, study, trial, state, values) -> None:
        self._tpe.after_trial(study, trial, state, values)

    def reseed_rng(self) -> None:  # the seeds come from (seed, trial number) only
        pass


class _Failed(Exception):
    """A trial whose training diverged (or whose objective was NaN): recorded as failed, study goes on."""


# --- settings and the journal ---------------------------------------------------------------------------

def _profile(value) -> Profile:
    if value is None or isinstance(value, str):
        return get_profile(value)
    if isinstance(value, Profile):
        return value
    raise GanTextError(f"profile must be a Profile or a profile name (smoke, course, full), got {value!r}")


def _recipe_label(recipe) -> str:
    if isinstance(recipe, str):
        return recipe
    if callable(recipe):
        return f"{getattr(recipe, '__module__', '?')}.{getattr(recipe, '__qualname__', repr(recipe))}"
    raise GanTextError(f"recipe must be a recipe name or a builder function, got {type(recipe).__name__}")


def _recipe_defaults(recipe, cfg) -> dict | None:
    """The default settings of a named recipe (None for a builder function)."""
    if not isinstance(recipe, str):
        return None
    if recipe not in recipes.RECIPES:
        raise GanTextError(f"unknown recipe {recipe!r}; known: {', '.join(recipes.RECIPES)}")
    return recipes.recipe_settings(recipe, cfg)


def _space(space, recipe, defaults) -> dict:
    if space is None:
        if recipe not in DEFAULT_SPACES:
            raise GanTextError(f"recipe {_recipe_label(recipe)!r} has no default search space; pass space="
                               f"{{name: (kind, ...)}}, e.g. {{'g_lr': ('log', 1e-5, 1e-3)}}")
        space = DEFAULT_SPACES[recipe]
    tunable = None if defaults is None else set(defaults) | set(PROFILE_PARAMS)
    return check_space(space, tunable, recipe=_recipe_label(recipe))


def _corpus(corpus, cfg):
    """(name, the loaded Corpus) for a corpus name or a Corpus object."""
    if hasattr(corpus, "train") and hasattr(corpus, "level"):
        return str(corpus.name), corpus
    if not isinstance(corpus, str | Path):
        raise GanTextError(f"corpus must be a name (grammar, oracle, ...) or a Corpus, not {type(corpus).__name__}")
    return str(corpus), load_corpus(str(corpus), n_train=cfg.n_train, n_test=cfg.n_test, seed=CORPUS_SEED)


def _storage(study_dir: Path):
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend, JournalFileOpenLock

    path = str(study_dir / JOURNAL_FILE)
    return JournalStorage(JournalFileBackend(path, lock_obj=JournalFileOpenLock(path)))


def open_study(study_dir, settings: dict, direction: str, seed: int) -> tuple[optuna.Study, bool]:
    """The study in ``study_dir`` (checked against ``settings``) or a new one: ``(study, created)``."""
    study_dir = Path(study_dir)
    journal = study_dir / JOURNAL_FILE
    if not journal.exists() and study_dir.exists() and (not study_dir.is_dir() or any(study_dir.iterdir())):
        raise GanTextError(f"'{study_dir}' exists and holds no study ({JOURNAL_FILE}); choose a new or empty "
                           f"folder for study_dir")
    study_dir.mkdir(parents=True, exist_ok=True)
    storage, sampler = _storage(study_dir), SeededTPESampler(seed)
    if not journal.exists() or STUDY_NAME not in {s.study_name for s in storage.get_all_studies()}:
        study = optuna.create_study(storage=storage, study_name=STUDY_NAME, direction=direction, sampler=sampler)
        study.set_user_attr("settings", settings)
        return study, True
    study = optuna.load_study(study_name=STUDY_NAME, storage=storage, sampler=sampler)
    found = first_difference(study.user_attrs.get("settings"), settings)
    if found:
        name, old, new = found
        raise GanTextError(f"the study in '{study_dir}' was made with {name}={old!r}, not {new!r}; pass the same "
                           f"settings to continue it, or choose another study_dir")
    return study, False


def _close_interrupted(study) -> None:
    """Mark trials left RUNNING by an interrupted process as failed (they are then not counted)."""
    for trial in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        study.tell(trial.number, state=_FAIL)


def _enqueue_defaults(study, space: dict, defaults: dict | None, cfg) -> bool:
    """Make trial 0 the recipe's default settings, if every one of them lies in the space."""
    if defaults is None:
        return False
    values = {name: getattr(cfg, name) if name in PROFILE_PARAMS else defaults[name] for name in space}
    if not all(contains(spec, values[name]) for name, spec in space.items()):
        return False
    study.enqueue_trial(values, user_attrs={"defaults": True})
    return True


# --- tune -------------------------------------------------------------------------------------------------

def _seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise GanTextError(f"seed must be a whole number >= 0, got {seed!r}; pass e.g. seed=0")
    return int(seed)


def tune(corpus="grammar", recipe="relgan", *, space: dict | None = None, objective=None, n_trials: int = 8,
         study_dir=None, profile=None, seed: int = 0, steps: int | None = None, eval_every: int | None = None,
         defaults_first: bool = True, verbose: int = 1) -> TuneResult:
    """Search ``space`` for the settings of ``recipe`` that give the best ``objective`` on ``corpus``.

    - ``corpus``: a name (``grammar``, ``oracle``, ...) or a Corpus; ``recipe``: a recipe name or a builder
      ``f(data, cfg, seed=0, **overrides)``.
    - ``space``: ``{name: (kind, ...)}`` (see :mod:`gan_text.tuning.space`); default
      ``DEFAULT_SPACES[recipe]``. ``objective``: a name in ``OBJECTIVES``, an :class:`Objective`, or None
      for the corpus's default (grammar: ``grammar_quality_diversity``, oracle: ``nll_oracle``).
    - ``n_trials``: how many finished trials the study should hold; a study already in ``study_dir``
      (default ``studies/<recipe>-<corpus>-<profile>``) is continued up to that number.
    - ``profile``: a Profile or its name (default ``gt.profile()``): the sizes of every trial, whose
      ``n_eval`` samples at temperature 1 are scored. ``steps``: adversarial steps per trial instead of
      the profile's. ``seed``: seeds the sampler and every trial's training (all trials share it, so
      they differ by their parameters only). ``eval_every``: steps between the evaluation points of a
      trial's run (its ``history.csv``); default: only at the end of each phase, the fastest.
    - ``defaults_first``: on a new study, trial 0 trains the recipe's default settings (when they lie in
      the space), the baseline the others are compared with.
    - ``verbose``: 0 silent, 1 one line per trial.

    Each trial trains ``train(corpus, recipe, out=study_dir/trial_NNN, profile=cfg, seed=seed, steps=steps,
    **params)``; a trial whose training diverges is recorded as failed and the study goes on. Returns a
    :class:`TuneResult`.
    """
    cfg, seed = _profile(profile), _seed(seed)
    n_trials = whole_number("n_trials", n_trials)
    if steps is not None:
        steps = whole_number("steps", steps)
    eval_every = PHASE_ENDS if eval_every is None else whole_number("eval_every", eval_every)
    defaults = _recipe_defaults(recipe, cfg)
    space = _space(space, recipe, defaults)
    corpus_name, corpus_obj = _corpus(corpus, cfg)
    chosen = get_objective(objective, corpus_name)
    chosen.check_corpus(corpus_obj)
    study_dir = Path(study_dir if study_dir is not None
                     else f"studies/{_recipe_label(recipe).rsplit('.', 1)[-1]}-{Path(corpus_name).stem}-{cfg.name}")
    settings = jsonable({"format": SETTINGS_FORMAT, "corpus": corpus_name, "recipe": _recipe_label(recipe),
                         "objective": chosen.name, "direction": chosen.direction, "space": space,
                         "profile": dataclasses.asdict(cfg), "seed": seed, "steps": steps}, "the study settings")

    old_verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.ERROR)  # our own line per trial says what happened
    try:
        study, created = open_study(study_dir, settings, chosen.direction, seed)
        if created and defaults_first and _enqueue_defaults(study, space, defaults, cfg) and verbose:
            print("trial 0 trains the recipe's default settings (the baseline)")
        _close_interrupted(study)
        result = TuneResult(study, study_dir, chosen)
        trial_fn = _trial_function(corpus if not isinstance(corpus, str | Path) else corpus_name, recipe,
                                   corpus_obj, chosen, space, cfg, seed, steps, eval_every, study_dir)
        try:
            _optimize(study, trial_fn, n_trials, study_dir, chosen, verbose)
        finally:
            write_trials(study, study_dir)
    finally:
        optuna.logging.set_verbosity(old_verbosity)
    if verbose:
        print(f"{result!r}; best parameters: {result.best_params}")
    return result


def _trial_function(corpus, recipe, corpus_obj, objective: Objective, space, cfg, seed, steps, eval_every,
                    study_dir):
    """The Optuna objective: suggest, train into ``trial_NNN``, sample, score."""
    import keras

    def run_trial(trial) -> float:
        params = suggest(trial, space)
        profile_changes, overrides = split_params(params)
        run_dir = Path(study_dir) / f"trial_{trial.number:03d}"
        trial.set_user_attr("run_dir", run_dir.name)
        try:
            run = train(corpus, recipe, out=run_dir, profile=cfg.replace(**profile_changes), seed=seed,
                        steps=steps, eval_every=eval_every, verbose=0, **overrides)
            scores = objective(run.recipe.sample(cfg.n_eval, 1.0, seed), run.data.vocab, corpus_obj)
        except TrainingDiverged as err:
            trial.set_user_attr("failure", str(err))
            raise _Failed(str(err)) from None
        finally:
            keras.utils.clear_session()  # free the trial's models and traced functions
        for name, value in scores.items():
            if name != "objective":
                trial.set_user_attr(name, value)
        if not math.isfinite(scores["objective"]):
            trial.set_user_attr("failure", f"the objective is {scores['objective']} (no sample could be scored)")
        return scores["objective"]

    return run_trial


def _optimize(study, trial_fn, n_trials: int, study_dir: Path, objective: Objective, verbose: int) -> None:
    """Run trials one at a time until ``n_trials`` count, rewriting trials.csv after each."""
    done = sum(counts(t) for t in study.trials)
    if verbose and done:
        print(f"continuing the study in '{study_dir}': {done} of {n_trials} trials done")

    def after(study, trial):
        write_trials(study, study_dir)
        if verbose:
            params = " ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in trial.params.items())
            seconds = trial.duration.total_seconds() if trial.duration else math.nan
            result = (f"{objective.name} {trial.value:.4g}" if trial.state == _DONE
                      else f"{trial.state.name.lower()}: {note(trial)}")
            print(f"trial {trial.number}: {params} -> {result} ({seconds:.0f} s)")

    while done < n_trials:
        study.optimize(trial_fn, n_trials=1, catch=(_Failed,), callbacks=[after])
        if not counts(max(study.trials, key=lambda t: t.number)):
            break  # not reached: a trial either counts or re-raises its error
        done += 1


__all__ = ["JOURNAL_FILE", "STARTUP_TRIALS", "TRIALS_FILE", "SeededTPESampler", "open_study", "tune"]
