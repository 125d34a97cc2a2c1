"""Hyperparameter tuning with Optuna: search learning rates, widths and schedules for the best GAN.

::

    from gan_text.tuning import tune
    result = tune("grammar", "relgan", n_trials=8, study_dir="studies/relgan")
    result.frame                       # one row per trial, best first
    result.best_params, result.best_value
    result.plot_objective(); result.plot_importance()

A *study* is a series of *trials*; each trial picks values from a search space (:mod:`.space`), trains a
run with them (:func:`gan_text.training.runs.train`, into ``study_dir/trial_NNN``), samples from the
generator and scores the samples with an *objective* (:mod:`.objectives`). The sampler picks the next
values from the scores so far. Everything is kept in ``study_dir`` and a later call continues the study
(:mod:`.study`); the trial table is in :mod:`.trials`, the plots (plain matplotlib) in :mod:`.plots` and
the result object, which draws them, in :mod:`.results`.

**Why Optuna (and not KerasTuner).** KerasTuner is built around ``HyperModel.build(hp)``, which returns
one compiled Keras model per trial, and ``HyperModel.fit``, which may be overridden for a custom training
process. A trial here is a whole :func:`~gan_text.training.runs.train` call: pre-training and adversarial
phases, a generator and a discriminator with an optimizer each, checkpoints and a run directory. Optuna's
define-by-run ``objective(trial)`` wraps that call as it is, and Optuna also offers, all used or shown
here: studies stored in a plain file (``JournalStorage`` with a ``JournalFileBackend``, no database
server) that a later process can load and continue; parameter importances
(``optuna.importance.get_param_importances``); the trials as a pandas table (``Study.trials_dataframe``);
seedable samplers (``TPESampler(seed=...)``). Its pruners, which stop unpromising trials early from
intermediate values, are not used: a course-profile trial is a few minutes long.
"""

from .objectives import (
    DEFAULT_OBJECTIVES,
    OBJECTIVES,
    Objective,
    get_objective,
    grammar_quality_diversity,
)
from .plots import MIN_IMPORTANCE_TRIALS, param_importances, plot_importance, plot_objective
from .results import TuneResult
from .space import DEFAULT_SPACE, DEFAULT_SPACES, PROFILE_PARAMS, check_space
from .study import JOURNAL_FILE, SeededTPESampler, tune
from .trials import TRIALS_FILE, trials_frame

__all__ = [
    "DEFAULT_OBJECTIVES", "DEFAULT_SPACE", "DEFAULT_SPACES", "JOURNAL_FILE", "MIN_IMPORTANCE_TRIALS", "OBJECTIVES",
    "Objective", "PROFILE_PARAMS", "SeededTPESampler", "TRIALS_FILE", "TuneResult", "check_space", "get_objective",
    "grammar_quality_diversity", "param_importances", "plot_importance", "plot_objective", "trials_frame", "tune",
]
