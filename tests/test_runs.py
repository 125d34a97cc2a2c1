"""The runner: run directories, exact resume, the NaN guard, refusing to overwrite, reloading a run.

Tiny recipes built here (a language model, a two-optimizer GAN, a model that blows up on purpose) keep
every test to seconds; tests/test_cli_train.py runs the real recipes through the command line.
"""

from __future__ import annotations

import json

import keras
import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

import gan_text as gt
from gan_text.corpora import load_corpus
from gan_text.errors import GanTextError, TrainingDiverged
from gan_text.models import LanguageModel, build_discriminator, build_generator
from gan_text.training import checkpoints as ckpt
from gan_text.training.callbacks import sample_metrics
from gan_text.training.phases import Phase, Recipe
from gan_text.training.runner import segments
from gan_text.training.runs import load_run, train
from gan_text.vocabulary import Vocabulary

TINY = gt.profile("smoke").replace(n_train=64, n_test=16, batch_size=8, pretrain_steps=6, steps=6, n_eval=8,
                                   emb_dim=8, hidden_dim=8)


# --- tiny recipes ------------------------------------------------------------------------------------

def lm_recipe(data, cfg, seed=0, lr=0.01):
    """An MLE recipe: one phase training an RNN language model (with dropout: a SeedGenerator in use)."""
    generator = build_generator("rnn", data.vocab_size, data.seq_len, emb_dim=cfg.emb_dim,
                                hidden_dim=cfg.hidden_dim, dropout=0.1)
    lm = LanguageModel(generator)
    lm.compile(optimizer=keras.optimizers.Adam(lr))
    return Recipe("tiny_lm", [Phase("pretrain", lm, cfg.pretrain_steps)], generator, None,
                  {"lr": lr, "pretrain_steps": cfg.pretrain_steps},
                  lambda n, t, s: lm.sample(n, temperature=t, seed=s))


class ToyGAN(keras.Model):
    """The smallest two-optimizer GAN: a noise generator fed from the model's SeedGenerator, the
    non-saturating loss."""

    def __init__(self, generator, discriminator, seed=0):
        super().__init__(name="toy_gan")
        self.generator, self.discriminator = generator, discriminator
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.d_optimizer = self.g_optimizer = None

    def compile(self, d_optimizer, g_optimizer):
        super().compile(optimizer=None)
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer

    def call(self, tokens, training=None):
        return self.discriminator(tokens, training=training)

    def fake(self, n):
        noise = keras.random.normal((n, self.generator.noise_dim), seed=self.seed_generator)
        return self.generator(noise, training=True)

    def train_step(self, real):
        n = tf.shape(real)[0]
        fake = tf.stop_gradient(self.fake(n))
        with tf.GradientTape() as tape:
            d_loss = (tf.reduce_mean(tf.nn.softplus(-self.discriminator(real, training=True)))
                      + tf.reduce_mean(tf.nn.softplus(self.discriminator(fake, training=True))))
        d_vars = self.discriminator.trainable_variables
        self.d_optimizer.apply(tape.gradient(d_loss, d_vars), d_vars)
        with tf.GradientTape() as tape:
            g_loss = tf.reduce_mean(tf.nn.softplus(-self.discriminator(self.fake(n), training=True)))
        g_vars = self.generator.trainable_variables
        self.g_optimizer.apply(tape.gradient(g_loss, g_vars), g_vars)
        return {"d_loss": d_loss, "g_loss": g_loss}


def gan_recipe(data, cfg, seed=0):
    """Two phases (``warmup`` then ``adversarial``) of one two-optimizer GAN."""
    generator = build_generator("cnn", data.vocab_size, data.seq_len, noise_dim=4, hidden_dim=cfg.hidden_dim,
                                num_blocks=1, kernel_size=3)
    discriminator = build_discriminator("cnn", data.vocab_size, data.seq_len, emb_dim=cfg.emb_dim,
                                        filter_sizes=(2, 3), num_filters=(4,), dropout=0.25)
    gan = ToyGAN(generator, discriminator, seed=seed)
    gan.compile(keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3))
    return Recipe("tiny_gan", [Phase("warmup", gan, cfg.pretrain_steps), Phase("adversarial", gan, cfg.steps)],
                  generator, discriminator, {"steps": cfg.steps},
                  lambda n, t, s: generator.sample(n, seed=s).numpy())


class Exploding(keras.Model):
    """Fits w to 1 by SGD until step ``nan_at``, where the target (so the loss and w) becomes NaN.

    With ``quiet_weights`` the loss stays finite at ``nan_at`` while w is set to NaN after computing it.
    """

    def __init__(self, nan_at, quiet_weights=False):
        super().__init__(name="exploding")
        self.nan_at, self.quiet_weights = nan_at, quiet_weights
        self.w = self.add_weight(shape=(), initializer="zeros", name="w")
        self.count = self.add_weight(shape=(), initializer="zeros", name="count", trainable=False)

    def train_step(self, data):
        self.count.assign_add(1.0)
        hit = tf.equal(self.count, float(self.nan_at))
        if self.quiet_weights:
            loss = tf.square(self.w - 1.0)
            self.w.assign(tf.where(hit, float("nan"), self.w - 0.2 * (self.w - 1.0)))
            return {"loss": loss}
        target = tf.where(self.count >= float(self.nan_at), float("nan"), 1.0)
        with tf.GradientTape() as tape:
            loss = tf.square(self.w - target)
        self.optimizer.apply(tape.gradient(loss, [self.w]), [self.w])
        return {"loss": loss}


def exploding_recipe(nan_at, quiet_weights=False):
    def build(data, cfg, seed=0):
        model = Exploding(nan_at, quiet_weights)
        model.compile(optimizer=keras.optimizers.SGD(0.1))
        rows = data.train_tokens
        return Recipe("exploding", [Phase("explode", model, 8)], model, None, {"nan_at": nan_at},
                      lambda n, t, s: rows[np.arange(n) % len(rows)])
    return build


def arrays(folder):
    with np.load(folder / ckpt.STATE_FILE, allow_pickle=False) as state:
        return {key: state[key] for key in state.files}


class Interrupt(keras.callbacks.Callback):
    """Raise KeyboardInterrupt (as Ctrl-C would) after ``after`` training batches."""

    def __init__(self, after):
        super().__init__()
        self.after, self.seen = after, 0

    def on_train_batch_end(self, batch, logs=None):
        self.seen += 1
        if self.seen == self.after:
            raise KeyboardInterrupt


# --- tests ------------------------------------------------------------------------------------------------

def test_segments_cover_the_phase_with_evaluation_points_on_multiples():
    assert segments(0, 10, 4) == [(0, 4, 2), (8, 2, 1)]
    assert segments(6, 13, 4) == [(6, 2, 1), (8, 4, 1), (12, 1, 1)]
    assert segments(8, 8, 4) == []
    assert segments(0, 8, 4) == [(0, 4, 2)]


def test_run_directory_holds_config_vocab_history_samples_checkpoints_and_plots(tmp_path):
    gt.setup(0, quiet=True)
    run_dir = tmp_path / "run"
    run = train("grammar", lm_recipe, out=run_dir, profile=TINY, eval_every=2, verbose=0,
                evaluate=lambda sentences: {"distinct": len(set(sentences))})
    assert run.run_dir == run_dir

    config = json.loads((run_dir / "config.json").read_text())
    assert config["recipe"] == "tiny_lm" and config["corpus"] == "grammar" and config["seed"] == 0
    assert config["profile"]["batch_size"] == 8 and config["recipe_config"]["lr"] == 0.01
    assert config["phases"] == [{"name": "pretrain", "steps": 6}]
    assert config["vocab_size"] == run.data.vocab_size and config["seq_len"] == run.data.seq_len
    assert {"tensorflow", "keras", "numpy"} <= set(config["versions"])
    assert Vocabulary.load(run_dir / "vocab.json") == run.data.vocab

    history = pd.read_csv(run_dir / "history.csv")
    assert history["step"].tolist() == [0, 2, 4, 6] and set(history["phase"]) == {"pretrain"}
    assert {"nll", "perplexity", "grammatical_fraction", "duplicate_rate", "mean_length"} <= set(history)
    assert history["nll"].iloc[1:].notna().all() and history["nll"].iloc[1:].is_monotonic_decreasing
    assert history["grammatical_fraction"].between(0, 1).all()
    assert history["distinct"].between(1, TINY.n_eval).all()  # the extra scores of `evaluate`

    for step in (0, 2, 4, 6):
        lines = (run_dir / "samples" / f"pretrain-{step:06d}.txt").read_text().splitlines()
        assert len(lines) == TINY.n_eval
    latest = ckpt.latest_checkpoint(run_dir / "checkpoints")
    assert latest.name == "pretrain-000006" == run.checkpoint.name
    assert {p.name for p in latest.iterdir()} == {"state.npz", "generator.weights.h5", "checkpoint.json"}
    assert (run_dir / "plots" / "losses.png").stat().st_size > 1000
    assert (run_dir / "plots" / "scores.png").stat().st_size > 1000

    # Nothing pickled: no pickle files, and every array loads with allow_pickle=False.
    files = [p for p in run_dir.rglob("*") if p.is_file()]
    assert not [p for p in files if p.suffix in (".pkl", ".pickle", ".joblib")]
    assert not [p for p in files if p.name.startswith(".")]  # no temporary files left behind
    for npz in run_dir.rglob("*.npz"):
        assert arrays(npz.parent)

    # The Keras weights file holds the same weights as state.npz: load it into a fresh generator.
    fresh = build_generator("rnn", run.data.vocab_size, run.data.seq_len, emb_dim=8, hidden_dim=8, dropout=0.1)
    fresh.load_weights(latest / "generator.weights.h5")
    for mine, theirs in zip(fresh.weights, run.recipe.generator.weights, strict=True):
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


def test_interrupted_and_resumed_run_ends_with_the_same_weights_and_history(tmp_path):
    settings = dict(profile=TINY, eval_every=2, verbose=0)
    gt.setup(0, quiet=True)
    straight = train("grammar", gan_recipe, out=tmp_path / "straight", **settings)

    gt.setup(0, quiet=True)
    with pytest.raises(KeyboardInterrupt):  # 6 pre-training steps, then 3 adversarial: mid-interval
        train("grammar", gan_recipe, out=tmp_path / "cut", callbacks=[Interrupt(9)], **settings)
    assert ckpt.latest_checkpoint(tmp_path / "cut" / "checkpoints").name == "adversarial-000002"
    keras.backend.clear_session()  # drop every model of the interrupted run

    gt.setup(0, quiet=True)
    resumed = train(out=tmp_path / "cut", resume=True, recipe=gan_recipe, **settings)

    assert resumed.checkpoint.name == straight.checkpoint.name == "adversarial-000006"
    a, b = arrays(straight.checkpoint), arrays(resumed.checkpoint)
    assert a.keys() == b.keys() and any(k.startswith("opt_") for k in a)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "straight" / "history.csv"),
                                  pd.read_csv(tmp_path / "cut" / "history.csv"))
    assert resumed.generate(4, seed=1) == straight.generate(4, seed=1)

    # Resuming a finished run trains nothing more.
    again = train(out=tmp_path / "cut", resume=True, recipe=gan_recipe, **settings)
    assert again.checkpoint.name == "adversarial-000006" and len(again.history) == len(resumed.history)


def test_load_run_restores_the_last_checkpoint(tmp_path):
    gt.setup(0, quiet=True)
    run = train("grammar", lm_recipe, out=tmp_path / "run", profile=TINY, verbose=0)
    loaded = load_run(tmp_path / "run", recipe=lm_recipe)
    assert loaded.checkpoint == run.checkpoint
    assert loaded.generate(6, temperature=0.7, seed=3) == run.generate(6, temperature=0.7, seed=3)
    assert list(loaded.history["step"]) == list(run.history["step"])
    assert "pretrain" in loaded.summary().columns
    with pytest.raises(GanTextError, match="your own recipe 'tiny_lm'; pass its builder"):
        load_run(tmp_path / "run")

    # A default that changed since training is replaced by the saved value...
    def newer(data, cfg, seed=0, lr=0.5):
        return lm_recipe(data, cfg, seed, lr)

    rebuilt = load_run(tmp_path / "run", recipe=newer)
    assert rebuilt.recipe.config["lr"] == 0.01
    assert rebuilt.generate(6, temperature=0.7, seed=3) == run.generate(6, temperature=0.7, seed=3)

    # ... and a difference that is no setting is a clear error.
    def renamed(data, cfg, seed=0):
        recipe = lm_recipe(data, cfg, seed)
        recipe.config["pretrain_steps"] = 99
        return recipe

    with pytest.raises(GanTextError, match=r"recipe_config.pretrain_steps was 6 when it was trained but is 99"):
        load_run(tmp_path / "run", recipe=renamed)


def test_nan_loss_stops_at_that_step_and_keeps_the_last_good_checkpoint(tmp_path):
    run_dir = tmp_path / "run"
    with pytest.raises(TrainingDiverged) as error:  # a GanTextError too: the CLI prints it as one line
        train("grammar", exploding_recipe(nan_at=5), out=run_dir, profile=TINY, eval_every=2, verbose=0)
    assert isinstance(error.value, GanTextError)
    message = str(error.value)
    assert "the loss loss became nan at step 5 of phase 'explode'" in message
    assert "explode-000004" in message and "lower the learning rate" in message
    latest = ckpt.latest_checkpoint(run_dir / "checkpoints")
    assert latest.name == "explode-000004"
    assert not list((run_dir / "checkpoints").glob("explode-00000[5-8]"))
    state = arrays(latest)
    assert all(np.isfinite(v).all() for v in state.values())
    model = Exploding(5)
    ckpt.restore_checkpoint(latest, model.variables, {"explode.optimizer": keras.optimizers.SGD(0.1)})
    assert float(model.count.numpy()) == 4.0 and 0.0 < float(model.w.numpy()) < 1.0
    assert pd.read_csv(run_dir / "history.csv")["step"].tolist() == [0, 2, 4]


def test_nan_weights_behind_a_finite_loss_are_never_checkpointed(tmp_path):
    run_dir = tmp_path / "run"
    with pytest.raises(TrainingDiverged, match=r"exploding/w became NaN or infinite at step 4 of phase 'explode'"):
        train("grammar", exploding_recipe(nan_at=4, quiet_weights=True), out=run_dir, profile=TINY,
              eval_every=2, verbose=0)
    assert ckpt.latest_checkpoint(run_dir / "checkpoints").name == "explode-000002"


def test_never_overwrites_a_run_or_a_folder(tmp_path):
    gt.setup(0, quiet=True)
    run_dir = tmp_path / "run"
    train("grammar", lm_recipe, out=run_dir, profile=TINY.replace(pretrain_steps=2), verbose=0)
    before = (run_dir / "config.json").read_text()
    with pytest.raises(GanTextError, match="already holds a run; continue it with --resume"):
        train("grammar", lm_recipe, out=run_dir, profile=TINY, verbose=0)
    assert (run_dir / "config.json").read_text() == before
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with pytest.raises(GanTextError, match="exists and is not an empty folder"):
        train("grammar", lm_recipe, out=other, profile=TINY, verbose=0)
    assert [p.name for p in other.iterdir()] == ["notes.txt"]


def test_resume_errors_say_what_to_do(tmp_path):
    with pytest.raises(GanTextError, match="resume needs the run directory"):
        train(resume=True)
    with pytest.raises(GanTextError, match="no run directory"):
        train(out=tmp_path / "missing", resume=True, recipe=lm_recipe)
    gt.setup(0, quiet=True)
    run_dir = tmp_path / "run"
    train("grammar", lm_recipe, out=run_dir, profile=TINY.replace(pretrain_steps=2), verbose=0)
    with pytest.raises(GanTextError, match=r"seed was 0 in the saved run but is 1 now"):
        train(out=run_dir, resume=True, recipe=lm_recipe, seed=1, verbose=0)
    with pytest.raises(GanTextError, match=r"recipe_config.lr was 0.01 in the saved run but is 0.5 now"):
        train(out=run_dir, resume=True, recipe=lm_recipe, lr=0.5, verbose=0)
    with pytest.raises(GanTextError, match=r"profile.pretrain_steps was 2 in the saved run but is 6 now"):
        train(out=run_dir, resume=True, recipe=lm_recipe, profile=TINY, verbose=0)
    import shutil
    shutil.rmtree(run_dir / "checkpoints")
    with pytest.raises(GanTextError, match="has no checkpoint to resume from"):
        train(out=run_dir, resume=True, recipe=lm_recipe, verbose=0)
    with pytest.raises(GanTextError, match="has no checkpoint"):
        load_run(run_dir, recipe=lm_recipe)


def test_sample_metrics_on_known_sentences():
    corpus = load_corpus("grammar", n_train=20, n_test=5)
    good = corpus.train[:3]
    sentences = [good[0], good[0], good[1], "cat the the"]
    tokens = np.array([[4, 5, 2, 0], [4, 5, 2, 0], [4, 2, 0, 0], [4, 5, 6, 7]])
    scores = sample_metrics(tokens, sentences, corpus.true_model)
    assert scores["grammatical_fraction"] == 0.75
    assert scores["duplicate_rate"] == 0.25
    assert scores["mean_length"] == (2 + 2 + 1 + 4) / 4
    assert "oracle_nll" not in scores
    assert set(sample_metrics(tokens, sentences)) == {"duplicate_rate", "mean_length"}


def test_oracle_nll_scores_sentences_cut_to_the_oracle_length():
    oracle = load_corpus("oracle", n_train=4, n_test=1).true_model
    real = [" ".join(map(str, row)) for row in oracle.sample(3, seed=5)]
    sentences = [real[0], real[1] + " 7", "12 13", "x " * 25]  # exact, one too long, short, not ids
    tokens = np.zeros((4, 2), dtype=np.int32)
    scores = sample_metrics(tokens, sentences, oracle)
    assert scores["oracle_nll"] == pytest.approx(oracle.nll(real[:2]))
    assert np.isnan(sample_metrics(tokens[:1], ["12 13"], oracle)["oracle_nll"])


# --- small corpora and early failures -------------------------------------------------------------------

def test_a_corpus_smaller_than_a_batch_trains_with_a_batch_that_fits(tmp_path, capsys):
    """A student's file of three sentences trains in a profile whose batch is 8: the batch shrinks to the
    sentences there are, the run says so, and config.json records the batch actually used."""
    corpus = tmp_path / "mine.txt"
    corpus.write_text("the cat sat\na dog ran\nbirds sing\n")
    run = train(str(corpus), "mle", out=tmp_path / "run", profile=TINY.replace(pretrain_steps=2, steps=2),
                verbose=2)
    n_train = len(run.data.train_tokens)
    assert 0 < n_train < TINY.batch_size
    assert f"fewer than the smoke profile's batch of {TINY.batch_size}; training with batches of {n_train}" in (
        capsys.readouterr().out)
    saved = json.loads((tmp_path / "run" / "config.json").read_text())
    assert saved["profile"]["batch_size"] == n_train and run.checkpoint.name == "pretrain-000004"
    assert train(out=tmp_path / "run", resume=True, verbose=0).checkpoint.name == "pretrain-000004"  # resumable


@pytest.mark.parametrize("premade", [False, True], ids=["new folder", "empty folder"])
def test_a_run_stopped_before_its_first_checkpoint_leaves_no_folder_behind(premade, tmp_path, monkeypatch):
    """Ctrl-C (or any failure) before the first checkpoint: nothing to resume from, so the folder the run made
    is removed (an empty folder given by the user is emptied again), and the same command works next time."""
    out = tmp_path / "run"
    if premade:
        out.mkdir()

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr("gan_text.training.runner.Runner.evaluate_and_save", interrupted)
        with pytest.raises(KeyboardInterrupt):
            train("grammar", lm_recipe, out=out, profile=TINY, verbose=0)
    assert out.is_dir() == premade and (not premade or not any(out.iterdir()))
    assert train("grammar", lm_recipe, out=out, profile=TINY, verbose=0).checkpoint is not None


def test_resuming_after_the_corpus_file_changed_blames_the_corpus(tmp_path):
    corpus = tmp_path / "mine.txt"
    corpus.write_text("".join(f"the cat number {k} sat\n" for k in range(40)))
    train(str(corpus), "mle", out=tmp_path / "run", profile=TINY.replace(pretrain_steps=2, steps=2), verbose=0)
    corpus.write_text("".join(f"a dog called {k} ran away\n" for k in range(40)))  # other words
    with pytest.raises(GanTextError, match=r"the corpus gives another vocabulary .*\(the corpus file changed\?\)"):
        train(out=tmp_path / "run", resume=True, verbose=0)


def test_a_vocabulary_with_swapped_tokens_is_refused(tmp_path):
    """config.json keeps the vocabulary's fingerprint: two tokens swapped in vocab.json would make every sentence
    come out with wrong words, so loading refuses the run, naming the file."""
    run = train("grammar", lm_recipe, out=tmp_path / "run", profile=TINY, verbose=0)
    assert run.config["vocab_sha256"] == run.data.vocab.fingerprint
    path = tmp_path / "run" / "vocab.json"
    saved = json.loads(path.read_text())
    saved["tokens"][5], saved["tokens"][6] = saved["tokens"][6], saved["tokens"][5]
    path.write_text(json.dumps(saved))
    with pytest.raises(GanTextError, match=r"vocab.json' is not the vocabulary the run was trained with"):
        load_run(tmp_path / "run", recipe=lm_recipe)


def test_run_options_are_checked_once_apart_from_the_settings():
    from gan_text.training.runner import RunOptions

    assert RunOptions().every(12) == (3, 3)  # five evaluation points per phase by default (ceil 12 / 5)
    assert RunOptions(eval_every=4, checkpoint_every=8).every(12) == (4, 8)
    for bad, message in ((dict(eval_every=0), "eval_every must be a whole number >= 1, got 0"),
                         (dict(n_print=-1), "n_print must be a whole number >= 0, got -1"),
                         (dict(temperature=float("nan")), "temperature must be 0 \\(greedy\\) or a number"),
                         (dict(verbose=3), "verbose must be 0 \\(silent\\), 1 \\(progress bars\\) or 2")):
        with pytest.raises(GanTextError, match=message):
            RunOptions(**bad)
    with pytest.raises(GanTextError, match="checkpoint_every must be a whole number >= 1, got 0"):
        train("grammar", lm_recipe, out=None, profile=TINY, checkpoint_every=0, verbose=0)
