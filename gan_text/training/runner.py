"""The training loop behind :func:`gan_text.training.runs.train`: phases, ``fit`` calls, evaluation points.

:class:`Runner` holds what the phases of one run share (the recipe, its variables and optimizers, the
history rows, the callbacks) and trains one phase at a time with :meth:`Runner.run_phase`: one
``phase.model.fit`` per stretch of equal evaluation intervals (:func:`segments`), on an endless dataset
that skips the batches a resumed phase already used.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import numpy as np

from ..checks import temperature as check_temperature
from ..checks import whole_number
from ..dataset import make_dataset
from ..errors import GanTextError, TrainingDiverged
from . import checkpoints as ckpt
from . import rundir
from .callbacks import CheckpointEvery, Clock, NaNGuard, ProgressBar, SampleLogger
from .distribute import same_every_pass

KEEP_LAST = 2  # periodic checkpoints kept besides the end of every phase
EVALS_PER_PHASE = 5  # default evaluation points per phase (eval_every = ceil(steps / 5))


@dataclasses.dataclass(frozen=True)
class RunOptions:
    """How a run is carried out, kept apart from what is trained (the recipe's settings, the profile).

    ``eval_every``: steps between evaluation points (None: :data:`EVALS_PER_PHASE` per phase);
    ``checkpoint_every``: steps between checkpoints, taken at the next evaluation point (None: at every one);
    ``n_eval`` sentences (None: the profile's) are generated at ``temperature`` at every evaluation point and
    ``n_print`` of them printed; ``verbose``: 0 silent, 1 progress bars and lines, 2 lines only;
    ``evaluate(sentences) -> {name: float}`` adds scores; ``callbacks``: more Keras callbacks for every ``fit``.
    Checked once, here.
    """

    eval_every: int | None = None
    checkpoint_every: int | None = None
    n_eval: int | None = None
    n_print: int = 3
    temperature: float = 1.0
    verbose: int = 1
    evaluate: Callable | None = None
    callbacks: tuple = ()

    def __post_init__(self):
        for name in ("eval_every", "checkpoint_every", "n_eval"):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, whole_number(name, getattr(self, name)))
        object.__setattr__(self, "n_print", whole_number("n_print", self.n_print, minimum=0))
        object.__setattr__(self, "temperature", check_temperature("temperature", self.temperature))
        if self.verbose not in (0, 1, 2) or isinstance(self.verbose, bool):
            raise GanTextError(f"verbose must be 0 (silent), 1 (progress bars) or 2 (lines only), got "
                               f"{self.verbose!r}")
        object.__setattr__(self, "callbacks", tuple(self.callbacks))

    def every(self, phase_steps: int) -> tuple[int, int]:
        """(evaluation interval, checkpoint interval) of a phase of ``phase_steps`` steps."""
        every = self.eval_every or max(1, math.ceil(phase_steps / EVALS_PER_PHASE))
        return every, self.checkpoint_every or every


def segments(begin: int, end: int, every: int) -> list[tuple[int, int, int]]:
    """``fit`` calls covering steps ``begin..end`` of a phase: (first step, steps per epoch, epochs).

    Evaluation points fall on multiples of ``every`` and at ``end``.
    """
    out, step = [], begin
    if step % every and step < end:
        nxt = min(end, (step // every + 1) * every)
        out.append((step, nxt - step, 1))
        step = nxt
    full = (end - step) // every
    if full:
        out.append((step, every, full))
        step += full * every
    if step < end:
        out.append((step, end - step, 1))
    return out


class Stop(Exception):
    """Training must stop at ``step`` of ``phase``: a NaN/infinite loss, or values a checkpoint must not hold."""

    def __init__(self, phase: str, step: int, what: str):
        super().__init__(what)
        self.phase, self.step, self.what = phase, step, what


class Runner:
    """The state shared by the phases of one :func:`train` call.

    ``variables`` / ``optimizers``: from :func:`~gan_text.training.checkpoints.recipe_state`; ``rows``: the
    history so far (a resumed run's rows up to its checkpoint). The other arguments are :func:`train`'s.
    """

    def __init__(self, run_dir, recipe, data, corpus, cfg, seed, variables, optimizers, rows,
                 options: RunOptions):
        self.run_dir, self.recipe, self.data, self.cfg, self.seed = run_dir, recipe, data, cfg, seed
        self.variables, self.optimizers, self.rows = variables, optimizers, rows
        self.options, self.verbose, self.callbacks = options, options.verbose, list(options.callbacks)
        self.extra_scores: tuple[str, ...] = ()
        self.phase_index = 0
        self.offsets = np.cumsum([0] + [p.steps for p in recipe.phases]).tolist()
        self.clock = Clock()
        self.guard = NaNGuard(self.clock)
        self.evaluate = options.evaluate
        self.logger = SampleLogger(
            lambda n: recipe.sample(n, options.temperature, seed), data.decode, n_eval=options.n_eval or cfg.n_eval,
            n_print=options.n_print, true_model=getattr(corpus, "true_model", None),
            evaluate=self._evaluate if options.evaluate else None, samples_dir=run_dir / rundir.SAMPLES_DIR,
            on_row=self._add_row, verbose=options.verbose, clock=self.clock, guard=self.guard)
        self.models = {"generator": recipe.generator}
        if recipe.discriminator is not None:
            self.models["discriminator"] = recipe.discriminator

    def _evaluate(self, sentences: list[str]) -> dict:
        scores = self.evaluate(sentences)
        self.extra_scores = tuple(dict.fromkeys((*self.extra_scores, *scores)))  # plotted with the scores
        return scores

    def _add_row(self, row: dict) -> None:
        row = {"phase": row["phase"], "step": row["step"],
               "total_step": self.offsets[self.phase_index] + row["step"],
               **{k: v for k, v in row.items() if k not in ("phase", "step")}}
        self.rows.append(row)
        rundir.write_history(self.run_dir, self.rows)

    def evaluate_and_save(self, index: int, phase: str, step: int) -> None:
        """Evaluate and checkpoint before training (step 0 of the first phase)."""
        self.phase_index = index
        self.logger.log(phase, step, {}, self.recipe.phases[index].steps if self.recipe.phases else 0)
        self.save(phase, step)

    def save(self, phase: str, step: int) -> None:
        """Checkpoint now (raises Stop instead if a value is not finite), then prune old checkpoints."""
        root = self.run_dir / ckpt.CHECKPOINTS_DIR
        try:
            ckpt.save_checkpoint(root, phase, step, self.variables, self.optimizers, self.models,
                                 info={"phase_index": self.phase_index, "history_rows": len(self.rows)})
        except ckpt.NonFiniteState as err:
            raise Stop(phase, step, f"{err.path} became NaN or infinite") from None
        ends = {ckpt.checkpoint_name(p.name, p.steps) for p in self.recipe.phases}
        ckpt.prune_checkpoints(root, keep=ends, keep_last=KEEP_LAST)  # only the run's own folders

    def plot(self) -> None:
        """Redraw ``plots/losses.png`` and ``plots/scores.png`` from the history."""
        rundir.plot_history(rundir.history_frame(self.rows), self.run_dir / rundir.PLOTS_DIR,
                            self.extra_scores)

    def run_phase(self, index: int, phase, begin: int) -> None:
        """Train ``phase`` from step ``begin`` to its end, evaluating and checkpointing as the options say."""
        every, checkpoint_every = self.options.every(int(phase.steps))
        self.phase_index = index
        self.clock.phase, self.clock.phase_steps = phase.name, int(phase.steps)
        saver = CheckpointEvery(self.save, checkpoint_every, clock=self.clock, guard=self.guard, last=begin)
        callbacks = [self.guard, *([ProgressBar(self.clock)] if self.verbose == 1 else []), self.logger,
                     saver, *self.callbacks]
        batch_size = int(getattr(phase, "batch_size", None) or self.cfg.batch_size)
        try:
            for base, interval, epochs in segments(begin, int(phase.steps), every):
                self.clock.base, self.clock.interval = base, interval
                dataset = same_every_pass(lambda base=base: make_dataset(  # the same batches under a strategy's fit
                    self.data.train_tokens, batch_size, seed=self.seed + index, repeat=True).skip(base), phase.model)
                phase.model.fit(dataset, epochs=epochs, steps_per_epoch=interval, verbose=0,
                                callbacks=callbacks, shuffle=False)
                if self.guard.failure is not None:
                    failure = self.guard.failure
                    raise Stop(failure.phase, failure.step, f"the loss {failure.name} became {failure.value}")
        except Stop as stop:
            self.plot()
            latest = ckpt.latest_checkpoint(self.run_dir / ckpt.CHECKPOINTS_DIR)
            raise TrainingDiverged(
                f"training stopped: {stop.what} at step {stop.step} of phase '{stop.phase}'; the last good "
                f"checkpoint is '{latest}' (nothing was saved after it); lower the learning rate (or use "
                f"a more stable loss) and start a new run") from None


__all__ = ["EVALS_PER_PHASE", "KEEP_LAST", "RunOptions", "Runner", "Stop", "segments"]
