"""``gt.setup(seed)``: the first code cell of every notebook.

It makes a run repeatable (same seed, same machine, same numbers), keeps TensorFlow's start-up chatter
out of the notebook, sets plot defaults and prints the versions a bug report needs.
"""

from __future__ import annotations

import os
import platform
import sys

from .config import profile

# Silence TensorFlow's C++ logs (3: even error-level notices such as oneDNN's "supports DT_INT32 only with
# AVX-512"; real errors still reach Python as exceptions). This only works before TensorFlow is first imported;
# set TF_CPP_MIN_LOG_LEVEL=0 before importing gan_text to see them.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def in_colab() -> bool:
    """True inside Google Colab."""
    return "google.colab" in sys.modules or "COLAB_RELEASE_TAG" in os.environ


def setup(seed: int = 42, *, quiet: bool = False) -> dict:
    """Seed everything, make TensorFlow deterministic, set plot defaults and print versions.

    - seeds Python's ``random``, NumPy and Keras/TensorFlow with ``keras.utils.set_random_seed``;
    - turns on TensorFlow op determinism, so repeated runs on the same machine give the same numbers;
    - quietens TensorFlow's Python and C++ logs;
    - sets matplotlib defaults (figure size, grid) for readable plots.

    Returns a dict with the seed, the versions and the GPUs found (an empty list on a CPU).
    """
    import absl.logging
    import keras
    import matplotlib as mpl
    import tensorflow as tf

    absl.logging.set_verbosity(absl.logging.ERROR)
    tf.get_logger().setLevel("ERROR")
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    mpl.rcParams.update({"figure.figsize": (7, 3.5), "axes.grid": True, "grid.alpha": 0.3,
                         "axes.spines.top": False, "axes.spines.right": False, "figure.dpi": 100})

    gpus = [d.name for d in tf.config.list_physical_devices("GPU")]
    info = {
        "seed": seed,
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "profile": profile().name,
        "gpus": gpus,
    }
    if not quiet:
        print(f"Python {info['python']} | TensorFlow {info['tensorflow']} | Keras {info['keras']} | "
              f"profile {info['profile']} | seed {seed}")
        if gpus:
            print(f"GPU: {', '.join(gpus)}")
        elif in_colab():
            print("No GPU found. On Colab: Runtime > Change runtime type > GPU (optional; "
                  "every notebook also runs on a CPU).")
        else:
            print("No GPU found: running on the CPU (every notebook is sized for that).")
    return info


def show_source(obj) -> None:
    """Print the source code of a gan_text function or class, so a notebook teaches from the real helper.

    In Jupyter the code is syntax-highlighted; elsewhere it is printed as plain text.
    """
    import inspect

    source = inspect.getsource(obj)
    try:
        from IPython import get_ipython
        from IPython.display import Code, display

        if get_ipython() is not None:
            display(Code(source, language="python"))
            return
    except ImportError:
        pass
    print(source)
