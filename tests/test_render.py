"""`zoo play --render`: the game in a window, checked on a virtual X display (Xvfb) by a screenshot."""

import os
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

from zoo.cli import main

XVFB = shutil.which("Xvfb")


@pytest.fixture
def display():
    if XVFB is None:
        pytest.skip("no Xvfb (Debian's xvfb package; .ci/run installs it)")
    for number in range(90, 110):
        if not os.path.exists(f"/tmp/.X11-unix/X{number}") and not os.path.exists(f"/tmp/.X{number}-lock"):
            break
    server = subprocess.Popen([XVFB, f":{number}", "-screen", "0", "800x600x24", "-nolisten", "tcp"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 10
    while not os.path.exists(f"/tmp/.X11-unix/X{number}") and time.time() < deadline:
        time.sleep(0.1)
    yield f":{number}"
    server.terminate()
    server.wait(timeout=10)


def screenshot_while(args, display, wanted_rgb, min_pixels=2000, timeout=40.0):
    """Start `zoo ARGS` on ``display``; return the first screenshot showing ``wanted_rgb`` (None if none did)."""
    from PIL import ImageGrab

    env = {k: v for k, v in os.environ.items() if not k.startswith("SDL_")}
    env["DISPLAY"] = display
    proc = subprocess.Popen([sys.executable, "-m", "zoo.cli", *map(str, args)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + timeout
        while time.time() < deadline and proc.poll() is None:
            shot = np.asarray(ImageGrab.grab(xdisplay=display))[..., :3]
            if (np.abs(shot.astype(int) - wanted_rgb).sum(-1) < 40).sum() > min_pixels:
                return shot
            time.sleep(0.5)
        return None
    finally:
        proc.kill()
        _, err = proc.communicate(timeout=30)
        assert "Traceback" not in err, err


def test_pong_plays_in_alés_window(display):
    shot = screenshot_while(["play", "pong", "--render", "--episodes", "1", "--seed", "3"], display, [144, 72, 17])
    assert shot is not None, "no Pong court (its brown) appeared on the display"
    assert len(np.unique(shot.reshape(-1, 3), axis=0)) >= 4  # court, paddles, ball, walls: not a blank window


def test_cartpole_plays_in_a_pygame_window(display, tmp_path):
    from zoo.training.session import TrainSettings, train

    run = train(TrainSettings("dqn", "CartPole-v1", out=tmp_path / "cp", steps=600, eval_episodes=2, video=False,
                              tensorboard=False, hyperparameters={"learning_starts": 300}))
    # Gymnasium's CartPole draws its pole in (202, 152, 101) on white: ~1,300 pixels of a 600x400 window
    shot = screenshot_while(["play", run, "--render", "--episodes", "50"], display, [202, 152, 101], min_pixels=500)
    assert shot is not None, "no CartPole pole appeared on the display"


def test_render_without_a_display_or_a_window_is_a_clear_error(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert main(["play", "pong", "--render", "--episodes", "1"]) == 2
    assert "no display here" in capsys.readouterr().err
    monkeypatch.setenv("DISPLAY", ":999")
    from zoo.training.session import TrainSettings, train

    run = train(TrainSettings("planner", "toy/Trap-v0", out=tmp_path / "p", eval_episodes=2, tensorboard=False))
    assert main(["play", str(run), "--render", "--episodes", "1"]) == 2
    assert "has no window of its own" in capsys.readouterr().err
    assert main(["play", "pong", "--render", "--video", str(tmp_path / "x.mp4")]) == 2
    assert "not both" in capsys.readouterr().err
