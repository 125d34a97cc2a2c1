"""The loss zoo: nine ways to score a discriminator and a generator against each other.

Notation used in every formula below:

- ``r`` = the discriminator's LOGITS on real sentences, ``f`` = its logits on generated (fake) ones.
  Logits are raw scores in (-inf, inf), never probabilities: the losses apply the sigmoid themselves.
- ``σ`` = the sigmoid, ``σ(x) = 1 / (1 + exp(-x))``, so ``σ(r)`` is "the probability that x is real".
- ``E`` = the mean over ALL elements of a tensor (batch, steps, representations).

Logits may have any shape: ``(batch, 1)`` (``cnn``, ``rnn``, ``transformer``), ``(batch, seq_len, 1)``
(``seed``, one logit per step) or ``(batch, num_rep)`` (``relgan``); every logit counts as one
real/fake opinion and each loss is the mean over them. Every loss returns a float32 scalar.

============================  ========================================================================
name                          loss (D = discriminator, G = generator; both minimise)
============================  ========================================================================
``minimax``                   D: -E log σ(r) - E log(1-σ(f));   G: E log(1-σ(f))   (saturates)
``non_saturating``            D: same as minimax;               G: -E log σ(f)
``least_squares``             D: E (r-1)² + E f²;                G: E (f-1)²
``wasserstein``               D: E f - E r;                     G: -E f;  critic weights clipped
``wgan_gp``                   D: E f - E r (+ gradient penalty); G: -E f
``hinge``                     D: E max(0,1-r) + E max(0,1+f);   G: -E f
``relativistic``              D: -E log σ(r-f);                 G: -E log σ(f-r)
``relativistic_average``      D: -E log σ(r-E f) - E log(1-σ(f-E r));  G: the same with r and f swapped
``categorical_crossentropy``  non_saturating read as a 2-way softmax over {real, fake}: the same numbers
============================  ========================================================================

``log σ(x)`` is computed as ``-softplus(-x)`` and ``log(1-σ(x))`` as ``-softplus(x)``: both stay exact
and finite for logits of ±100, where the naive ``log(sigmoid(x))`` gives ``log(0) = -inf``.

Use: ``loss = get_loss("hinge")``, then ``loss.d_loss(real_logits, fake_logits)`` and
``loss.g_loss(real_logits, fake_logits)``. The training loop adds :func:`gradient_penalty` to the
discriminator loss when ``loss.needs_gradient_penalty`` and calls :func:`clip_weights` after each
discriminator step when ``loss.clip_weights`` is a number.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from keras import ops

from ..errors import GanTextError, one_of
from .constraints import clip_weights, gradient_penalty  # WGAN's critic constraints, re-exported

RELATIVISM = (None, "pair", "average")


# ---------------------------------------------------------------------------------------------------
# Element-wise building blocks. Each maps logits to a per-element loss; the GANLoss takes the mean.

def neg_log_sigmoid(x):
    """``-log σ(x)``, computed stably as ``softplus(-x)``: the cross-entropy of logit x with label 1."""
    return ops.softplus(-x)


def neg_log_one_minus_sigmoid(x):
    """``-log(1 - σ(x))``, computed stably as ``softplus(x)``: the cross-entropy of logit x with label 0."""
    return ops.softplus(x)


def log_one_minus_sigmoid(x):
    """``log(1 - σ(x)) = -softplus(x)``: the minimax generator's term, flat when x is very negative."""
    return -ops.softplus(x)


def squared_distance_to_one(x):
    """``(x - 1)²``: least squares with target 1."""
    return ops.square(x - 1.0)


def square(x):
    """``x²``: least squares with target 0."""
    return ops.square(x)


def negative(x):
    """``-x``: the critic's score, negated (the generator or critic wants it large)."""
    return -x


def identity(x):
    """``x``: the critic's score on fakes (the critic wants it small)."""
    return x


def hinge_real(x):
    """``max(0, 1 - x)``: zero once a real logit is above the margin 1."""
    return ops.relu(1.0 - x)


def hinge_fake(x):
    """``max(0, 1 + x)``: zero once a fake logit is below the margin -1."""
    return ops.relu(1.0 + x)


# ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class GANLoss:
    """One GAN objective: how the discriminator and the generator turn logits into losses.

    Both losses take ``(real_logits, fake_logits)`` (float tensors of any shape, LOGITS not
    probabilities) and return a float32 scalar to MINIMISE. Most generator losses ignore
    ``real_logits``; the relativistic ones need them.

    The loss is assembled from element-wise terms (``None`` means "no such term") and a pairing:

    - ``relativism=None``: ``d_loss = E d_real(r) + E d_fake(f)``, ``g_loss = E g_fake(f)``.
    - ``relativism="pair"`` (RSGAN): each term sees the DIFFERENCE with its partner in the other
      batch, element by element: ``r -> r - f`` and ``f -> f - r`` (real and fake must have one shape).
    - ``relativism="average"`` (RaSGAN): each term sees the difference with the MEAN of the other
      batch: ``r -> r - E f`` and ``f -> f - E r``; then also ``g_loss`` adds ``E g_real(r - E f)``.

    Fields for the training loop and for tables: ``name``; ``formula`` (one line); ``reference``
    (the paper); ``needs_gradient_penalty`` (WGAN-GP: add :func:`gradient_penalty` to ``d_loss``,
    which does NOT include it); ``clip_weights`` (WGAN: clip every critic weight to
    ``[-clip_weights, clip_weights]`` after each critic step with :func:`clip_weights`, else None);
    ``label_smoothing`` (the ``s`` of :func:`smooth_labels`, 0 for none).
    """

    name: str
    formula: str
    reference: str
    d_real: Callable | None = field(default=None, repr=False)
    d_fake: Callable | None = field(default=None, repr=False)
    g_fake: Callable | None = field(default=None, repr=False)
    g_real: Callable | None = field(default=None, repr=False)
    relativism: str | None = None
    needs_gradient_penalty: bool = False
    clip_weights: float | None = None
    label_smoothing: float = 0.0

    def __post_init__(self):
        if self.relativism not in RELATIVISM:
            raise one_of("relativism", self.relativism, RELATIVISM)
        if self.d_real is None or self.g_fake is None:
            raise GanTextError(f"loss {self.name!r} needs at least a d_real and a g_fake term")

    def inputs(self, real_logits, fake_logits):
        """Cast to float32 and apply the relativistic pairing: returns what the terms see."""
        r = ops.cast(ops.convert_to_tensor(real_logits), "float32")
        f = ops.cast(ops.convert_to_tensor(fake_logits), "float32")
        if self.relativism == "pair":
            if None not in r.shape and None not in f.shape and tuple(r.shape) != tuple(f.shape):
                raise GanTextError(
                    f"the {self.name} loss pairs real and fake logits element by element, but got shapes "
                    f"{tuple(r.shape)} and {tuple(f.shape)}; give real and fake batches of the same size")
            return r - f, f - r
        if self.relativism == "average":
            return r - ops.mean(f), f - ops.mean(r)
        return r, f

    def d_loss(self, real_logits, fake_logits):
        """The discriminator's loss (a float32 scalar) given its logits on real and fake samples."""
        r, f = self.inputs(real_logits, fake_logits)
        loss = ops.mean(self.d_real(r))
        if self.d_fake is not None:
            loss = loss + ops.mean(self.d_fake(f))
        return loss

    def g_loss(self, real_logits, fake_logits):
        """The generator's loss (a float32 scalar); only relativistic losses look at ``real_logits``."""
        r, f = self.inputs(real_logits, fake_logits)
        loss = ops.mean(self.g_fake(f))
        if self.g_real is not None:
            loss = loss + ops.mean(self.g_real(r))
        return loss

    @property
    def g_needs_real(self) -> bool:
        """True when the generator's loss reads the logits of real sentences too (relativistic losses)."""
        return self.relativism is not None or self.g_real is not None

    def accuracy(self, real_logits, fake_logits):
        """The fraction of real logits > 0 and of fake logits < 0, averaged (a float32 scalar).

        A relativistic loss only sees differences, so then the logits compared are ``r - f`` (pair) or
        ``r - E f`` and ``f - E r`` (average): for RSGAN, the fraction of pairs where the real sentence
        scores higher.
        """
        r, f = self.inputs(real_logits, fake_logits)
        real_right = ops.mean(ops.cast(ops.greater(r, 0.0), "float32"))
        fake_right = ops.mean(ops.cast(ops.less(f, 0.0), "float32"))
        return 0.5 * (real_right + fake_right)


# ---------------------------------------------------------------------------------------------------
# The nine losses. Each function documents its formula and returns the GANLoss.

def minimax() -> GANLoss:
    """The original minimax GAN (Goodfellow et al., 2014, "Generative Adversarial Nets", eq. 1).

    ``L_D = -E log σ(r) - E log(1 - σ(f))`` (binary cross-entropy: real -> 1, fake -> 0) and
    ``L_G = E log(1 - σ(f))``, minus the fake half of ``L_D``. When D confidently rejects the fakes
    (f very negative), ``log(1 - σ(f))`` is flat: the generator's gradient ``-σ(f)`` vanishes
    ("saturates"), which is why the paper itself recommends the non-saturating loss in practice.
    """
    return GANLoss("minimax", "L_D = -E log σ(r) - E log(1-σ(f));  L_G = E log(1-σ(f))",
                   "Goodfellow et al. 2014, Generative Adversarial Nets, eq. 1",
                   d_real=neg_log_sigmoid, d_fake=neg_log_one_minus_sigmoid, g_fake=log_one_minus_sigmoid)


def non_saturating() -> GANLoss:
    """The non-saturating GAN (Goodfellow et al., 2014, section 3): the usual "standard GAN".

    ``L_D = -E log σ(r) - E log(1 - σ(f))`` (as minimax) and ``L_G = -E log σ(f)``: the generator
    maximises the probability that D is fooled. Its gradient ``-(1 - σ(f))`` is close to -1 exactly
    when D confidently rejects the fakes, so learning starts even against a strong discriminator.
    RelGAN's ``standard`` loss.
    """
    return GANLoss("non_saturating", "L_D = -E log σ(r) - E log(1-σ(f));  L_G = -E log σ(f)",
                   "Goodfellow et al. 2014, Generative Adversarial Nets, section 3",
                   d_real=neg_log_sigmoid, d_fake=neg_log_one_minus_sigmoid, g_fake=neg_log_sigmoid)


def least_squares() -> GANLoss:
    """Least squares GAN (Mao et al., 2017, "Least Squares Generative Adversarial Networks").

    ``L_D = E (r - 1)² + E f²`` and ``L_G = E (f - 1)²``: mean squared error on the raw logits
    with the 0-1 coding (fake a=0, real b=1, generator target c=1). We drop the paper's factors 1/2,
    as RelGAN does. Unlike cross-entropy the loss grows again for fakes that are "too real"
    (f > 1), which penalises samples far from the decision boundary on either side.
    """
    return GANLoss("least_squares", "L_D = E (r-1)² + E f²;  L_G = E (f-1)²",
                   "Mao et al. 2017, Least Squares Generative Adversarial Networks (a=0, b=1, c=1)",
                   d_real=squared_distance_to_one, d_fake=square, g_fake=squared_distance_to_one)


def wasserstein(clip: float = 0.01) -> GANLoss:
    """Wasserstein GAN with weight clipping (Arjovsky, Chintala & Bottou, 2017, Algorithm 1).

    The discriminator becomes a "critic" whose unbounded score estimates the Wasserstein-1 distance
    ``E r - E f`` between the real and generated distributions: ``L_D = E f - E r`` and
    ``L_G = -E f``. The estimate only holds for a 1-Lipschitz critic, which WGAN enforces crudely
    by clipping every critic weight to ``[-clip, clip]`` (the paper's c = 0.01) after each step.
    """
    return GANLoss("wasserstein", f"L_D = E f - E r;  L_G = -E f;  weights clipped to ±{clip:g}",
                   "Arjovsky, Chintala & Bottou 2017, Wasserstein GAN, Algorithm 1",
                   d_real=negative, d_fake=identity, g_fake=negative, clip_weights=float(clip))


def wgan_gp(weight: float = 10.0) -> GANLoss:
    """Wasserstein GAN with gradient penalty (Gulrajani et al., 2017, "Improved Training of WGANs").

    ``L_D = E f - E r + λ E (‖∇D(x̂)‖₂ - 1)²`` and ``L_G = -E f``, where ``x̂`` lies between a real
    and a fake sample (see :func:`gradient_penalty`, λ = 10 in the paper). The penalty needs the
    critic and the inputs, not only logits, so ``d_loss`` returns ``E f - E r`` alone and the
    training loop adds ``gradient_penalty(critic, real, fake, seed_generator, weight)``
    because ``needs_gradient_penalty`` is True.
    """
    return GANLoss("wgan_gp", f"L_D = E f - E r + {weight:g} E(‖∇D(x̂)‖ - 1)²;  L_G = -E f",
                   "Gulrajani et al. 2017, Improved Training of Wasserstein GANs, Algorithm 1",
                   d_real=negative, d_fake=identity, g_fake=negative, needs_gradient_penalty=True)


def hinge() -> GANLoss:
    """Hinge loss (Lim & Ye, 2017, "Geometric GAN"; Miyato et al., 2018, spectral normalisation).

    ``L_D = E max(0, 1 - r) + E max(0, 1 + f)`` and ``L_G = -E f``: the discriminator is a
    margin classifier that stops pushing once real logits are above 1 and fake ones below -1;
    the generator simply raises the score of its samples.
    """
    return GANLoss("hinge", "L_D = E max(0, 1-r) + E max(0, 1+f);  L_G = -E f",
                   "Lim & Ye 2017, Geometric GAN; Miyato et al. 2018, Spectral Normalization for GANs",
                   d_real=hinge_real, d_fake=hinge_fake, g_fake=negative)


def relativistic() -> GANLoss:
    """Relativistic standard GAN, RSGAN (Jolicoeur-Martineau, 2019, "The relativistic discriminator").

    The discriminator judges whether a real sample is MORE realistic than a fake one:
    ``L_D = -E log σ(r - f)`` and ``L_G = -E log σ(f - r)``, pairing the i-th real logit with the
    i-th fake logit (so real and fake logits must have the same shape). This is RelGAN's ``RSGAN``
    and TextGAN-PyTorch's ``rsgan``, which we follow: the mean runs over every paired element.
    """
    return GANLoss("relativistic", "L_D = -E log σ(r - f);  L_G = -E log σ(f - r)",
                   "Jolicoeur-Martineau 2019, The relativistic discriminator (RSGAN); used by RelGAN",
                   d_real=neg_log_sigmoid, g_fake=neg_log_sigmoid, relativism="pair")


def relativistic_average() -> GANLoss:
    """Relativistic average standard GAN, RaSGAN (Jolicoeur-Martineau, 2019).

    Each sample is compared with the AVERAGE of the other batch:
    ``L_D = -E log σ(r - E f) - E log(1 - σ(f - E r))`` and, with the roles swapped,
    ``L_G = -E log σ(f - E r) - E log(1 - σ(r - E f))``: the generator also gains by making real
    samples look less real than its own. ``E`` runs over every element of the batch (all steps,
    all representations). This is the paper's RaSGAN and TextGAN-PyTorch's ``ragan`` (which sums
    the two terms too); real and fake batches may differ in size.
    """
    return GANLoss("relativistic_average",
                   "L_D = -E log σ(r - E f) - E log(1-σ(f - E r));  "
                   "L_G = -E log σ(f - E r) - E log(1-σ(r - E f))",
                   "Jolicoeur-Martineau 2019, The relativistic discriminator (RaSGAN)",
                   d_real=neg_log_sigmoid, d_fake=neg_log_one_minus_sigmoid,
                   g_fake=neg_log_sigmoid, g_real=neg_log_one_minus_sigmoid, relativism="average")


def categorical_crossentropy() -> GANLoss:
    """The discriminator as a 2-way softmax over {real, fake}, scored by categorical cross-entropy.

    Read D's logit x as the log-odds of "real" against "fake": class logits ``(x, 0)``, so
    ``softmax(x, 0) = (e^x, 1) / (e^x + 1) = (σ(x), 1 - σ(x))``. The categorical cross-entropy with the
    one-hot labels real = (1, 0), fake = (0, 1) is then ``L_D = -E log σ(r) - E log(1 - σ(f))``, and the
    generator minimises the same cross-entropy with its fakes labelled real (the Keras idiom of flipped
    labels): ``L_G = -E log σ(f)``, the non-saturating choice (minus D's own cross-entropy on the fakes
    would be minimax's saturating ``E log(1 - σ(f))``). A discriminator with two outputs
    ``(a, b)`` would add nothing: a 2-way softmax only sees ``x = a - b``. So this IS :func:`non_saturating`,
    term for term; it is listed so that the identity is checked (against Keras's
    ``CategoricalCrossentropy``) and seen, not assumed. Any logit shape, as for every loss.
    """
    return GANLoss("categorical_crossentropy",
                   "softmax(x, 0) = (σ(x), 1-σ(x)):  L_D = -E log σ(r) - E log(1-σ(f));  L_G = -E log σ(f)",
                   "Goodfellow et al. 2014, section 3, with D as a two-class softmax classifier",
                   d_real=neg_log_sigmoid, d_fake=neg_log_one_minus_sigmoid, g_fake=neg_log_sigmoid)


LOSSES: dict[str, GANLoss] = {loss.name: loss for loss in (
    minimax(), non_saturating(), least_squares(), wasserstein(), wgan_gp(), hinge(), relativistic(),
    relativistic_average(), categorical_crossentropy())}


def get_loss(name: str | GANLoss) -> GANLoss:
    """The loss called ``name`` (a key of :data:`LOSSES`); a :class:`GANLoss` is returned unchanged.

    >>> get_loss("hinge").formula
    'L_D = E max(0, 1-r) + E max(0, 1+f);  L_G = -E f'
    """
    if isinstance(name, GANLoss):
        return name
    if name not in LOSSES:
        raise one_of("loss", name, LOSSES)
    return LOSSES[name]


# ---------------------------------------------------------------------------------------------------
# One-sided label smoothing: a softer target for the discriminator's real term.

def smooth_labels(loss: str | GANLoss, smoothing: float) -> GANLoss:
    """``loss`` with one-sided label smoothing: the discriminator's REAL target becomes ``1 - smoothing``.

    Salimans et al. (2016, "Improved Techniques for Training GANs", section 3.4) soften only the real
    label (the fake target stays 0, else the fakes' support would be rewarded): a discriminator that is
    never asked for certainty keeps its logits moderate and its gradients informative. What "target
    1 - s" means depends on the loss; with ``t = 1 - s``:

    - cross-entropy losses (``minimax``, ``non_saturating``, ``categorical_crossentropy``):
      ``d_real(r) = -t log σ(r) - s log(1 - σ(r))``, minimal at σ(r) = t instead of at r -> inf;
    - ``least_squares``: ``d_real(r) = (r - t)²``, the target b = 1 - s;
    - relativistic (``relativistic``, ``relativistic_average``): the same cross-entropy on ``r - f`` (or
      ``r - E f``): "the real sentence is the more realistic one" with probability t, not 1;
    - ``wasserstein``, ``wgan_gp``, ``hinge``: no real target (a critic's score, a margin), so a
      GanTextError.

    Only the discriminator's loss changes; ``smoothing = 0`` returns ``loss`` itself. A float in [0, 1).

    >>> round(float(smooth_labels("least_squares", 0.1).d_real(2.0)), 6)  # (2 - 0.9)²
    1.21
    """
    loss = get_loss(loss)
    if isinstance(smoothing, bool) or not isinstance(smoothing, int | float) or not 0.0 <= smoothing < 1.0:
        raise GanTextError(f"label_smoothing must be a fraction in [0, 1), got {smoothing!r}; pass e.g. "
                           "label_smoothing=0.1")
    if smoothing == 0.0:
        return loss
    if loss.label_smoothing:
        raise GanTextError(f"the {loss.name} loss is already smoothed (s={loss.label_smoothing:g}); smooth "
                           f"the plain loss get_loss({loss.name!r}) once")
    target = 1.0 - float(smoothing)
    if loss.d_real is neg_log_sigmoid:
        def d_real(x):
            return target * ops.softplus(-x) + (1.0 - target) * ops.softplus(x)

        formula = f"-{target:g} log σ(·) - {smoothing:g} log(1-σ(·)) on the real term"
    elif loss.d_real is squared_distance_to_one:
        def d_real(x):
            return ops.square(x - target)

        formula = f"(r - {target:g})² as the real term"
    else:
        raise GanTextError(f"label smoothing needs a loss with a real target (minimax, non_saturating, "
                           f"categorical_crossentropy, least_squares, relativistic, relativistic_average); "
                           f"{loss.name!r} has none; use label_smoothing=0 or another loss")
    return replace(loss, d_real=d_real, formula=f"{loss.formula};  smoothed: {formula}",
                   label_smoothing=float(smoothing))


# ---------------------------------------------------------------------------------------------------

def loss_curves(logits=None, *, other_logit: float = 0.0) -> pd.DataFrame:
    """Each loss as a function of one discriminator logit, for notebook 06's plots.

    ``logits`` is the grid of logit values ``x`` (default ``np.linspace(-6, 6, 241)``). Returns a
    long ("tidy") DataFrame, one row per (loss, x), with columns:

    - ``loss``, ``logit``: the loss name and x;
    - ``generator``: the generator's loss when D gives a fake sample the logit x;
    - ``discriminator_real``: the discriminator's loss on a real sample with logit x;
    - ``discriminator_fake``: the discriminator's loss on a fake sample with logit x.

    For the seven non-relativistic losses the discriminator's loss is a sum of a real and a fake term
    and the two columns are those terms (so ``discriminator_real(x) + discriminator_fake(y)`` is
    ``d_loss`` on one real logit x and one fake logit y); the generator ignores real logits.

    The relativistic losses only see differences, so the OTHER logit is held fixed at
    ``other_logit`` (default 0) and the columns are the whole loss of a batch of one real and one
    fake sample: ``generator = g_loss(real=other_logit, fake=x)``,
    ``discriminator_real = d_loss(real=x, fake=other_logit)``,
    ``discriminator_fake = d_loss(real=other_logit, fake=x)``. With one sample per batch RaSGAN's
    averages are the samples themselves, so its three curves are exactly twice RSGAN's.
    """
    x = np.linspace(-6.0, 6.0, 241) if logits is None else np.asarray(logits, dtype="float64")
    if x.ndim != 1 or x.size == 0 or not np.all(np.isfinite(x)):
        raise GanTextError("logits must be a non-empty 1-D array of finite numbers, e.g. "
                           "np.linspace(-6, 6, 241)")
    xt = ops.convert_to_tensor(x.astype("float32"))
    other = float(other_logit)

    def term(fn, values):
        return np.zeros_like(x) if fn is None else ops.convert_to_numpy(fn(values)).astype("float64")

    frames = []
    for name, loss in LOSSES.items():
        if loss.relativism is None:
            generator = term(loss.g_fake, xt)
            d_real, d_fake = term(loss.d_real, xt), term(loss.d_fake, xt)
        else:  # one real and one fake sample: "pair" and "average" coincide
            up, down = xt - other, other - xt  # x minus the other logit, and the reverse
            generator = term(loss.g_fake, up) + term(loss.g_real, down)
            d_real = term(loss.d_real, up) + term(loss.d_fake, down)
            d_fake = term(loss.d_real, down) + term(loss.d_fake, up)
        frames.append(pd.DataFrame({"loss": name, "logit": x, "generator": generator,
                                    "discriminator_real": d_real, "discriminator_fake": d_fake}))
    return pd.concat(frames, ignore_index=True)


__all__ = ["LOSSES", "GANLoss", "categorical_crossentropy", "clip_weights", "get_loss", "gradient_penalty",
           "hinge", "least_squares", "loss_curves", "minimax", "non_saturating", "relativistic",
           "relativistic_average", "smooth_labels", "wasserstein", "wgan_gp"]
