"""The parts of a run directory written for people: ``learning_curve.png`` and the model card ``README.md``.

Neither needs torch nor the agent, so `zoo train` writes them in a second interpreter while it films the
replay video: matplotlib's and huggingface_hub's imports and the drawing (1.3 s on an AMD EPYC) then run
beside the rendering instead of after it. ``python -m zoo.rundir.presentation RUN_DIR`` writes both.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from pathlib import Path
from typing import Iterator

from zoo.errors import ZooError
from zoo.rundir.card import write_model_card
from zoo.rundir.files import read_config
from zoo.rundir.plots import plot_learning_curve


def write_presentation(run_dir: Path) -> None:
    """Draw the learning curve and write the model card from the run's config, metrics and results."""
    config = read_config(run_dir)
    plot_learning_curve(run_dir, f"{config.algo} on {config.env_id} (seed {config.seed})")
    write_model_card(run_dir)


@contextlib.contextmanager
def presentation_beside(run_dir: Path) -> Iterator[subprocess.Popen]:
    """Draw the curve and write the card in a child interpreter (yielded) while the ``with`` body runs; at
    its end wait for the child, whose failure becomes a ZooError. An exception in the body (Ctrl-C too)
    stops the child."""
    # the child imports this very zoo (not whatever a folder named zoo in the working directory holds)
    here = str(Path(__file__).resolve().parent.parent)
    code = f"import sys; sys.path.insert(0, {here!r}); from zoo.rundir.presentation import main; sys.exit(main(sys.argv[1:]))"
    child = subprocess.Popen([sys.executable, "-c", code, str(run_dir)], stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        yield child
    except BaseException:
        child.kill()
        child.communicate()
        raise
    _, error = child.communicate()
    if child.returncode != 0:
        lines = (error or "").strip().splitlines() or [f"exit status {child.returncode}"]
        raise ZooError(f"writing the learning curve and model card of {run_dir} failed: {lines[-1]}")


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m zoo.rundir.presentation RUN_DIR", file=sys.stderr)
        return 2
    try:
        write_presentation(Path(argv[0]))
    except Exception as error:  # one line for the parent's message; the run stays as it is
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
