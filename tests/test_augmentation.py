"""Text augmentations, instance noise, label smoothing and the consistency penalty (gan_text.augmentation)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import tensorflow as tf

from gan_text import augmentation as aug
from gan_text.errors import GanTextError
from gan_text.models import build_discriminator
from gan_text.training.losses import LOSSES, get_loss, smooth_labels
from gan_text.vocabulary import BOS_ID, EOS_ID, PAD_ID, UNK_ID

VOCAB, SEQ_LEN = 40, 12
FIRST_WORD = 4


def sentences(n=2000, seed=0, min_words=1, max_words=SEQ_LEN - 1, bos=False) -> np.ndarray:
    """Rows of distinct words (so every move can be traced), then <eos>, then <pad>."""
    rng = np.random.default_rng(seed)
    out = np.full((n, SEQ_LEN), PAD_ID, dtype=np.int32)
    start = 1 if bos else 0
    for row in out:
        n_words = rng.integers(min_words, max_words - start + 1)
        row[:start] = BOS_ID
        row[start:start + n_words] = rng.choice(np.arange(FIRST_WORD, VOCAB), size=n_words, replace=False)
        row[start + n_words] = EOS_ID
    return out


def words_of(row: np.ndarray) -> np.ndarray:
    end = np.flatnonzero(row == EOS_ID)[0]
    return row[:end][row[:end] != BOS_ID]


def within_binomial(successes: int, trials: int, p: float, sigmas: float = 5.0) -> bool:
    return abs(successes - trials * p) <= sigmas * math.sqrt(trials * p * (1 - p)) + 1


def special_positions_untouched(before: np.ndarray, after: np.ndarray) -> bool:
    mask = aug.word_mask(before).numpy()
    return np.array_equal(before[~mask], after[~mask])


# --- the word mask and seeds ------------------------------------------------------------------------------

def test_word_mask_marks_the_words_before_the_first_eos():
    tokens = [[5, 6, 2, 0, 0], [1, 7, 3, 2, 0], [8, 9, 10, 11, 12], [2, 5, 2, 0, 0]]
    expected = [[1, 1, 0, 0, 0], [0, 1, 1, 0, 0], [1, 1, 1, 1, 1], [0, 0, 0, 0, 0]]
    np.testing.assert_array_equal(aug.word_mask(tokens).numpy(), np.array(expected, dtype=bool))


def test_as_seed_makes_a_two_element_seed():
    assert aug.as_seed(7).numpy().tolist() == [7, 0]
    assert aug.as_seed(7, 3).numpy().tolist() == [7, 3]
    assert aug.as_seed(tf.constant([1, 2], tf.int32)).dtype == tf.int64
    with pytest.raises(GanTextError, match=r"seed must be an int or a \(2,\) int tensor, got 'a'"):
        aug.as_seed("a")
    with pytest.raises(GanTextError, match=r"a stateless seed has shape \(2,\), got \(3,\)"):
        aug.as_seed(tf.constant([1, 2, 3]))


# --- each augmentation ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("rate", [0.1, 0.4])
def test_word_dropout_replaces_words_by_unk_at_the_rate(rate):
    tokens = sentences()
    out = aug.word_dropout(tokens, rate, aug.as_seed(1)).numpy()
    assert out.shape == tokens.shape and out.dtype == np.int32
    words = aug.word_mask(tokens).numpy()
    dropped = words & (out == UNK_ID)
    assert within_binomial(int(dropped.sum()), int(words.sum()), rate)
    assert np.array_equal(out[words & ~dropped], tokens[words & ~dropped])  # the others stay
    assert special_positions_untouched(tokens, out)


def test_swap_neighbours_permutes_words_by_adjacent_swaps_at_the_rate():
    rate, n_words = 0.3, 9
    tokens = sentences(min_words=n_words, max_words=n_words)
    out = aug.swap_neighbours(tokens, rate, aug.as_seed(2)).numpy()
    assert out.shape == tokens.shape and special_positions_untouched(tokens, out)
    swaps = 0
    for before, after in zip(tokens, out, strict=True):
        assert sorted(words_of(before)) == sorted(words_of(after))  # a permutation of the words
        moved = np.flatnonzero(before != after)
        assert len(moved) % 2 == 0
        for i, j in zip(moved[::2], moved[1::2], strict=True):  # disjoint pairs of neighbours, exchanged
            assert j == i + 1 and after[i] == before[j] and after[j] == before[i]
        swaps += len(moved) // 2
    # Expected swaps per row by hand: pair i is swapped with p_i = rate * (1 - p_{i-1}), p_0 = rate.
    p, expected = 0.0, 0.0
    for _ in range(n_words - 1):
        p = rate * (1 - p)
        expected += p
    n = len(tokens)
    assert abs(swaps / n - expected) < 5 * math.sqrt((n_words - 1) / 4 / n)


def test_crop_span_keeps_a_contiguous_span_then_eos_and_padding():
    rate = 0.3
    tokens = sentences(min_words=1)
    out = aug.crop_span(tokens, rate, aug.as_seed(3)).numpy()
    assert out.shape == tokens.shape and out.dtype == np.int32
    croppable = cropped = 0
    for before, after in zip(tokens, out, strict=True):
        old, new = list(words_of(before)), list(words_of(after))
        if len(old) < 2:
            assert np.array_equal(before, after)
            continue
        croppable += 1
        if np.array_equal(before, after):
            continue
        cropped += 1
        k = len(new)
        assert math.ceil(len(old) / 2) <= k <= len(old) - 1
        assert any(old[s:s + k] == new for s in range(len(old) - k + 1))  # a contiguous span
        assert after[k] == EOS_ID and np.all(after[k + 1:] == PAD_ID)
    assert within_binomial(cropped, croppable, rate)


def test_crop_span_keeps_a_leading_bos_and_one_word_sentences():
    tokens = sentences(n=200, bos=True, min_words=2)
    out = aug.crop_span(tokens, 0.99, aug.as_seed(4)).numpy()
    assert np.all(out[:, 0] == BOS_ID) and not np.array_equal(out, tokens)
    single = np.array([[9, EOS_ID, PAD_ID, PAD_ID]] * 5, dtype=np.int32)
    np.testing.assert_array_equal(aug.crop_span(single, 1.0, aug.as_seed(0)).numpy(), single)


def test_unigram_distribution_counts_the_words_only():
    tokens = [[5, 6, 5, 2, 0], [1, 6, 3, 2, 0]]  # words: 5, 6, 5 | 6, <unk>
    expected = np.zeros(8)
    expected[[5, 6, UNK_ID]] = [2 / 5, 2 / 5, 1 / 5]
    np.testing.assert_allclose(aug.unigram_distribution(tokens, 8), expected, rtol=1e-6)
    assert aug.unigram_distribution(tokens, 8).dtype == np.float32


def test_replace_tokens_replaces_words_at_the_rate():
    rate = 0.25
    tokens = np.full((1000, SEQ_LEN), PAD_ID, dtype=np.int32)
    tokens[:, :8], tokens[:, 8] = 4, EOS_ID  # eight words "4", which the unigram never draws
    unigram = np.zeros(VOCAB)
    unigram[5:10] = 1.0
    out = aug.replace_tokens(tokens, rate, aug.as_seed(5), unigram).numpy()
    assert special_positions_untouched(tokens, out)
    changed = out[:, :8] != 4
    assert within_binomial(int(changed.sum()), changed.size, rate)
    assert set(np.unique(out[:, :8][changed])) <= set(range(5, 10))


def test_replace_tokens_draws_follow_the_unigram_distribution():
    tokens = sentences(n=3000, min_words=SEQ_LEN - 1)
    unigram = np.zeros(VOCAB)
    unigram[[4, 10, 20, 30]] = [0.1, 0.2, 0.3, 0.4]
    out = aug.replace_tokens(tokens, 1.0, aug.as_seed(6), unigram).numpy()
    draws = out[aug.word_mask(tokens).numpy()]
    counts = np.bincount(draws, minlength=VOCAB)
    assert counts.sum() == counts[[4, 10, 20, 30]].sum()  # never an id of probability 0
    for word, p in zip([4, 10, 20, 30], [0.1, 0.2, 0.3, 0.4], strict=True):
        assert within_binomial(int(counts[word]), draws.size, p)


# --- chaining, determinism, tf.data and tf.function ------------------------------------------------------

RATES = {"word_dropout": 0.2, "swap": 0.2, "crop": 0.3, "replace": 0.2}


def test_rates_of_zero_return_the_input_unchanged():
    tokens = sentences(n=50)
    unigram = aug.unigram_distribution(tokens, VOCAB)
    np.testing.assert_array_equal(aug.augment_tokens(tokens, aug.as_seed(0)).numpy(), tokens)
    for fn, extra in ((aug.word_dropout, {}), (aug.swap_neighbours, {}), (aug.crop_span, {}),
                      (aug.replace_tokens, {"unigram": unigram})):
        np.testing.assert_array_equal(fn(tokens, 0.0, aug.as_seed(0), **extra).numpy(), tokens)


def test_same_seed_same_augmentation_other_seed_differs():
    tokens = sentences(n=200)
    unigram = aug.unigram_distribution(tokens, VOCAB)

    def run(seed):
        return aug.augment_tokens(tokens, aug.as_seed(seed), unigram=unigram, **RATES).numpy()

    first = run(0)
    np.testing.assert_array_equal(first, run(0))
    assert not np.array_equal(first, run(1))
    assert not np.array_equal(first, tokens)
    assert special_positions_untouched(tokens, aug.augment_tokens(tokens, aug.as_seed(0), swap=0.5).numpy())


def test_works_inside_dataset_map_and_tf_function():
    tokens = sentences(n=64)
    unigram = aug.unigram_distribution(tokens, VOCAB)

    def augment(batch, seed):
        return aug.augment_tokens(batch, seed, unigram=unigram, **RATES)

    eager = [augment(tokens[i:i + 16], aug.as_seed(9, i // 16)).numpy() for i in range(0, 64, 16)]
    ds = tf.data.Dataset.from_tensor_slices(tokens).batch(16).enumerate()
    mapped = [b.numpy() for b in ds.map(lambda i, batch: augment(batch, aug.as_seed(9, i)))]
    compiled = tf.function(augment)
    traced = [compiled(tf.constant(tokens[i:i + 16]), aug.as_seed(9, i // 16)).numpy() for i in range(0, 64, 16)]
    for a, b, c in zip(eager, mapped, traced, strict=True):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)


# --- noise, smoothing, consistency ------------------------------------------------------------------------------

def test_instance_noise_adds_gaussian_noise_of_the_given_std():
    onehot = tf.one_hot(sentences(n=500), VOCAB)
    noisy = aug.instance_noise(onehot, 0.3, aug.as_seed(0))
    noise = (noisy - onehot).numpy()
    assert noisy.shape == onehot.shape and noisy.dtype == tf.float32
    assert abs(noise.mean()) < 0.01 and noise.std() == pytest.approx(0.3, rel=0.01)
    np.testing.assert_array_equal(noisy.numpy(), aug.instance_noise(onehot, 0.3, aug.as_seed(0)).numpy())
    assert aug.instance_noise(onehot, 0.0, aug.as_seed(0)) is onehot
    with pytest.raises(GanTextError, match="instance noise is added to float inputs, got int32"):
        aug.instance_noise(sentences(n=2), 0.1, aug.as_seed(0))
    with pytest.raises(GanTextError, match=r"std must be a number >= 0, got -1"):
        aug.instance_noise(onehot, -1, aug.as_seed(0))


def test_noise_std_falls_linearly_to_zero_over_the_steps():
    expected = {0: 0.2, 100: 0.15, 200: 0.1, 399: 0.2 / 400, 400: 0.0, 500: 0.0}
    for step, value in expected.items():
        assert aug.noise_std_at(step, 400, 0.2) == pytest.approx(value, abs=1e-12)
        assert float(aug.noise_std_at(tf.constant(step, tf.int64), 400, 0.2)) == pytest.approx(value, abs=1e-7)
    with pytest.raises(GanTextError, match="steps must be the number of adversarial steps"):
        aug.noise_std_at(0, 0, 0.2)


@pytest.mark.parametrize("name", ["minimax", "non_saturating", "categorical_crossentropy", "relativistic",
                                  "relativistic_average", "least_squares"])
def test_label_smoothing_changes_d_loss_by_the_hand_computed_amount(name):
    s, t = 0.1, 0.9
    r, f = np.array([0.5, -1.0, 2.0], np.float32), np.array([-0.3, 0.4, 1.0], np.float32)
    plain, smoothed = get_loss(name), smooth_labels(name, s)
    diff = float(smoothed.d_loss(r, f)) - float(plain.d_loss(r, f))
    # Cross-entropy with target t minus with target 1 is s * (softplus(x) - softplus(-x)) = s * x, where x
    # is what the real term sees; least squares: (x - t)² - (x - 1)² = (1 - t)(2x - 1 - t).
    x = {"relativistic": r - f, "relativistic_average": r - f.mean()}.get(name, r)
    expected = np.mean((1 - t) * (2 * x - 1 - t)) if name == "least_squares" else s * np.mean(x)
    assert diff == pytest.approx(expected, abs=1e-5)
    assert float(smoothed.g_loss(r, f)) == pytest.approx(float(plain.g_loss(r, f)))  # only D's loss changes
    assert smoothed.label_smoothing == s and smooth_labels(name, 0.0) is plain


@pytest.mark.parametrize("name", ["wasserstein", "wgan_gp", "hinge"])
def test_label_smoothing_is_refused_where_there_is_no_real_target(name):
    with pytest.raises(GanTextError, match=f"label smoothing needs a loss with a real target.*'{name}' has none"):
        smooth_labels(name, 0.1)


def test_label_smoothing_errors():
    assert set(LOSSES) == {"minimax", "non_saturating", "least_squares", "wasserstein", "wgan_gp", "hinge",
                           "relativistic", "relativistic_average", "categorical_crossentropy"}  # a new loss needs a decision here
    with pytest.raises(GanTextError, match=r"label_smoothing must be a fraction in \[0, 1\), got 1"):
        smooth_labels("minimax", 1)
    with pytest.raises(GanTextError, match="already smoothed"):
        smooth_labels(smooth_labels("minimax", 0.1), 0.1)


def test_consistency_penalty_by_hand_and_zero_for_identical_inputs():
    def summing(x, training=None):  # a "discriminator" whose logit is the sum of the ids
        return tf.reduce_sum(tf.cast(x, tf.float32), axis=1, keepdims=True)

    x = np.array([[5, 6, 2], [7, 8, 2]])
    y = np.array([[5, 3, 2], [8, 7, 2]])  # sums differ by 3 and by 0
    assert float(aug.consistency_penalty(summing, x, y)) == pytest.approx((3 ** 2 + 0 ** 2) / 2)

    d = build_discriminator("relgan", VOCAB, SEQ_LEN, num_rep=4, emb_dim=2, filter_sizes=(2, 3),
                            num_filters=4, hidden_dim=8, dropout=0.5)
    tokens = sentences(n=8)
    assert float(aug.consistency_penalty(d, tokens, tokens)) == 0.0  # dropout off by default
    moved = aug.consistency_penalty(d, tokens, aug.word_dropout(tokens, 0.5, aug.as_seed(0)))
    logits = d(tokens), d(aug.word_dropout(tokens, 0.5, aug.as_seed(0)))
    assert float(moved) == pytest.approx(float(np.mean((logits[0] - logits[1]) ** 2)), rel=1e-5) and moved > 0


# --- user errors --------------------------------------------------------------------------------------------------

def test_errors_say_what_to_do():
    tokens = sentences(n=4)
    with pytest.raises(GanTextError, match=r"rate must be a number in \[0, 1\], got 1.5; pass e.g. rate=0.1"):
        aug.word_dropout(tokens, 1.5, aug.as_seed(0))
    with pytest.raises(GanTextError, match=r"crop must be a number in \[0, 1\], got -0.1"):
        aug.augment_tokens(tokens, aug.as_seed(0), crop=-0.1)
    with pytest.raises(GanTextError, match=r"augmentations take integer tokens \(batch, seq_len\), got shape \(12,\)"):
        aug.swap_neighbours(tokens[0], 0.1, aug.as_seed(0))
    with pytest.raises(GanTextError, match="replace_tokens needs the unigram distribution"):
        aug.augment_tokens(tokens, aug.as_seed(0), replace=0.1)
    with pytest.raises(GanTextError, match="unigram must be a vector of non-negative word probabilities"):
        aug.replace_tokens(tokens, 0.1, aug.as_seed(0), np.zeros(VOCAB))
    with pytest.raises(GanTextError, match="train_tokens hold no words"):
        aug.unigram_distribution(np.zeros((0, SEQ_LEN), np.int32), VOCAB)
    with pytest.raises(GanTextError, match="train_tokens contain id 39 but vocab_size=10"):
        aug.unigram_distribution(np.array([[39, 2]]), 10)
    with pytest.raises(GanTextError, match="vocab_size must be a whole number >= 5"):
        aug.unigram_distribution(tokens, 2)


def test_ablation_settings_name_one_option_each():
    settings = aug.ablation_settings()
    assert list(settings) == ["none", "word_dropout", "swap", "crop", "replace", "instance_noise",
                              "label_smoothing", "consistency"]
    assert settings["none"] == {} and all(settings[name] for name in settings if name != "none")
    assert settings["consistency"]["consistency_weight"] > 0
