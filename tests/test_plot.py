"""`zoo plot`: runs grouped by configuration on one axes, checked in the PNG's pixels; the band's statistics."""

import imageio.v3 as iio
import numpy as np
import pytest

from zoo.cli import main
from zoo.rundir.compare import band, read_curves
from zoo.rundir.files import RunConfig, Spaces, write_config

BLUE, ORANGE = np.array([31, 119, 180]), np.array([255, 127, 14])  # matplotlib's first two colours


def fake_run(folder, seed, lr, returns):
    folder.mkdir(parents=True)
    write_config(folder, RunConfig(algo="dqn", env_id="CartPole-v1", seed=seed, steps=1000, hyperparameters={"lr": lr},
                                   spaces=Spaces({"type": "Box", "shape": [4], "dtype": "float32"},
                                                 {"type": "Discrete", "n": 2})))
    rows = [f"{100 * (i + 1)},{i},{r},0,10,{i}" for i, r in enumerate(returns)]
    (folder / "evaluations.csv").write_text("step,wall_s,mean_reward,std_reward,n_episodes,train_s\n" + "\n".join(rows))
    return folder


def pixels_of(image, color, tol=30):
    return np.argwhere(np.abs(image[..., :3].astype(int) - color).sum(-1) < tol)


def test_two_configurations_on_one_picture(tmp_path):
    high = [fake_run(tmp_path / f"high-{s}", s, 0.1, [400 + 10 * s] * 5) for s in range(3)]
    low = [fake_run(tmp_path / "low-0", 0, 0.5, [50, 60, 70, 80, 90])]
    out = tmp_path / "compare.png"
    assert main(["plot", *map(str, high + low), "-o", str(out)]) == 0
    image = iio.imread(out)
    blue, orange = pixels_of(image, BLUE), pixels_of(image, ORANGE)
    assert len(blue) > 300 and len(orange) > 300  # both groups drawn
    # the 3-seed group (returns ~410) is drawn above the single run (50..90): smaller row index
    assert np.median(blue[:, 0]) < np.median(orange[:, 0]) - 50
    band_pixels = pixels_of(image, np.array([210, 227, 240]), tol=25)  # tab:blue at alpha 0.2 on white
    assert len(band_pixels) > 500  # the seeds' interval is a visible band
    groups = read_curves(high + low)
    assert [len(g["runs"]) for g in groups] == [3, 1] and "lr=0.1" in groups[0]["label"]


def test_band_is_the_mean_or_iqm_with_a_bootstrap_interval():
    curves = [np.array([1.0, 2.0]), np.array([3.0, 4.0]), np.array([5.0, 6.0])]
    line, low, high, name = band(curves)
    assert name == "mean" and np.allclose(line, [3.0, 4.0]) and np.all(low < line) and np.all(line < high)
    outlier = [np.array([x]) for x in (0.0, 10.0, 11.0, 12.0, 13.0, 1000.0)]
    line, *_, name = band(outlier)
    assert name == "IQM" and line[0] == pytest.approx(11.5)  # the middle half 10, 11, 12, 13


def test_bad_inputs_are_clear(tmp_path, capsys):
    assert main(["plot", str(tmp_path), "-o", str(tmp_path / "x.png")]) == 2
    assert "not a run directory" in capsys.readouterr().err
    run = fake_run(tmp_path / "r", 0, 0.1, [1, 2])
    assert main(["plot", str(run), "-o", str(tmp_path / "x.jpg")]) == 2
    assert "ends in .png" in capsys.readouterr().err.replace("ending", "ends")
    assert not (tmp_path / "x.png").exists()
