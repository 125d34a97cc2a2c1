"""Data augmentation for text GANs: small random edits of real sentences, and noise for the discriminator.

Image GANs train better when their discriminator cannot memorise the real images: flips, crops and
colour jitter (Zhao et al., 2020, "Differentiable Augmentation for Data-Efficient GAN Training";
Karras et al., 2020, "Training GANs with Limited Data"). Text has its own counterparts, each a function
of an int32 token batch ``(batch, seq_len)`` laid out as :func:`gan_text.dataset.make_dataset` makes it
(words, ``<eos>``, ``<pad>``...). Only *words* change: the tokens before the first ``<eos>`` that are
not ``<pad>``, ``<bos>`` or ``<eos>`` (:func:`word_mask`); every row keeps its length ``seq_len``.

==================  ======================================================  ===============================
function            what it does to ``the cat sat on the mat``              image counterpart
==================  ======================================================  ===============================
``word_dropout``    ``the <unk> sat on the mat`` (words -> ``<unk>``)        cutout / random erasing
``swap_neighbours`` ``the sat cat on the mat`` (adjacent words swapped)      small translations
``crop_span``       ``cat sat on the`` (a contiguous span of the words)      random crop
``replace_tokens``  ``the cat sat in the mat`` (words drawn from unigrams)   colour jitter
==================  ======================================================  ===============================

For the discriminator itself: :func:`instance_noise` with :func:`noise_std_at` (Gaussian noise on its
one-hot or soft inputs, annealed to 0) and :func:`consistency_penalty` (its logits should not change
under augmentation). One-sided label smoothing is a change of the loss:
:func:`gan_text.training.losses.smooth_labels`. :class:`gan_text.training.regularised.RegularisedGAN` takes them
all as options, and the ``relgan`` recipe as overrides (:func:`ablation_settings` lists one of each).

**Randomness.** Every function takes a *stateless* ``seed``: a (2,) int tensor as ``tf.random.stateless_*``
takes (an int is turned into one by :func:`as_seed`). The same seed gives the same output, so the
functions run inside ``tf.data.Dataset.map`` and inside a compiled ``train_step`` with exact results.
A rate of 0 returns the input unchanged.

>>> tokens = [[5, 6, 7, 8, 2, 0]]                        # four words, <eos>, <pad>
>>> word_dropout(tokens, 0.5, as_seed(0)).numpy().tolist()  # <unk> is id 3
[[3, 6, 7, 8, 2, 0]]
"""

from __future__ import annotations

import math

import numpy as np
import tensorflow as tf

from .errors import GanTextError
from .vocabulary import BOS_ID, EOS_ID, PAD_ID, UNK_ID

SEED_DTYPE = tf.int64


# --- checks and seeds ------------------------------------------------------------------------------

def _number(name: str, value, low: float, high: float, example: float, closed: bool = True) -> float:
    """``value`` as a float in [low, high] (or [low, high) when ``closed`` is False), else GanTextError."""
    ok = isinstance(value, int | float | np.floating | np.integer) and not isinstance(value, bool)
    if ok:
        ok = math.isfinite(value) and low <= value and (value <= high if closed else value < high)
    if not ok:
        span = f"[{low:g}, {high:g}{']' if closed else ')'}" if math.isfinite(high) else f">= {low:g}"
        what = f"a number in {span}" if math.isfinite(high) else f"a number {span}"
        raise GanTextError(f"{name} must be {what}, got {value!r}; pass e.g. {name}={example:g}")
    return float(value)


def _is_tensor(x) -> bool:
    """True for TensorFlow tensors (eager or symbolic) and variables (TensorFlow's or Keras's)."""
    return tf.is_tensor(x) or isinstance(x, tf.Variable) or hasattr(x, "value") and tf.is_tensor(x.value)


def as_seed(seed, index=0) -> tf.Tensor:
    """A stateless seed ``[seed, index]``, int64 (2,), from an int (and an optional int or int tensor).

    ``as_seed(7)`` is a fixed seed; inside ``Dataset.map`` use the element's index as the second part
    (``ds.enumerate().map(lambda i, x: word_dropout(x, 0.1, as_seed(7, i)))``) so that every batch
    gets its own draw. A (2,) tensor passed as ``seed`` is returned as int64.
    """
    if _is_tensor(seed) or isinstance(seed, np.ndarray):
        seed = tf.cast(seed, SEED_DTYPE)
        if seed.shape.rank == 1:
            if seed.shape[0] not in (None, 2):
                raise GanTextError(f"a stateless seed has shape (2,), got {tuple(seed.shape)}; pass "
                                   "as_seed(an int)")
            return seed
    elif isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise GanTextError(f"seed must be an int or a (2,) int tensor, got {seed!r}; pass e.g. as_seed(0)")
    return tf.stack([tf.cast(seed, SEED_DTYPE), tf.cast(index, SEED_DTYPE)])


def _sub_seed(seed, k: int) -> tf.Tensor:
    """An independent seed number ``k`` derived from ``seed``."""
    return tf.random.experimental.stateless_fold_in(as_seed(seed), tf.constant(k, SEED_DTYPE))


def _tokens(tokens) -> tf.Tensor:
    tokens = tf.convert_to_tensor(tokens)
    if tokens.shape.rank != 2 or not tokens.dtype.is_integer:
        raise GanTextError(f"augmentations take integer tokens (batch, seq_len), got shape "
                           f"{tuple(tokens.shape)} of {tokens.dtype.name}; batch the dataset first")
    return tf.cast(tokens, tf.int32)


def word_mask(tokens) -> tf.Tensor:
    """bool (batch, seq_len): True at the words, the tokens before the first ``<eos>`` that are not
    ``<pad>``, ``<bos>`` or ``<eos>``. ``word_mask([[5, 6, 2, 0]])`` is ``[[True, True, False, False]]``."""
    tokens = _tokens(tokens)
    before_eos = tf.equal(tf.cumsum(tf.cast(tf.equal(tokens, EOS_ID), tf.int32), axis=1), 0)
    special = tf.equal(tokens, PAD_ID) | tf.equal(tokens, BOS_ID)
    return before_eos & ~special


# --- token augmentations ---------------------------------------------------------------------------------

def word_dropout(tokens, rate: float, seed, *, unk_id: int = UNK_ID) -> tf.Tensor:
    """Replace each word by ``<unk>`` with probability ``rate``; int32 (batch, seq_len).

    ``the cat sat on the mat`` -> ``the <unk> sat on the mat``. Specials and padding never change.
    The word dropout of Bowman et al. (2016, "Generating Sentences from a Continuous Space",
    section 3.3), used there to weaken a decoder's reliance on the previous words.
    ``unk_id``: the id written instead (``vocab.unk_id``; 3 in every gan_text vocabulary).
    """
    tokens = _tokens(tokens)
    rate = _number("rate", rate, 0.0, 1.0, 0.1)
    if rate == 0.0:
        return tokens
    u = tf.random.stateless_uniform(tf.shape(tokens), seed=as_seed(seed))
    return tf.where(word_mask(tokens) & (u < rate), tf.cast(unk_id, tf.int32), tokens)


def swap_neighbours(tokens, rate: float, seed) -> tf.Tensor:
    """Swap adjacent words at random; int32 (batch, seq_len).

    ``the cat sat on the mat`` -> ``the sat cat on the mat``. Each pair of adjacent words (i, i+1) is
    picked with probability ``rate``; in a run of consecutive picked pairs the 1st, 3rd, ... are
    swapped (read from the left: a word moves by one place at most). The words of each sentence are
    permuted, never across ``<eos>`` or padding. The "local shuffle" noise of Lample et al. (2018,
    "Unsupervised Machine Translation Using Monolingual Corpora Only", section 2.3) at distance one; the
    random swap of Wei & Zou (2019, "EDA: Easy Data Augmentation Techniques") limited to neighbours.
    """
    tokens = _tokens(tokens)
    rate = _number("rate", rate, 0.0, 1.0, 0.1)
    if rate == 0.0:
        return tokens
    words = word_mask(tokens)
    pairs = words[:, :-1] & words[:, 1:]  # (batch, seq_len - 1): both words
    u = tf.random.stateless_uniform(tf.shape(pairs), seed=as_seed(seed))
    picked = tf.transpose(pairs & (u < rate))  # (seq_len - 1, batch): scan along the sentence
    # A pair is swapped when picked and its left neighbour pair was not swapped.
    swapped = tf.scan(lambda previous, now: now & ~previous, picked,
                      initializer=tf.zeros_like(picked[0]))
    swapped = tf.cast(tf.transpose(swapped), tf.int32)
    left = tf.pad(swapped, [[0, 0], [0, 1]])  # position i takes the word at i + 1
    right = tf.pad(swapped, [[0, 0], [1, 0]])  # position i takes the word at i - 1
    source = tf.range(tf.shape(tokens)[1])[None, :] + left - right
    return tf.gather(tokens, source, batch_dims=1)


def crop_span(tokens, rate: float, seed, *, min_fraction: float = 0.5) -> tf.Tensor:
    """With probability ``rate`` per sentence, keep a random contiguous span of its words; int32.

    ``the cat sat on the mat`` -> ``cat sat on the`` (then ``<eos>`` and padding: the row keeps its
    length ``seq_len``). A cropped sentence of n >= 2 words keeps k words, k uniform in
    ``[max(1, ceil(min_fraction n)), n - 1]`` (so it always loses at least one word), starting at a
    uniform position; sentences of one word stay as they are, and so does a leading ``<bos>``. The text
    version of the random crop (Krizhevsky et al., 2012; Zhao et al., 2020 for GANs); it expects the
    ``make_dataset`` layout (words in one block before ``<eos>``).
    """
    tokens = _tokens(tokens)
    rate = _number("rate", rate, 0.0, 1.0, 0.1)
    min_fraction = _number("min_fraction", min_fraction, 0.0, 1.0, 0.5)
    if rate == 0.0:
        return tokens
    batch, seq_len = tf.shape(tokens)[0], tf.shape(tokens)[1]
    n = tf.reduce_sum(tf.cast(word_mask(tokens), tf.int32), axis=1)  # words per row
    offset = tf.cast(tf.equal(tokens[:, 0], BOS_ID), tf.int32)  # a leading <bos> stays
    u = [tf.random.stateless_uniform([batch], seed=_sub_seed(seed, k)) for k in range(3)]
    chosen = (n >= 2) & (u[0] < rate)
    n_float = tf.cast(n, tf.float32)
    k_max = tf.maximum(n - 1, 1)
    k_min = tf.minimum(tf.maximum(tf.cast(tf.math.ceil(min_fraction * n_float), tf.int32), 1), k_max)
    k = tf.minimum(k_min + tf.cast(u[1] * tf.cast(k_max - k_min + 1, tf.float32), tf.int32), k_max)
    start = tf.minimum(tf.cast(u[2] * tf.cast(n - k + 1, tf.float32), tf.int32), tf.maximum(n - k, 0))
    position = tf.range(seq_len)[None, :] - offset[:, None]  # index among the words
    source = tf.clip_by_value(offset[:, None] + start[:, None] + position, 0, seq_len - 1)
    kept = tf.gather(tokens, source, batch_dims=1)
    cropped = tf.where(position < 0, tokens,  # the <bos>
                       tf.where(position < k[:, None], kept,
                                tf.where(tf.equal(position, k[:, None]), EOS_ID, PAD_ID)))
    return tf.where(chosen[:, None], cropped, tokens)


def unigram_distribution(train_tokens, vocab_size: int) -> np.ndarray:
    """How often each id occurs among the words of ``train_tokens``: float32 (vocab_size,), sums to 1.

    ``train_tokens``: int array (n, seq_len) such as ``prepared.train_tokens``. ``<pad>``, ``<bos>`` and
    ``<eos>`` get probability 0 (they are never words); ``<unk>`` counts like any word. For
    :func:`replace_tokens`.
    """
    tokens = np.asarray(train_tokens)
    if tokens.ndim != 2 or (tokens.size and not np.issubdtype(tokens.dtype, np.integer)):
        raise GanTextError(f"train_tokens must be an integer array (n, seq_len), got shape {tokens.shape}; "
                           "pass prepared.train_tokens")
    if isinstance(vocab_size, bool) or not isinstance(vocab_size, int | np.integer) or vocab_size < 5:
        raise GanTextError(f"vocab_size must be a whole number >= 5 (the specials and a word), got "
                           f"{vocab_size!r}; pass len(vocab)")
    words = tokens[word_mask(tokens).numpy()] if tokens.size else tokens.reshape(-1)
    if words.size == 0:
        raise GanTextError("train_tokens hold no words to count; pass the training sentences "
                           "(prepared.train_tokens)")
    if words.min() < 0 or words.max() >= vocab_size:
        raise GanTextError(f"train_tokens contain id {words.max()} but vocab_size={vocab_size}; pass the "
                           "vocab_size of the vocabulary that made them")
    counts = np.bincount(words, minlength=int(vocab_size)).astype(np.float64)
    return (counts / counts.sum()).astype(np.float32)


def replace_tokens(tokens, rate: float, seed, unigram) -> tf.Tensor:
    """Replace each word, with probability ``rate``, by a word drawn from ``unigram``; int32.

    ``the cat sat on the mat`` -> ``the cat sat in the mat``. ``unigram``: float (vocab_size,) word
    probabilities (:func:`unigram_distribution`; any non-negative weights, normalised here). The draw
    may repeat the old word, so a word changes with probability ``rate * (1 - unigram[word])``. The
    unigram noise of Xie et al. (2017, "Data Noising as Smoothing in Neural Network Language Models"),
    the text counterpart of colour jitter. (:func:`gan_text.corruption.replace_tokens` is the NumPy
    corruption that makes fakes for notebook 03; this one is a rate-based augmentation for training.)
    """
    tokens = _tokens(tokens)
    rate = _number("rate", rate, 0.0, 1.0, 0.1)
    if rate == 0.0:
        return tokens
    if unigram is None:
        raise GanTextError("replace_tokens needs the unigram distribution; pass "
                           "unigram=unigram_distribution(prepared.train_tokens, len(vocab))")
    if isinstance(unigram, np.ndarray | list | tuple):  # tensors and variables are checked by their owner
        weights = np.asarray(unigram, dtype=np.float64)
        if weights.ndim != 1 or not np.all(np.isfinite(weights)) or weights.min() < 0 or weights.sum() <= 0:
            raise GanTextError("unigram must be a vector of non-negative word probabilities with a positive "
                               "sum; pass unigram_distribution(prepared.train_tokens, len(vocab))")
    cdf = tf.cumsum(tf.cast(tf.convert_to_tensor(unigram), tf.float32))
    pick = tf.random.stateless_uniform(tf.shape(tokens), seed=_sub_seed(seed, 0))
    u = tf.random.stateless_uniform([1, tf.size(tokens)], seed=_sub_seed(seed, 1)) * cdf[-1]
    # Inverse CDF: the first id whose cumulative probability exceeds u (never an id of probability 0).
    draws = tf.searchsorted(cdf[None, :], u, side="right", out_type=tf.int32)
    draws = tf.reshape(tf.minimum(draws, tf.size(cdf) - 1), tf.shape(tokens))
    return tf.where(word_mask(tokens) & (pick < rate), draws, tokens)


_AUGMENTATIONS = {"crop": crop_span, "swap": swap_neighbours, "replace": replace_tokens,
                  "word_dropout": word_dropout}


def augment_tokens(tokens, seed, *, word_dropout: float = 0.0, swap: float = 0.0, crop: float = 0.0,
                   replace: float = 0.0, unigram=None) -> tf.Tensor:
    """Chain the augmentations: ``crop_span``, ``swap_neighbours``, ``replace_tokens``, ``word_dropout``.

    Each runs at its own rate with its own seed derived from ``seed``; a rate of 0 skips it, so with
    every rate 0 the tokens come back unchanged. ``unigram`` is needed when ``replace > 0``.
    Returns int32 (batch, seq_len).

    >>> augment_tokens([[5, 6, 7, 2]], as_seed(0)).numpy().tolist()
    [[5, 6, 7, 2]]
    """
    tokens = _tokens(tokens)
    rates = {"crop": crop, "swap": swap, "replace": replace, "word_dropout": word_dropout}
    for k, (name, rate) in enumerate(rates.items()):
        if _number(name, rate, 0.0, 1.0, 0.1) > 0.0:
            extra = {"unigram": unigram} if name == "replace" else {}
            tokens = _AUGMENTATIONS[name](tokens, rate, _sub_seed(seed, k), **extra)
    return tokens


# --- noise and consistency for the discriminator ------------------------------------------------------------

def instance_noise(x, std, seed) -> tf.Tensor:
    """``x + std * N(0, 1)``: Gaussian noise on the discriminator's float input, of x's shape and dtype.

    ``x``: one-hot real or soft fake sentences, float (batch, seq_len, vocab_size); ``std``: a number
    or a float scalar tensor (:func:`noise_std_at` anneals it). A one-hot row ``[0, 1, 0]`` becomes
    e.g. ``[0.03, 0.94, -0.08]``. Blurring both distributions makes them overlap, so the discriminator
    cannot separate them perfectly and its gradients stay informative ("instance noise": Sønderby et al.,
    2017, "Amortised MAP Inference for Image Super-resolution"; Arjovsky & Bottou, 2017, "Towards
    Principled Methods for Training GANs").
    """
    x = tf.convert_to_tensor(x)
    if not x.dtype.is_floating:
        raise GanTextError(f"instance noise is added to float inputs, got {x.dtype.name}; pass one-hot "
                           "vectors (gt.dataset.to_onehot(tokens, vocab_size))")
    if not _is_tensor(std):
        if _number("std", std, 0.0, math.inf, 0.1) == 0.0:
            return x
    noise = tf.random.stateless_normal(tf.shape(x), seed=as_seed(seed), dtype=x.dtype)
    return x + tf.cast(std, x.dtype) * noise


def noise_std_at(step, steps: int, std: float):
    """The instance-noise std at adversarial step ``step`` (0-based): ``std * max(0, 1 - step / steps)``.

    Falls linearly from ``std`` at step 0 to 0 at step ``steps`` (the end of the phase) and stays 0.
    ``step``: an int (returns a float) or an int tensor such as the step counter (returns float32).
    ``noise_std_at(100, 400, 0.2)`` is 0.15.
    """
    std = _number("std", std, 0.0, math.inf, 0.1)
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 1:
        raise GanTextError(f"steps must be the number of adversarial steps (a whole number >= 1), got "
                           f"{steps!r}; pass the steps of the adversarial phase")
    if _is_tensor(step):
        left = 1.0 - tf.cast(step, tf.float32) / float(steps)
        return std * tf.clip_by_value(left, 0.0, 1.0)
    return std * min(1.0, max(0.0, 1.0 - float(step) / steps))


def consistency_penalty(discriminator, tokens, augmented_tokens, *, training: bool = False) -> tf.Tensor:
    """``E (D(x) - D(T(x)))²``: how much the discriminator's logits move under augmentation; float32 scalar.

    ``tokens``: real sentences x, int (batch, seq_len); ``augmented_tokens``: their augmentation T(x)
    (e.g. :func:`augment_tokens`); the mean runs over every logit (batch, and representations for the
    ``relgan`` discriminator). Added to the discriminator's loss with a weight λ, it teaches the
    discriminator that ``the cat sat on the mat`` and ``the <unk> sat on the mat`` deserve the same
    score, without ever calling the augmented sentence real or fake ("consistency regularisation":
    Zhang et al., 2020, "Consistency Regularization for Generative Adversarial Networks", eq. 1).
    ``training``: the discriminator's mode; the default False compares the two inputs with dropout off,
    so identical inputs give exactly 0.
    """
    real = tf.cast(discriminator(tokens, training=training), tf.float32)
    augmented = tf.cast(discriminator(augmented_tokens, training=training), tf.float32)
    return tf.reduce_mean(tf.square(real - augmented))


# --- settings for an ablation ------------------------------------------------------------------------------

def ablation_settings() -> dict[str, dict[str, float]]:
    """One moderate setting of each option, as ``relgan`` overrides: ``{name: overrides}``.

    ``"none"`` is the baseline (no overrides). For ``train("grammar", "relgan", **overrides)``.
    """
    return {
        "none": {},
        "word_dropout": {"word_dropout": 0.1},
        "swap": {"swap_rate": 0.1},
        "crop": {"crop_rate": 0.2},
        "replace": {"replace_rate": 0.1},
        "instance_noise": {"instance_noise": 0.1},
        "label_smoothing": {"label_smoothing": 0.1},
        "consistency": {"consistency_weight": 1.0, "word_dropout": 0.1, "swap_rate": 0.1},
    }


__all__ = ["ablation_settings", "as_seed", "augment_tokens", "consistency_penalty", "crop_span",
           "instance_noise", "noise_std_at", "replace_tokens", "swap_neighbours", "unigram_distribution",
           "word_dropout", "word_mask"]
