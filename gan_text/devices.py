"""Which devices a run trains on: a ``tf.distribute`` strategy from a short name (``--strategy``).

==============  =====================================================================================
name            strategy
==============  =====================================================================================
``default``     TensorFlow's default: one device (the GPU if there is one, else the CPU), or the strategy
                whose ``scope()`` the caller is in.
``mirrored``    ``MirroredStrategy`` over every local GPU: each step splits the batch across them.
``mirrored:N``  ``MirroredStrategy`` over the CPU split into ``N`` logical devices. It is not faster (the
                devices share the same cores); it exists to test data-parallel training without a GPU.
``tpu``         ``TPUStrategy`` on the TPU the machine is attached to (Colab: a TPU runtime).
==============  =====================================================================================

Every strategy keeps the *global* batch of the profile: with ``R`` replicas each one gets ``batch / R``
sentences, and the replicas' gradients are summed (each replica's loss is scaled by ``1 / R``, see
:mod:`gan_text.training.distribute`; the language model's by the tokens of the whole batch). A teacher-forced
(MLE) step therefore has the loss and the update of a single device, to float precision
(``tests/test_strategy.py``); the adversarial steps draw their random numbers per replica, so they match a
single device in distribution, not number for number. One difference remains: Keras clips each replica's
gradient (``clipnorm``) before the sum, so while the norm is above the clip the clip is looser.

:func:`parse_strategy` only reads the name (no TensorFlow: the command line checks it in well under a second);
:func:`make_strategy` builds the strategy. ``mirrored:N`` must be chosen before TensorFlow starts using the
CPU (a fresh process, or before the first TensorFlow operation of a notebook): the logical devices cannot
be changed afterwards. Several machines (``MultiWorkerMirroredStrategy``) are not offered: see the README.
"""

from __future__ import annotations

from .errors import GanTextError

STRATEGIES = ("default", "mirrored", "mirrored:N", "tpu")
MAX_CPU_DEVICES = 64  # mirrored:N above this is a typo (they share the machine's cores anyway)
_MADE: dict = {}  # the strategies made so far, by name
NOT_ON_TPU = {"seqgan": "its Monte-Carlo rollouts have data-dependent shapes, which XLA refuses (a TPU compiles "
                        "every step with XLA)"}


def parse_strategy(name) -> str:
    """``name`` (str) checked and normalised: ``default``, ``mirrored``, ``mirrored:N`` (N >= 1) or ``tpu``.

    Raises GanTextError for anything else, saying what is accepted."""
    if not isinstance(name, str):
        raise GanTextError(f"strategy must be a name ({', '.join(STRATEGIES)}) or a tf.distribute.Strategy, "
                           f"not {type(name).__name__}")
    text = name.strip().lower()
    if text in ("default", "mirrored", "tpu"):
        return text
    kind, _, count = text.partition(":")
    if kind == "mirrored" and count:
        n = int(count) if count.isdigit() else 0
        if not 1 <= n <= MAX_CPU_DEVICES:
            raise GanTextError(f"strategy {name!r}: N in mirrored:N must be a whole number from 1 to "
                               f"{MAX_CPU_DEVICES} (logical CPU devices); pass e.g. mirrored:2")
        return f"mirrored:{n}"
    raise GanTextError(f"unknown strategy {name!r}; known: {', '.join(STRATEGIES)} (e.g. mirrored:2 for two "
                       f"logical CPU devices)")


def make_strategy(strategy="default"):
    """The ``tf.distribute.Strategy`` for a name (see the module docstring); a Strategy is returned as is.

    GanTextError when the devices are missing (``mirrored`` without a GPU, ``tpu`` without a TPU) or when
    ``mirrored:N`` comes too late (TensorFlow already set up the CPU with another number of devices). A name
    gives the same strategy object every time in a process: two ``MirroredStrategy`` objects over the same
    devices number their all-reduce operations alike, and the second one's steps then fail."""
    import tensorflow as tf  # lazy: parse_strategy must answer before TensorFlow loads

    if isinstance(strategy, tf.distribute.Strategy):
        return strategy
    name = parse_strategy(strategy)
    if name == "default":
        return tf.distribute.get_strategy()
    if name not in _MADE:  # one per process: two strategies over the same devices mix up their all-reduces
        _MADE[name] = _new_strategy(tf, name)
    return _MADE[name]


def _new_strategy(tf, name: str):
    if name == "tpu":
        return _tpu_strategy(tf)
    if name == "mirrored":
        gpus = tf.config.list_physical_devices("GPU")
        if not gpus:
            raise GanTextError("strategy 'mirrored' found no GPU; on a CPU, mirrored:N splits it into N logical "
                               "devices to test data-parallel training (not faster), e.g. mirrored:2")
        return tf.distribute.MirroredStrategy()
    n = int(name.split(":")[1])
    return tf.distribute.MirroredStrategy(logical_cpus(n))


def logical_cpus(n: int) -> list[str]:
    """The names of ``n`` logical CPU devices, splitting the first physical CPU into ``n`` if it is not yet.

    GanTextError if TensorFlow already initialised the CPU as another number of devices."""
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    configured = tf.config.get_logical_device_configuration(cpu)
    if configured is None or len(configured) != n:
        try:
            tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * n)
        except RuntimeError:
            have = len(tf.config.list_logical_devices("CPU"))
            raise GanTextError(f"strategy mirrored:{n} must be chosen before TensorFlow starts using the CPU, "
                               f"which already runs as {have} device{'s' if have != 1 else ''}; train in a "
                               f"fresh process (or restart the notebook and train first)") from None
    return [device.name for device in tf.config.list_logical_devices("CPU")[:n]]


def _tpu_strategy(tf):
    """``TPUStrategy`` on a TPU node (Colab's TPU_NAME / COLAB_TPU_ADDR) or, failing that, a TPU VM's local TPU."""
    try:
        try:
            resolver = tf.distribute.cluster_resolver.TPUClusterResolver()
        except ValueError:  # no TPU node named: a TPU VM has its TPU on the machine itself
            resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu="local")
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
    except (ValueError, RuntimeError, tf.errors.OpError) as err:
        reason = str(err).strip().split(". ")[0].splitlines()[0][:120] if str(err).strip() else type(err).__name__
        raise GanTextError(f"strategy 'tpu' found no TPU ({reason}); on Colab choose Runtime > Change runtime "
                           f"type > TPU, or train with --strategy default") from None
    return tf.distribute.TPUStrategy(resolver)


def per_replica_batch(batch_size: int, strategy) -> int:
    """``batch_size / replicas`` (the sentences each replica gets per step); GanTextError if it does not divide."""
    replicas = int(strategy.num_replicas_in_sync)
    if batch_size % replicas:
        raise GanTextError(f"the batch of {batch_size} sentences does not split evenly over {replicas} replicas; "
                           f"use a number of devices that divides it (e.g. mirrored:2) or another profile")
    return batch_size // replicas


def check_recipe(strategy, recipe: str) -> None:
    """GanTextError if the recipe named ``recipe`` cannot train under ``strategy`` (:data:`NOT_ON_TPU`)."""
    if recipe in NOT_ON_TPU and "TPU" in type(strategy).__name__:
        raise GanTextError(f"{recipe} cannot train on a TPU: {NOT_ON_TPU[recipe]}; train it on a GPU "
                           f"(--strategy default or mirrored)")


def strategy_info(strategy) -> dict:
    """What a run records of its strategy (for information): ``{"name": class name, "replicas": int}``."""
    return {"name": type(strategy).__name__, "replicas": int(strategy.num_replicas_in_sync)}


__all__ = ["MAX_CPU_DEVICES", "NOT_ON_TPU", "STRATEGIES", "check_recipe", "logical_cpus", "make_strategy", "parse_strategy", "per_replica_batch",
           "strategy_info"]
