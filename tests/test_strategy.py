"""``--strategy``: the names (gan_text.devices), bad input on the command line, and training under
``MirroredStrategy`` over 2 logical CPU devices: the same global batch gives the single-device losses, a run
saves and resumes exactly, a checkpoint resumes under the other strategy, the TextGAN's step updates both players
once per step, and the benchmark runs (MLE's early stopping included).

Logical devices must be configured before TensorFlow initialises the CPU, so the training runs in a fresh
process (:data:`MIRRORED`); the checks of a name need no TensorFlow.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import numpy as np
import pytest
from test_bad_inputs import run_cli

from gan_text.devices import (
    MAX_CPU_DEVICES,
    check_recipe,
    make_strategy,
    parse_strategy,
    per_replica_batch,
    strategy_info,
)
from gan_text.errors import GanTextError

# --- names ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "expected"), [
    ("default", "default"), ("mirrored", "mirrored"), ("tpu", "tpu"), (" Mirrored:2 ", "mirrored:2"),
    ("mirrored:1", "mirrored:1"), (f"mirrored:{MAX_CPU_DEVICES}", f"mirrored:{MAX_CPU_DEVICES}"),
])
def test_strategy_names_are_normalised(name, expected):
    assert parse_strategy(name) == expected


@pytest.mark.parametrize(("name", "message"), [
    ("gpu", "unknown strategy 'gpu'; known: default, mirrored, mirrored:N, tpu"),
    ("mirrored:", "unknown strategy"),
    ("multiworker", "unknown strategy"),
    ("mirrored:0", "from 1 to 64"),
    ("mirrored:-2", "from 1 to 64"),
    ("mirrored:two", "from 1 to 64"),
    (f"mirrored:{MAX_CPU_DEVICES + 1}", "from 1 to 64"),
    (2, "must be a name"),
])
def test_bad_strategy_names_say_what_is_accepted(name, message):
    with pytest.raises(GanTextError, match=message):
        parse_strategy(name)


def test_the_global_batch_must_split_evenly_over_the_replicas():
    two = types.SimpleNamespace(num_replicas_in_sync=2)
    assert per_replica_batch(64, two) == 32
    assert per_replica_batch(7, types.SimpleNamespace(num_replicas_in_sync=1)) == 7
    with pytest.raises(GanTextError, match="batch of 33 sentences does not split evenly over 2 replicas"):
        per_replica_batch(33, two)


def test_seqgan_is_refused_on_a_tpu_only():
    tpu = type("TPUStrategy", (), {"num_replicas_in_sync": 8})()
    with pytest.raises(GanTextError, match="seqgan cannot train on a TPU: its Monte-Carlo rollouts"):
        check_recipe(tpu, "seqgan")
    check_recipe(tpu, "relgan")
    check_recipe(types.SimpleNamespace(num_replicas_in_sync=2), "seqgan")


def test_default_is_the_strategy_in_scope():
    import tensorflow as tf

    strategy = make_strategy("default")
    assert strategy is tf.distribute.get_strategy() and make_strategy(strategy) is strategy
    assert strategy_info(strategy) == {"name": "_DefaultDistributionStrategy", "replicas": 1}
    with tf.distribute.OneDeviceStrategy("/cpu:0").scope():
        assert strategy_info(make_strategy("default"))["name"] == "OneDeviceStrategy"


def test_run_benchmark_checks_the_strategy_and_runs_inside_its_scope():
    import tensorflow as tf

    from gan_text.bench import run_benchmark

    with pytest.raises(GanTextError, match="N in mirrored:N must be a whole number"):
        run_benchmark("oracle", "smoke", strategy="mirrored:0", verbose=0)
    # a strategy object: the benchmark runs again inside its scope, with every other argument passed on
    with pytest.raises(GanTextError, match="seeds must be a whole number >= 1"):
        run_benchmark("oracle", "smoke", seeds=0, strategy=tf.distribute.OneDeviceStrategy("/cpu:0"), verbose=0)


# --- the command line -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "message"), [
    (("train", "--strategy", "bogus"), "error: unknown strategy 'bogus'"),
    (("train", "--strategy", "mirrored:0"), "error: strategy 'mirrored:0': N in mirrored:N"),
    (("bench", "oracle", "--strategy", "mirrored:x"), "error: strategy 'mirrored:x'"),
    (("train", "--strategy", "tpu", "--recipe", "mle", "--steps", "1"), "error: strategy 'tpu' found no TPU"),
])
def test_bad_strategies_are_one_line_and_status_2(tmp_path, args, message):
    result = run_cli(*args, "--out", str(tmp_path / "out"))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), result.stderr
    assert not (tmp_path / "out").exists()


def test_mirrored_without_a_gpu_is_refused(tmp_path):
    import tensorflow as tf

    if tf.config.list_physical_devices("GPU"):
        pytest.skip("this machine has a GPU")
    result = run_cli("train", "--strategy", "mirrored", "--recipe", "mle", "--out", str(tmp_path / "out"))
    assert result.returncode == 2 and result.stderr.strip().splitlines() == [
        "error: strategy 'mirrored' found no GPU; on a CPU, mirrored:N splits it into N logical devices to test "
        "data-parallel training (not faster), e.g. mirrored:2"]


# --- training on 2 logical CPU devices --------------------------------------------------------------------

MIRRORED = textwrap.dedent("""
    import json, os, sys
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    from pathlib import Path
    import keras, numpy as np
    import gan_text as gt
    from gan_text.devices import make_strategy
    from gan_text.training import checkpoints as ckpt
    from gan_text.training.runs import train

    two_cpus = make_strategy("mirrored:2")  # before TensorFlow's first operation, which sets up the CPU
    tmp = Path(sys.argv[1])
    sys.path.insert(0, sys.argv[2])
    from test_runs import Interrupt  # Ctrl-C after some training batches
    tiny = gt.profile("smoke").replace(n_train=64, n_test=16, batch_size=8, pretrain_steps=3, steps=2, n_eval=8,
                                       emb_dim=8, hidden_dim=8)
    settings = dict(profile=tiny, verbose=0, eval_every=1, d_num_filters=4, num_rep=4)

    def run(name, strategy="default", resume=False, interrupt=None):
        gt.setup(0, quiet=True)
        callbacks = [Interrupt(interrupt)] if interrupt else []
        try:
            if resume:
                return train(out=tmp / name, resume=True, strategy=strategy, callbacks=callbacks, **settings)
            return train("grammar", "relgan", out=tmp / name, strategy=strategy, callbacks=callbacks, **settings)
        except KeyboardInterrupt:
            keras.backend.clear_session()
            return ckpt.latest_checkpoint(tmp / name / "checkpoints").name

    def state(name, checkpoint):
        with np.load(tmp / name / "checkpoints" / checkpoint / ckpt.STATE_FILE) as arrays:
            return {key: arrays[key] for key in arrays.files}

    def difference(a, b):  # largest difference between two checkpoints' arrays (inf: other arrays)
        if a.keys() != b.keys():
            return float("inf")
        return max(float(np.max(np.abs(a[k].astype(float) - b[k]), initial=0.0)) for k in a)

    with two_cpus.scope():  # train()'s "default" is the strategy in scope (as run_benchmark uses it)
        mirrored = run("mirrored")
    end = "pretrain-000003"
    # A checkpoint saved under one strategy and resumed under the other: the first two pre-training steps
    # of "d_to_m" ran on one device, the third on two.
    report = {"one_object": make_strategy("mirrored:2") is two_cpus, "cut": [run("d_to_m", interrupt=3)]}
    resumed = [run("d_to_m", "mirrored:2", resume=True)]
    report["across_done"] = [r.checkpoint.name for r in resumed]
    report["across"] = [difference(state("d_to_m", end), state("mirrored", end))]
    for key, frame in (("mirrored", mirrored.history), ("d_to_m", resumed[0].history)):
        report[key] = frame[frame["phase"] == "pretrain"]["nll"].dropna().tolist()
        report[key + "_finite"] = bool(np.isfinite(frame.select_dtypes("number").fillna(0).to_numpy()).all())
    gan = mirrored.recipe.phases[-1].model  # the TextGAN, trained under the strategy
    report["gan"] = {"replicas": gan.distribute_strategy.num_replicas_in_sync, "steps": int(gan.step_counter.numpy()),
                     "d_iterations": int(gan.d_optimizer.iterations.numpy()),
                     "beta": mirrored.history["beta"].dropna().tolist()}
    # exact resume under mirrored, in the middle of the adversarial phase
    report["cut"].append(run("again", "mirrored:2", interrupt=5))
    again = run("again", "mirrored:2", resume=True)
    report["strategies"] = [json.loads((tmp / n / "config.json").read_text())["strategy"]
                            for n in ("d_to_m", "again")]  # the strategy each run was created with
    final = mirrored.checkpoint.name
    a, b = state("again", final), state("mirrored", final)
    report["same_keys"] = a.keys() == b.keys()
    report["exact"] = report["same_keys"] and all(np.array_equal(a[k], b[k]) for k in a)
    report["history_equal"] = again.history.equals(mirrored.history)
    # the benchmark under the strategy, with MLE's early stopping (which reads the optimizer's step count)
    from gan_text.bench import run_benchmark
    from test_bench import TINY  # test_bench's tiny benchmark budget
    results = run_benchmark("oracle", "smoke", recipes=["mle"], out=tmp / "bench", budget=TINY, strategy=two_cpus,
                            verbose=0)
    record = json.loads(results.paths["meta"].read_text())
    report["bench"] = {"strategy": record["strategy"], "early_stopping": record["runs"]["mle/0"]["early_stopping"],
                       "final": results.wide("final").loc[("mle", 0)].to_dict()}
    print(json.dumps(report))
""")


@pytest.fixture(scope="module")
def mirrored_report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mirrored")
    result = subprocess.run([sys.executable, "-c", MIRRORED, str(folder), str(Path(__file__).parent)], capture_output=True, text=True,
                            timeout=600, env={**os.environ, "GAN_TEXT_PROFILE": "smoke"})
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_mirrored_runs_on_two_replicas_and_the_run_records_it(mirrored_report):
    assert mirrored_report["one_object"]  # one MirroredStrategy per name and process
    assert mirrored_report["strategies"] == [{"name": "_DefaultDistributionStrategy", "replicas": 1},
                                             {"name": "MirroredStrategy", "replicas": 2}]
    assert mirrored_report["mirrored_finite"] and mirrored_report["d_to_m_finite"]
    # the TextGAN's own step under the strategy: both players updated once per step, beta on its schedule
    gan = mirrored_report["gan"]
    assert gan["replicas"] == 2 and gan["steps"] == 2 and gan["d_iterations"] == 2
    assert gan["beta"][0] == pytest.approx(1.0) and gan["beta"][-1] > gan["beta"][0]


def test_mirrored_losses_equal_the_single_device_ones_with_the_same_global_batch(mirrored_report):
    single, mirrored = mirrored_report["d_to_m"], mirrored_report["mirrored"]
    assert len(single) == len(mirrored) == 3  # pre-training steps 1, 2 (one device) and 3 (resumed on two)
    # The first step: the same weights and the same 8 sentences, split 4 + 4 over the replicas.
    assert mirrored[0] == pytest.approx(single[0], rel=1e-6)
    # The next steps too: the replicas' gradients add up to the global batch's (each replica's loss is
    # divided by the tokens of the whole batch), so the updates are the single device's.
    np.testing.assert_allclose(mirrored, single, rtol=1e-6)


def test_a_checkpoint_resumes_under_the_other_strategy(mirrored_report):
    assert mirrored_report["cut"][:1] == ["pretrain-000002"]  # saved on one device, resumed on two
    assert mirrored_report["across_done"] == ["adversarial-000002"]
    # after pre-training step 3: the weights and optimizer state of the run that was never interrupted
    assert max(mirrored_report["across"]) < 1e-6


def test_an_interrupted_mirrored_run_resumes_exactly(mirrored_report):
    assert mirrored_report["cut"][1] == "adversarial-000001"
    assert mirrored_report["same_keys"] and mirrored_report["exact"] and mirrored_report["history_equal"]


def test_the_benchmark_runs_under_the_strategy_with_mle_early_stopping(mirrored_report):
    # (bench --strategy mirrored:2 once raised TypeError at MLE's first evaluation point)
    bench = mirrored_report["bench"]
    assert bench["strategy"] == {"name": "MirroredStrategy", "replicas": 2}
    stopped = bench["early_stopping"]
    assert stopped["total_step"] in (4, 6) and math.isfinite(stopped["nll_valid"]) and stopped["n_valid"] > 0
    assert all(math.isfinite(value) for value in bench["final"].values())
