"""`gan_text.training.keras2_idiom`: the Keras 2 GAN loop, and the check that under Keras 3 a discriminator
frozen before its first `train_on_batch` never trains (notebook 04's second diagnosis)."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from gan_text.models import build_discriminator, build_generator
from gan_text.training.keras2_idiom import FrozenIdiomCheck, Keras2Loop, changed, frozen_idiom_check

VOCAB, SEQ_LEN, BATCH = 30, 6, 8


def models(d_kind="seed"):
    keras.utils.set_random_seed(0)
    generator = build_generator("seed", VOCAB, SEQ_LEN, noise_dim=8, hidden_dim=8)
    d_sizes = {"hidden_dim": 8} if d_kind == "seed" else {}
    discriminator = build_discriminator(d_kind, VOCAB, SEQ_LEN, emb_dim=8, **d_sizes)
    return generator, discriminator


def tokens():
    return np.random.default_rng(0).integers(4, VOCAB, size=(BATCH, SEQ_LEN)).astype(np.int32)


def test_frozen_before_the_first_call_d_never_trains_and_keras_only_warns():
    check = frozen_idiom_check(*models(), tokens(), toggle=False)
    assert isinstance(check, FrozenIdiomCheck) and check.toggle is False
    assert not check.d_moved  # train_on_batch ran and returned a loss ...
    assert np.isfinite(check.d_loss) and check.d_loss > 0
    assert check.g_moved and np.isfinite(check.g_loss)  # ... while the combined model trained G as usual
    assert any("does not have any trainable weights" in w for w in check.warnings)


@pytest.mark.parametrize("d_kind", ["seed", "cnn"])
def test_toggling_trainable_around_d_calls_trains_both(d_kind):
    check = frozen_idiom_check(*models(d_kind), tokens(), toggle=True)
    assert check.d_moved and check.g_moved
    assert not any("trainable weights" in w for w in check.warnings)


def test_the_loop_makes_two_d_updates_and_one_g_update_per_step():
    generator, discriminator = models()
    loop = Keras2Loop(generator, discriminator, toggle=True)
    assert loop.label_shape == (SEQ_LEN, 1)  # the seed discriminator: one logit per position
    rng = np.random.default_rng(1)
    noise = [rng.standard_normal((BATCH, generator.noise_dim)).astype(np.float32) for _ in range(2)]
    onehot = np.eye(VOCAB, dtype=np.float32)[tokens()]
    d_loss, g_loss = loop.step(onehot, *noise)
    assert int(discriminator.optimizer.iterations) == 2 and int(loop.combined.optimizer.iterations) == 1
    assert loop.labels(BATCH, 1.0).shape == (BATCH, SEQ_LEN, 1) and (loop.labels(BATCH, 0.0) == 0).all()
    assert np.isfinite(d_loss) and np.isfinite(g_loss)
    assert discriminator.trainable is False  # frozen again after D's calls, as the tutorials left it


def test_a_sentence_level_discriminator_gets_one_label_per_sentence():
    loop = Keras2Loop(*models("cnn"))
    assert loop.label_shape == (1,)


def test_changed_compares_every_array():
    a = [np.zeros(3), np.ones((2, 2))]
    assert not changed(a, [x.copy() for x in a])
    b = [np.zeros(3), np.ones((2, 2))]
    b[1][1, 1] = 1.0 + 1e-7
    assert changed(a, b)
    with pytest.raises(ValueError):  # a different number of arrays is a bug, not "changed"
        changed(a, a[:1])
