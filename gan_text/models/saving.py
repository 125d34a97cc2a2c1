"""Save a model with everything needed to use it again, and load it back.

``save_model(model, directory, vocab=None)`` writes three files into ``directory``:

- ``model.keras``: the Keras 3 archive (architecture, weights, optimizer state if compiled);
- ``vocab.json``: the vocabulary, when one is given (:meth:`Vocabulary.save`);
- ``config.json``: what the model is (class, kind, sizes, hyperparameters, versions), readable
  without TensorFlow; written last, so a directory with it holds a complete save.

Every file is written atomically (the old file survives a failed save). Nothing is pickled: the
classes are registered with Keras under the ``gan_text`` package, so any generator, discriminator or
:class:`LanguageModel` reloads from its config. ``load_model(directory)`` returns
``(model, vocab or None, config)`` and gives the same outputs as the saved model.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import keras

from ..atomic import atomic_path, read_json, write_json
from ..errors import GanTextError
from ..vocabulary import Vocabulary

MODEL_FILE, CONFIG_FILE, VOCAB_FILE = "model.keras", "config.json", "vocab.json"
FORMAT = "gan_text.model"
FORMAT_VERSION = 1
# Modules whose classes a saved model may use; importing them registers the classes with Keras.
_MODEL_MODULES = ("generators", "autoregressive", "language_model", "discriminators")


def _register_classes() -> None:
    for module in _MODEL_MODULES:
        importlib.import_module(f"{__package__}.{module}")


def describe(model) -> dict:
    """What a model is, as a JSON-ready dict: class, name, kind, sizes, hyperparameters, parameters."""
    hyperparameters = getattr(model, "hyperparameters", None)
    return {"class": type(model).__name__, "name": model.name, "kind": getattr(model, "kind", None),
            "vocab_size": getattr(model, "vocab_size", None), "seq_len": getattr(model, "seq_len", None),
            "hyperparameters": dict(hyperparameters) if hyperparameters is not None else {},
            "params": int(model.count_params()) if model.built else None}


def save_model(model, directory: str | os.PathLike, vocab: Vocabulary | None = None,
               hyperparameters: dict | None = None) -> Path:
    """Write ``model.keras``, ``vocab.json`` (if ``vocab``) and ``config.json`` into ``directory``.

    ``hyperparameters``: extra JSON-ready settings to keep beside the model (e.g. the training
    ones: learning rate, steps); they are stored under ``config["extra"]``. Returns the directory.
    """
    if not isinstance(model, keras.Model):
        raise GanTextError(f"save_model expects a Keras model, got {type(model).__name__}; "
                           f"pass a generator, discriminator or LanguageModel")
    if vocab is not None and not isinstance(vocab, Vocabulary):
        raise GanTextError(f"vocab must be a gan_text Vocabulary, got {type(vocab).__name__}; "
                           f"pass prepared.vocab")
    if vocab is not None and getattr(model, "vocab_size", len(vocab)) != len(vocab):
        raise GanTextError(f"the vocabulary has {len(vocab)} tokens but the model expects "
                           f"{model.vocab_size}; save the model with the vocabulary it was built for")
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise GanTextError(f"'{directory}' is a file; save_model needs a directory path")
    directory.mkdir(parents=True, exist_ok=True)
    config = {"format": FORMAT, "version": FORMAT_VERSION, **describe(model),
              "has_vocab": vocab is not None, "extra": dict(hyperparameters or {}),
              "keras_version": keras.__version__}
    try:
        json.dumps(config)
    except TypeError as err:
        raise GanTextError(f"hyperparameters must be JSON-ready (numbers, strings, lists, dicts): "
                           f"{err}; convert them before saving") from None
    with atomic_path(directory / MODEL_FILE) as tmp:
        # Keras insists on the .keras suffix, so save inside a scratch folder and move the file.
        scratch = tempfile.mkdtemp(prefix=".save.", dir=directory)
        try:
            model.save(os.path.join(scratch, MODEL_FILE))
            os.replace(os.path.join(scratch, MODEL_FILE), tmp)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    if vocab is not None:
        vocab.save(directory / VOCAB_FILE)
    write_json(directory / CONFIG_FILE, config)
    return directory


def load_model(directory: str | os.PathLike, compile: bool = True):
    """Load what :func:`save_model` wrote: returns ``(model, vocab or None, config dict)``.

    ``compile``: restore the optimizer too (if the model was compiled), to resume training.
    """
    directory = Path(directory)
    config_path, model_path = directory / CONFIG_FILE, directory / MODEL_FILE
    if not config_path.is_file() or not model_path.is_file():
        raise GanTextError(f"no saved model in '{directory}' (it needs {CONFIG_FILE} and {MODEL_FILE}); "
                           f"check the path or save one with save_model(model, directory)")
    config = read_json(config_path, "save the model again")
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise GanTextError(f"'{config_path}' was not written by gan_text's save_model; "
                           f"save the model again with save_model(model, directory)")
    if config.get("version") != FORMAT_VERSION:
        raise GanTextError(f"'{config_path}' has format version {config.get('version')!r}, but this "
                           f"gan_text reads version {FORMAT_VERSION}; save the model again")
    _register_classes()
    model = keras.saving.load_model(model_path, compile=compile)
    vocab = Vocabulary.load(directory / VOCAB_FILE) if config.get("has_vocab") else None
    return model, vocab, config


__all__ = ["CONFIG_FILE", "MODEL_FILE", "VOCAB_FILE", "describe", "load_model", "save_model"]
