"""The one exception type the `zoo` command turns into a clear message and a non-zero exit."""


class ZooError(Exception):
    """An expected failure a user can act on: the message names the problem and what to do next."""


class Interrupted(ZooError):
    """Training stopped by Ctrl-C after saving a checkpoint; the command exits with 130."""


def first_line(error: BaseException, limit: int = 300) -> str:
    """The first line of an exception's message (its type's name if empty), for a one-line error."""
    text = str(error).strip()
    return text.splitlines()[0][:limit] if text else type(error).__name__
