"""What each benchmark runs: the recipes, their settings, and the budget of every profile, in one table.

A *budget* (:class:`Budget`) fixes the data sizes, the training steps, the evaluation points and the
number of samples scored. :data:`PLANS` holds one per (benchmark, profile):

- ``smoke``: seconds, for the tests;
- ``course``: a whole benchmark (three recipes x 2 seeds, metrics included) in about half an hour on two
  CPU cores. Measured with one seed on a shared 2-core machine (load average 6 to 10, so wall times
  were inflated 2-3x; CPU time is the steadier figure): oracle, 1,500 + 500 steps: 1,915 s wall,
  about 950 s of CPU per seed (MLE 2,000 steps about 300 s with its sweep, SeqGAN about 300 s, RelGAN
  about 340 s); coco, 1,500 + 500 steps: 1,438 s wall, 868 s of CPU per seed; coco MLE alone for 4,000
  steps: 470 s of CPU. COCO pre-trains 3,000 steps because MLE needs about that many to reach Texygen's
  MLE BLEU (2,000 steps: 0.02-0.025 short on BLEU-3 and BLEU-4; 4,000: within 0.011), about 1,200 s of
  CPU per seed;
- ``full``: the papers' budgets (sources beside each number), for a GPU and patience.

All three recipes share the generator of the papers' synthetic benchmark: an LSTM with embedding and
hidden width 32 (SeqGAN, Texygen, RelGAN's ``lstm_vanilla``), batch 64, and start from one shared
pre-training of ``pretrain_steps`` (:mod:`gan_text.bench.pretraining`). ``mle`` then trains ``steps`` more
steps (the same number of generator updates as RelGAN) and is scored at its best point on held-out
sentences; ``seqgan`` gets
``seqgan_steps`` adversarial steps, far fewer than RelGAN, because each of its steps runs
``num_rollouts x (seq_len - 1)`` rollouts (about 2.5 s of CPU per step here, against 0.1 s for an MLE step
and 0.3 s for a RelGAN step); the papers' SeqGAN ran 200 such steps.
"""

from __future__ import annotations

import dataclasses

from ..config import Profile
from ..errors import GanTextError, one_of

BENCHMARKS = ("oracle", "coco")
PROFILES = ("smoke", "course", "full")
RECIPES = ("mle", "seqgan", "relgan")
BATCH_SIZE = 64  # SeqGAN, Texygen and RelGAN
EMB_DIM = HIDDEN_DIM = 32  # the generator of SeqGAN, Texygen (and RelGAN's LSTM variant)
EPOCH_STEPS = 10_000 // BATCH_SIZE  # 156 steps: one pass over the 10,000 training sentences


@dataclasses.dataclass(frozen=True)
class Budget:
    """The sizes of one benchmark run. Every field is a count (sentences, steps, samples), never a time.

    ``n_train`` / ``n_test``: sentences of the corpus; ``pretrain_steps``: MLE pre-training of every
    generator (shared by the recipes); ``steps``: RelGAN's adversarial steps (and ``mle``'s steps after it);
    ``seqgan_steps``: SeqGAN's adversarial steps; ``pretrain_d_steps``: SeqGAN's discriminator
    pre-training; ``eval_every``: steps between evaluation points (and at the end of every phase);
    ``n_eval``: samples scored at each evaluation point (the curves);
    ``n_curve_test``: test sentences for NLL-gen on the curves; ``n_final``: samples scored at the end
    and at each temperature of the sweep; ``seeds``: default number of seeds; ``temperatures``: the MLE
    temperature sweep.
    """

    n_train: int
    n_test: int
    pretrain_steps: int
    steps: int
    seqgan_steps: int
    pretrain_d_steps: int
    eval_every: int
    n_eval: int
    n_curve_test: int
    n_final: int
    seeds: int
    temperatures: tuple[float, ...]

    def replace(self, **changes) -> Budget:
        """A copy with some fields changed; unknown names raise GanTextError listing the fields."""
        fields = [f.name for f in dataclasses.fields(self)]
        unknown = sorted(set(changes) - set(fields))
        if unknown:
            raise GanTextError(f"unknown budget field {unknown[0]!r}; known: {', '.join(fields)}")
        for name, value in changes.items():
            if name == "temperatures":
                changes[name] = _temperatures(value)
            elif isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise GanTextError(f"budget field {name} must be a whole number >= 1, got {value!r}")
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict:
        return {**dataclasses.asdict(self), "temperatures": list(self.temperatures)}


def _temperatures(values) -> tuple[float, ...]:
    values = tuple(values) if isinstance(values, list | tuple) else ()
    if not values or any(isinstance(t, bool) or not isinstance(t, int | float) or not t > 0 for t in values):
        raise GanTextError("temperatures must be a non-empty list of numbers > 0; pass e.g. [0.7, 0.85, 1.0]")
    return tuple(float(t) for t in values)


# The MLE curve that a GAN's point is matched against; above 1 too, since an MLE model trained long
# enough to fit its training set covers the test data best at a temperature a little above 1.
_ORACLE_TEMPERATURES = (0.6, 0.7, 0.8, 0.9, 1.0, 1.15, 1.3)
_COCO_TEMPERATURES = (0.6, 0.8, 1.0, 1.2)

PLANS: dict[tuple[str, str], Budget] = {
    ("oracle", "smoke"): Budget(n_train=256, n_test=64, pretrain_steps=8, steps=4, seqgan_steps=2,
                                pretrain_d_steps=2, eval_every=1_000, n_eval=16, n_curve_test=32, n_final=32,
                                seeds=1, temperatures=(0.8, 1.0)),
    ("coco", "smoke"): Budget(n_train=256, n_test=64, pretrain_steps=8, steps=4, seqgan_steps=2,
                              pretrain_d_steps=2, eval_every=1_000, n_eval=16, n_curve_test=32, n_final=32,
                              seeds=1, temperatures=(0.8, 1.0)),
    # course: sized from one measured seed (see the module docstring).
    ("oracle", "course"): Budget(n_train=10_000, n_test=10_000, pretrain_steps=1_500, steps=500,
                                 seqgan_steps=30, pretrain_d_steps=200, eval_every=100, n_eval=500,
                                 n_curve_test=1_000, n_final=2_000, seeds=2, temperatures=_ORACLE_TEMPERATURES),
    ("coco", "course"): Budget(n_train=10_000, n_test=10_000, pretrain_steps=3_000, steps=500,
                               seqgan_steps=30, pretrain_d_steps=200, eval_every=250, n_eval=500,
                               n_curve_test=1_000, n_final=10_000, seeds=2, temperatures=_COCO_TEMPERATURES),
    # full: pre-training 80 epochs (Texygen's MLE, models/mle/Mle.py: pre_epoch_num = 80; RelGAN's scripts
    # pre-train 150 epochs); RelGAN's adversarial steps from its experiment scripts (oracle_relgan.py
    # nadv_steps = 3000, coco_relgan.py nadv_steps = 2000); SeqGAN 200 adversarial steps (the SeqGAN
    # code's TOTAL_BATCH); 10,000 samples scored, as Texygen and RelGAN do.
    ("oracle", "full"): Budget(n_train=10_000, n_test=10_000, pretrain_steps=80 * EPOCH_STEPS, steps=3_000,
                               seqgan_steps=200, pretrain_d_steps=1_000, eval_every=500, n_eval=2_000,
                               n_curve_test=10_000, n_final=10_000, seeds=3, temperatures=_ORACLE_TEMPERATURES),
    ("coco", "full"): Budget(n_train=10_000, n_test=10_000, pretrain_steps=80 * EPOCH_STEPS, steps=2_000,
                             seqgan_steps=200, pretrain_d_steps=1_000, eval_every=500, n_eval=2_000,
                             n_curve_test=10_000, n_final=10_000, seeds=3, temperatures=_COCO_TEMPERATURES),
}


def check_benchmark(benchmark: str) -> str:
    if benchmark not in BENCHMARKS:
        raise one_of("benchmark", benchmark, BENCHMARKS)
    return benchmark


def check_profile(profile: str) -> str:
    if profile not in PROFILES:
        raise one_of("benchmark profile", profile, PROFILES)
    return profile


def check_recipes(recipes) -> tuple[str, ...]:
    """A list of recipe names (or one comma-separated string) -> a tuple in :data:`RECIPES` order."""
    names = [r.strip() for r in recipes.split(",")] if isinstance(recipes, str) else list(recipes or ())
    if not names or any(not name for name in names):
        raise GanTextError(f"give at least one recipe, e.g. --recipes mle,relgan; known: {', '.join(RECIPES)}")
    for name in names:
        if name not in RECIPES:
            raise one_of("benchmark recipe", name, RECIPES)
    return tuple(r for r in RECIPES if r in names)


def plan(benchmark: str, profile: str, **changes) -> Budget:
    """The budget of ``benchmark`` (``oracle``/``coco``) in ``profile`` (``smoke``/``course``/``full``),
    with ``changes`` applied (e.g. ``steps=50``), checked."""
    budget = PLANS[(check_benchmark(benchmark), check_profile(profile))]
    return budget.replace(**changes) if changes else budget


# RelGAN as its authors ran it, in the ``full`` profile: the experiment scripts of weilinie/RelGAN
# (oracle/experiments/oracle_relgan.py and real/experiments/coco_relgan.py, the ``lstm_vanilla`` generator
# variant, whose LSTM 32 is the benchmark's generator) and the discriminator of models/lstm_vanilla.py.
PAPER_RELGAN = {
    "g_lr": 1e-4,  # gadv_lr = '1e-4' (both scripts); our course default is 3e-5
    "d_lr": 1e-4,  # d_lr = '1e-4'
    "d_steps": 5,  # dsteps = '5' discriminator updates per generator update (gsteps = '1')
    "num_rep": 64,  # num_rep = '64' representations ...
    "d_emb_dim": 1,  # ... of dis_emb_dim = '64' / num_rep = 1 dimension each
    "d_num_filters": 300,  # num_filters = [300, 300, 300, 300] for filter_sizes [2, 3, 4, 5]
    "d_hidden_dim": 100,  # fc: linear(h_drop, output_size=100) (theirs has no activation, ours a ReLU)
    "d_dropout": 0.25,  # dropout_keep_prob = 0.75
    "loss": "relativistic",  # gantype 'RSGAN'
    "beta_schedule": "exp",  # adapt = 'exp'
}
# beta_max (their "temperature"): COCO 100 (coco_relgan.py jobs 0-3; jobs 4-7 run 1000); on the oracle with
# length 20 the author recommends 1 (weilinie/RelGAN issue #22; oracle_relgan.py sweeps 2, 5, 10 and 100).
# Another value: run_benchmark(..., settings={"relgan": {"beta_max": 100.0}}).
PAPER_BETA_MAX = {"oracle": 1.0, "coco": 100.0}


# The shared pre-training (:mod:`gan_text.bench.pretraining`): the ``mle`` recipe for ``pretrain_steps``,
# and every recipe starts from its generator. ``full``: Adam at 1e-2, constant, the papers' rate (RelGAN's
# scripts: gpre_lr = '1e-2' with decay = False; SeqGAN's generator: learning_rate=0.01; Texygen's MLE
# generator: learning_rate=0.01). Other profiles: the ``mle`` recipe's CPU-tuned cosine from 2e-2 to 1e-3.
PAPER_PRETRAIN = {"lr": 1e-2, "final_lr": 1e-2}
COURSE_PRETRAIN = {"lr": 2e-2, "final_lr": 1e-3}
_SIZES = {"cell": "lstm", "emb_dim": EMB_DIM, "hidden_dim": HIDDEN_DIM}


def pretrain_overrides(budget: Budget, profile: str | None = None) -> dict:
    """The ``mle`` settings of the shared pre-training of every recipe (see :data:`PAPER_PRETRAIN`)."""
    rates = PAPER_PRETRAIN if profile == "full" else COURSE_PRETRAIN
    return {**_SIZES, **rates, "steps": budget.pretrain_steps}


def recipe_overrides(recipe: str, budget: Budget, benchmark: str | None = None, profile: str | None = None) -> dict:
    """The settings given to :func:`gan_text.training.build_recipe` for ``recipe`` under ``budget``, which
    starts from the shared pre-trained generator (:func:`pretrain_overrides`), so no recipe pre-trains.

    Every recipe keeps its own defaults (learning rates, losses, RelGAN's beta schedule...) except the
    sizes of the generator and the steps, which the benchmark fixes. ``mle`` continues the pre-training
    for ``steps`` more steps at its last rate (the GANs' total of generator updates) and is scored at its
    best point on held-out sentences (:mod:`gan_text.bench.early_stopping`). In the ``full`` profile of a
    ``benchmark``, ``relgan`` also takes the paper's settings (:data:`PAPER_RELGAN`, :data:`PAPER_BETA_MAX`):
    the course defaults were tuned for a few hundred CPU steps, the paper's for 2,000-3,000 on a GPU.
    """
    if recipe == "mle":
        rate = pretrain_overrides(budget, profile)["final_lr"]
        return {**_SIZES, "lr": rate, "final_lr": rate, "steps": budget.steps}
    if recipe == "relgan":
        paper = {**PAPER_RELGAN, "beta_max": PAPER_BETA_MAX[check_benchmark(benchmark)]} if profile == "full" else {}
        return {**_SIZES, **paper, "pretrain_steps": 0, "steps": budget.steps}
    if recipe == "seqgan":
        return {**_SIZES, "pretrain_steps": 0, "pretrain_d_steps": budget.pretrain_d_steps,
                "steps": budget.seqgan_steps}
    raise one_of("benchmark recipe", recipe, RECIPES)


def train_profile(benchmark: str, profile: str, budget: Budget):
    """The :class:`gan_text.config.Profile` handed to ``train`` (sizes of the corpus and the batches)."""
    return Profile(name=f"bench-{benchmark}-{profile}", n_train=budget.n_train, n_test=budget.n_test,
                   batch_size=BATCH_SIZE if budget.n_train >= BATCH_SIZE else 16, epochs=1,
                   pretrain_steps=budget.pretrain_steps, steps=budget.steps, n_eval=budget.n_eval,
                   emb_dim=EMB_DIM, hidden_dim=HIDDEN_DIM)


__all__ = ["BATCH_SIZE", "BENCHMARKS", "COURSE_PRETRAIN", "Budget", "EMB_DIM", "HIDDEN_DIM", "PAPER_BETA_MAX",
           "PAPER_PRETRAIN", "PAPER_RELGAN", "PLANS", "PROFILES", "RECIPES", "check_benchmark", "check_profile",
           "check_recipes", "plan", "pretrain_overrides", "recipe_overrides", "train_profile"]
