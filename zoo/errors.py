"""The one exception type the `zoo` command turns into a clear message and a non-zero exit."""


class ZooError(Exception):
    """An expected failure a user can act on: the message names the problem and what to do next."""


class Interrupted(ZooError):
    """Training stopped by Ctrl-C after saving a checkpoint; the command exits with 130."""
