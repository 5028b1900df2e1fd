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
    started = time.perf_counter()
    with presentation_beside(run):
        inside = time.perf_counter() - started
    assert inside < 0.2  # the body did not wait for the child
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
        with presentation_beside(run):
            raise KeyboardInterrupt
    time.sleep(1.5)
    assert not (run / "README.md").exists()  # killed before it wrote the card
