"""TensorFlow's start-up logs, kept off a command's terminal.

TensorFlow 2.19-2.21 writes several C++ log lines to stderr when it is imported and when it first looks for
devices (oneDNN, CUDA drivers, ``cuInit``). They come before its logging is set up, so
``TF_CPP_MIN_LOG_LEVEL`` does not silence them (tensorflow/tensorflow issue 100442), and a one-line error of
the CLI would drown in them. :func:`import_tensorflow_quietly` imports TensorFlow and Keras and lists the devices
with the process's stderr (file descriptor 2) sent to a temporary file; if the import fails, what was captured
is written out before the error, so a real problem stays visible. Python warnings are not affected.

Set ``GAN_TEXT_TF_LOGS=1`` to see TensorFlow's start-up logs again. Its later C++ logs are set by
:mod:`gan_text.session` (``TF_CPP_MIN_LOG_LEVEL``, imported with the package).
"""

from __future__ import annotations

import os
import sys
import tempfile

SHOW_LOGS = "GAN_TEXT_TF_LOGS"


def import_tensorflow_quietly() -> None:
    """Import TensorFlow and Keras (and find the devices) without their start-up logs on stderr."""
    if "tensorflow" in sys.modules or os.environ.get(SHOW_LOGS, "") not in ("", "0"):
        import tensorflow  # noqa: F401  (already imported, or the user asked to see the logs)

        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import keras  # noqa: F401
            import tensorflow as tf

            tf.config.list_physical_devices()  # the device search logs too (cuInit without a GPU)
        except BaseException:
            os.dup2(saved, 2)
            captured.seek(0)
            sys.stderr.write(captured.read().decode("utf-8", errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


__all__ = ["SHOW_LOGS", "import_tensorflow_quietly"]
