"""The project's exception types.

A :class:`GanTextError` means "the input was wrong, here is what to do": the CLI prints its message as
one line on stderr and exits with status 2. Any other exception is a bug and keeps its traceback.
:class:`TrainingDiverged` is the one subclass: a run whose numbers blew up, which callers such as the
tuner catch on its own.
"""


class GanTextError(ValueError):
    """A user mistake (bad file, unknown name, impossible size). The message says what to fix."""


class TrainingDiverged(GanTextError):
    """Training stopped because a loss or a weight became NaN or infinite. The message names the value,
    the step and phase, and the last good checkpoint."""


def one_of(kind: str, value: object, known) -> GanTextError:
    """Build the error for an unknown name, listing the known ones.

    >>> str(one_of("corpus", "cocoa", ["grammar", "coco"]))
    "unknown corpus 'cocoa'; known: grammar, coco"
    """
    return GanTextError(f"unknown {kind} {value!r}; known: {', '.join(map(str, known))}")
