"""Saving and reloading: every generator kind, the language model and a discriminator."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_text.errors import GanTextError
from gan_text.models.autoregressive import teacher_forcing_inputs
from gan_text.models.generators import GENERATORS, build_generator
from gan_text.models.language_model import LanguageModel
from gan_text.models.saving import load_model, save_model
from gan_text.vocabulary import Vocabulary

VOCAB = Vocabulary([f"w{i}" for i in range(26)])  # 30 ids with the specials
SEQ_LEN = 8
SMALL_HP = {"seed": {"noise_dim": 8, "hidden_dim": 16}, "cnn": {"noise_dim": 8, "num_blocks": 2},
            "rnn": {"cell": "gru", "hidden_dim": 16}, "transformer": {"num_layers": 1}}
TOKENS = np.random.default_rng(0).integers(4, len(VOCAB), (16, SEQ_LEN)).astype(np.int32)


def perturb(model):
    """Move every weight away from its initial value, so a reload that re-initialises is caught."""
    for i, var in enumerate(model.trainable_variables):
        var.assign(var + 0.1 * tf.random.stateless_normal(var.shape, seed=[i, 0]))


@pytest.mark.parametrize("kind", GENERATORS)
def test_every_generator_reloads_with_identical_outputs_config_and_vocab(kind, tmp_path):
    g = build_generator(kind, len(VOCAB), SEQ_LEN, **SMALL_HP[kind])
    perturb(g)
    if g.autoregressive:
        g.sample(4, seed=0)  # a traced sampler must not get in the way of saving
        inputs = teacher_forcing_inputs(TOKENS)
    else:
        inputs = g.sample_noise(16, seed=0)
    save_model(g, tmp_path, vocab=VOCAB, hyperparameters={"learning_rate": 1e-3})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json", "model.keras", "vocab.json"]

    loaded, vocab, config = load_model(tmp_path)
    assert type(loaded) is type(g) and vocab == VOCAB
    assert (loaded.kind, loaded.vocab_size, loaded.seq_len) == (kind, len(VOCAB), SEQ_LEN)
    assert loaded.hyperparameters == g.hyperparameters
    assert config["kind"] == kind and config["params"] == g.count_params() > 0
    assert config["hyperparameters"] == json.loads(json.dumps(g.hyperparameters))
    assert config["extra"] == {"learning_rate": 1e-3}
    np.testing.assert_array_equal(loaded(inputs), g(inputs))
    np.testing.assert_array_equal(loaded.sample(8, seed=3), g.sample(8, seed=3))
    if g.autoregressive:
        for a, b in zip(loaded.gumbel_sample(8, beta=2.0, seed=4), g.gumbel_sample(8, beta=2.0, seed=4),
                        strict=True):
            np.testing.assert_array_equal(a, b)


def test_language_model_reloads_trained_and_keeps_training(tmp_path):
    keras.utils.set_random_seed(0)
    lm = LanguageModel(build_generator("rnn", len(VOCAB), SEQ_LEN, hidden_dim=16))
    lm.compile(optimizer=keras.optimizers.Adam(1e-2))
    ds = tf.data.Dataset.from_tensor_slices(TOKENS).batch(8)
    lm.fit(ds, epochs=2, verbose=0)
    save_model(lm, tmp_path / "lm", vocab=VOCAB)

    loaded, vocab, config = load_model(tmp_path / "lm")
    assert isinstance(loaded, LanguageModel) and vocab == VOCAB
    assert config["class"] == "LanguageModel" and config["kind"] == "rnn"
    assert loaded.nll(TOKENS) == lm.nll(TOKENS)
    np.testing.assert_array_equal(loaded.sample(8, seed=1), lm.sample(8, seed=1))
    assert int(loaded.optimizer.iterations) == int(lm.optimizer.iterations) == 4
    before = loaded.nll(TOKENS)
    loaded.fit(ds, epochs=3, verbose=0)
    assert loaded.nll(TOKENS) < before


def test_a_discriminator_saves_and_reloads_too(tmp_path):
    from gan_text.models.discriminators import build_discriminator

    d = build_discriminator("cnn", len(VOCAB), SEQ_LEN)
    save_model(d, tmp_path)
    loaded, vocab, config = load_model(tmp_path)
    assert vocab is None and config["kind"] == "cnn" and config["class"] == type(d).__name__
    np.testing.assert_array_equal(loaded(TOKENS), d(TOKENS))


def test_saving_again_without_a_vocabulary_forgets_the_old_one(tmp_path):
    g = build_generator("rnn", len(VOCAB), SEQ_LEN)
    save_model(g, tmp_path, vocab=VOCAB)
    save_model(g, tmp_path)
    assert load_model(tmp_path)[1] is None
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no scratch files left


def test_saving_and_loading_mistakes_are_explained(tmp_path):
    g = build_generator("rnn", len(VOCAB), SEQ_LEN)
    with pytest.raises(GanTextError, match="vocabulary has 6 tokens but the model expects 30"):
        save_model(g, tmp_path / "a", vocab=Vocabulary(["x", "y"]))
    with pytest.raises(GanTextError, match="expects a Keras model"):
        save_model("not a model", tmp_path / "b")
    with pytest.raises(GanTextError, match="no saved model in"):
        load_model(tmp_path / "missing")
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "config.json").write_text("{}")
    (tmp_path / "c" / "model.keras").write_text("")
    with pytest.raises(GanTextError, match="not written by gan_text"):
        load_model(tmp_path / "c")
