"""The one exception type for user mistakes.

A :class:`GanTextError` means "the input was wrong, here is what to do": the CLI prints its message as
one line on stderr and exits with status 2. Any other exception is a bug and keeps its traceback.
"""


class GanTextError(ValueError):
    """A user mistake (bad file, unknown name, impossible size). The message says what to fix."""


def one_of(kind: str, value: object, known) -> GanTextError:
    """Build the error for an unknown name, listing the known ones.

    >>> str(one_of("corpus", "cocoa", ["grammar", "coco"]))
    "unknown corpus 'cocoa'; known: grammar, coco"
    """
    return GanTextError(f"unknown {kind} {value!r}; known: {', '.join(map(str, known))}")
