"""zoo.rundir.presentation: the curve and card drawn in a second interpreter beside the video, failures surfaced."""

import shutil
import time

import pytest

from zoo.errors import ZooError
from zoo.rundir.presentation import presentation_beside


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    from zoo.training.session import TrainSettings, train

    out = tmp_path_factory.mktemp("report") / "run"
    return train(TrainSettings("q-learning", "FrozenLake-v1", steps=2_000, out=out, video=False, tensorboard=False))


def test_the_report_is_written_while_the_body_runs(trained, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(trained, run)
    for name in ("README.md", "learning_curve.png"):
        (run / name).unlink()
    with presentation_beside(run) as child:
        # the body runs while the child draws: nothing is written yet, and the card appears without the body's help
        assert not (run / "README.md").exists() and child.poll() is None
        deadline = time.monotonic() + 120
        while not (run / "README.md").exists() and time.monotonic() < deadline:
            time.sleep(0.05)  # polling a condition, with a deadline far beyond its usual second
        assert (run / "README.md").exists()
    card = (run / "README.md").read_text()
    assert "q-learning on FrozenLake-v1" in card and "held-out" in card
    assert (run / "learning_curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_failing_report_is_an_error_that_says_why(trained, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(trained, run)
    (run / "results.json").write_text("{not json")
    with pytest.raises(ZooError, match=r"writing the learning curve and model card of .*run failed: .*results\.json"):
        with presentation_beside(run):
            pass


def test_an_error_in_the_body_stops_the_child_and_passes_through(trained, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(trained, run)
    (run / "README.md").unlink()
    with pytest.raises(KeyboardInterrupt):
        with presentation_beside(run) as child:
            raise KeyboardInterrupt
    # the child was stopped and reaped, not left to finish: it can never write the card now
    assert child.returncode is not None and child.returncode != 0
    assert not (run / "README.md").exists()
