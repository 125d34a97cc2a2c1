"""Callbacks that watch training from outside the model: ``model.fit(..., callbacks=[...])``.

- :class:`NaNGuard`: stops training at the first NaN or infinite loss and remembers the step;
- :class:`ProgressBar`: a Keras progress bar with the current losses for every evaluation interval;
- :class:`SampleLogger`: at every evaluation point, generates sentences, scores them
  (:func:`sample_metrics`), prints a few, writes them to a text file and reports one row of history;
- :class:`CheckpointEvery`: saves a checkpoint every N steps and at the end of a phase.

In ``fit`` an *epoch* here is one evaluation interval (``steps_per_epoch=eval_every``), so evaluation and
checkpoints happen in ``on_epoch_end``. A shared :class:`Clock` turns Keras's (epoch, batch) counters into
the step within the current phase; without one, the step is counted from the start of ``fit``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from pathlib import Path

import keras
import numpy as np

from ..atomic import write_text
from ..vocabulary import EOS_ID, PAD_ID

SAMPLE_METRICS = ("grammatical_fraction", "oracle_nll", "duplicate_rate", "mean_length")
_SHORT = {"grammatical_fraction": "grammatical", "duplicate_rate": "duplicates", "mean_length": "length",
          "oracle_nll": "oracle NLL"}


@dataclasses.dataclass
class Clock:
    """Where training stands: the phase, its length in steps, and how epochs map to steps.

    The current ``fit`` call started at step ``base`` of the phase and runs epochs of ``interval`` steps,
    counted from epoch 0. Steps are counted from 1: step ``s`` is done after ``s`` batches of the phase.
    """

    phase: str = ""
    phase_steps: int = 0
    base: int = 0
    interval: int = 1

    def step(self, epoch: int, batch: int | None = None) -> int:
        """Steps done in the phase after ``batch`` (0-based) of ``epoch``, or after the whole epoch."""
        done = self.interval if batch is None else batch + 1
        return self.base + epoch * self.interval + done


def _fallback_clock(callback) -> Clock:
    steps = (callback.params or {}).get("steps") or 1
    return Clock(phase="", phase_steps=0, base=0, interval=int(steps))


def floats(logs) -> dict[str, float]:
    """Keras logs (tensors, arrays or numbers) -> {name: float}, skipping values that are not scalars."""
    out = {}
    for name, value in (logs or {}).items():
        value = np.asarray(value)
        if value.size == 1 and np.issubdtype(value.dtype, np.number):
            out[name] = float(value.reshape(()))
    return out


@dataclasses.dataclass(frozen=True)
class Failure:
    """The first non-finite loss: which phase, which step (from 1), which log entry and its value."""

    phase: str
    step: int
    name: str
    value: float


class NaNGuard(keras.callbacks.Callback):
    """Stop training at the first batch whose logs hold NaN or infinity; ``failure`` says where.

    After it fires, ``failure`` is a :class:`Failure` and ``model.stop_training`` is set; the other
    callbacks of this module then write nothing (no samples, no history row, no checkpoint).
    """

    def __init__(self, clock: Clock | None = None):
        super().__init__()
        self.clock = clock
        self.failure: Failure | None = None
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.failure is not None:
            return
        for name, value in floats(logs).items():
            if not math.isfinite(value):
                clock = self.clock or _fallback_clock(self)
                self.failure = Failure(clock.phase, clock.step(self._epoch, batch), name, value)
                self.model.stop_training = True
                return


def _failed(guard: NaNGuard | None) -> bool:
    return guard is not None and guard.failure is not None


class ProgressBar(keras.callbacks.Callback):
    """A Keras progress bar per evaluation interval, showing the current value of every loss."""

    def __init__(self, clock: Clock | None = None):
        super().__init__()
        self.clock = clock
        self._bar = None

    def on_epoch_begin(self, epoch, logs=None):
        self._bar = None

    def on_train_batch_end(self, batch, logs=None):
        values = floats(logs)
        if self._bar is None:
            target = (self.clock or _fallback_clock(self)).interval
            # stateful: show the value as logged (the models already report running means)
            self._bar = keras.utils.Progbar(target, stateful_metrics=list(values), unit_name="step")
        self._bar.update(batch + 1, values=list(values.items()))


def sample_metrics(tokens, sentences: list[str], true_model=None) -> dict[str, float]:
    """Scores of generated text that need no reference set.

    ``tokens``: int ids (n, seq_len); ``sentences``: the same rows decoded. Returns

    - ``grammatical_fraction``: share of sentences the corpus's grammar parses (grammar corpus only);
    - ``oracle_nll``: the oracle's NLL in nats per token of the sentences at least as long as the
      oracle's sequences, cut to that length (oracle corpus only; NaN if none is);
    - ``duplicate_rate``: share of sentences that repeat an earlier one (0 = all different);
    - ``mean_length``: tokens per sentence before ``<eos>``.
    """
    tokens = np.asarray(tokens)
    n = len(sentences)
    out = {}
    if true_model is not None and hasattr(true_model, "grammatical_fraction"):
        out["grammatical_fraction"] = float(true_model.grammatical_fraction(sentences))
    if true_model is not None and hasattr(true_model, "nll") and hasattr(true_model, "seq_len"):
        length = true_model.seq_len
        cut = [s.split()[:length] for s in sentences]
        scorable = [" ".join(words) for words in cut if len(words) == length
                    and all(word.isdigit() and int(word) < true_model.vocab_size for word in words)]
        out["oracle_nll"] = float(true_model.nll(scorable)) if scorable else math.nan
    out["duplicate_rate"] = 1.0 - len(set(sentences)) / n if n else 0.0
    written = (tokens != PAD_ID) & (np.cumsum(tokens == EOS_ID, axis=1) == 0)
    out["mean_length"] = float(written.sum(axis=1).mean()) if n else 0.0
    return out


def format_metrics(values: dict[str, float]) -> str:
    """``{"d_loss": 0.69, "grammatical_fraction": 0.4}`` -> ``"d_loss 0.690 grammatical 0.40"``."""
    parts = []
    for name, value in values.items():
        digits = 2 if name in SAMPLE_METRICS and name != "oracle_nll" else 3
        parts.append(f"{_SHORT.get(name, name)} {value:.{digits}f}")
    return " ".join(parts)


class SampleLogger(keras.callbacks.Callback):
    """At every evaluation point: generate ``n_eval`` sentences, score them, show a few, keep them.

    ``sample(n) -> int ids (n, seq_len)`` draws the sentences (e.g. ``lambda n: recipe.sample(n, 1.0,
    seed=0)``: a fixed seed shows how the same noise evolves and leaves the training randomness alone);
    ``decode(ids) -> list[str]`` turns them into text (``prepared.decode``). Every ``on_epoch_end``
    (one evaluation interval) it computes :func:`sample_metrics` (with ``true_model``, the corpus's
    grammar or oracle, if known) and ``evaluate(sentences)`` (any extra ``{name: float}``, e.g. BLEU),
    writes all sentences to ``samples_dir/<phase>-<step>.txt``, prints one line with the losses and
    scores and ``n_print`` sentences (if ``verbose``), and calls ``on_row(row)`` with the history row
    ``{"phase", "step", losses..., scores...}``. Returns nothing; ``rows`` keeps every row.
    """

    def __init__(self, sample: Callable, decode: Callable, *, n_eval: int = 64, n_print: int = 3,
                 true_model=None, evaluate: Callable | None = None, samples_dir=None,
                 on_row: Callable | None = None, verbose: int = 1, clock: Clock | None = None,
                 guard: NaNGuard | None = None):
        super().__init__()
        self.sample, self.decode = sample, decode
        self.n_eval, self.n_print = int(n_eval), int(n_print)
        self.true_model, self.evaluate = true_model, evaluate
        self.samples_dir = Path(samples_dir) if samples_dir is not None else None
        self.on_row, self.verbose = on_row, verbose
        self.clock, self.guard = clock, guard
        self.rows: list[dict] = []

    def on_epoch_end(self, epoch, logs=None):
        if _failed(self.guard):
            return
        clock = self.clock or _fallback_clock(self)
        self.log(clock.phase, clock.step(epoch), floats(logs), clock.phase_steps)

    def log(self, phase: str, step: int, losses: dict[str, float], phase_steps: int = 0) -> dict:
        """Evaluate now, as at the end of an interval; returns the history row."""
        tokens = np.asarray(self.sample(self.n_eval))
        sentences = self.decode(tokens)
        scores = sample_metrics(tokens, sentences, self.true_model)
        if self.evaluate is not None:
            scores.update({name: float(value) for name, value in self.evaluate(sentences).items()})
        if self.samples_dir is not None:
            name = f"{phase}-{step:06d}.txt" if phase else f"step-{step:06d}.txt"
            write_text(self.samples_dir / name, "".join(f"{s}\n" for s in sentences))
        row = {"phase": phase, "step": int(step), **losses, **scores}
        self.rows.append(row)
        if self.on_row is not None:
            self.on_row(row)
        if self.verbose:
            where = f"{phase} step {step}" + (f"/{phase_steps}" if phase_steps else "")
            print(f"{where} | {format_metrics(losses) or 'untrained'} | {format_metrics(scores)}")
            for sentence in sentences[:self.n_print]:
                print(f"    {sentence}" if sentence else "    (empty sentence)")
        return row


class CheckpointEvery(keras.callbacks.Callback):
    """Call ``save(phase, step)`` at the first evaluation point at or after every ``every`` steps and at
    the end of the phase; never after the :class:`NaNGuard` fired. ``last`` is the step of the
    previous checkpoint (where the phase started or was resumed)."""

    def __init__(self, save: Callable, every: int | None, *, clock: Clock | None = None,
                 guard: NaNGuard | None = None, last: int = 0):
        super().__init__()
        self.save, self.every = save, every
        self.clock, self.guard, self.last = clock, guard, int(last)

    def on_epoch_end(self, epoch, logs=None):
        if _failed(self.guard):
            return
        clock = self.clock or _fallback_clock(self)
        step = clock.step(epoch)
        crossed = self.every is not None and step // self.every > self.last // self.every
        if crossed or step == clock.phase_steps:
            self.save(clock.phase, step)
            self.last = step


__all__ = ["CheckpointEvery", "Clock", "Failure", "NaNGuard", "ProgressBar", "SAMPLE_METRICS",
           "SampleLogger", "floats", "format_metrics", "sample_metrics"]
