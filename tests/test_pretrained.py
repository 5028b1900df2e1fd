"""The Pong agent shipped in the package: a complete run directory within the size budget that plays
offline, through `zoo play pong`, and wins its games."""

import json
import os
import subprocess
import sys

import numpy as np

import zoo
from zoo.episodes import evaluate
from zoo.pretrained import shipped_path

PONG = shipped_path("pong")


def test_shipped_pong_is_a_complete_run_directory_within_budget():
    files = {p.name for p in PONG.iterdir()}
    assert {"model.safetensors", "config.json", "results.json", "metrics.csv", "evaluations.csv",
            "learning_curve.png", "replay.mp4", "README.md"} <= files
    assert not any(name.startswith("checkpoint") for name in files)  # resume state stays out of the package
    assert (PONG / "model.safetensors").stat().st_size <= 8 * 10**6
    config = json.loads((PONG / "config.json").read_text())
    results = json.loads((PONG / "results.json").read_text())
    assert config["env_id"] == "ALE/Pong-v5" and config["preprocessing"]["sticky_actions"] == 0.0
    assert results["n_episodes"] == 10 and results["greedy"] and "zoo play" in results["pipeline"]
    card = (PONG / "README.md").read_text()
    assert config["command"] in card and f"{results['mean_reward']:.2f}" in card


def test_shipped_pong_agent_wins_a_short_evaluation():
    agent = zoo.load("pong")
    returns = evaluate(agent, "ALE/Pong-v5", {}, episodes=2, seed=2026, play_pipeline=True).returns
    assert len(returns) == 2 and (returns > 0).all(), returns  # each game won (first to 21 points)


def test_zoo_play_pong_runs_offline_and_films_a_game(tmp_path):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    environment.update({"HF_HUB_OFFLINE": "1", "HF_ENDPOINT": "http://127.0.0.1:9", "HF_HOME": str(tmp_path / "hf"),
                        "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"})
    video = tmp_path / "pong.mp4"
    done = subprocess.run([sys.executable, "-m", "zoo.cli", "play", "pong", "--episodes", "1", "--video", str(video)],
                          capture_output=True, text=True, env=environment, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "dqn on ALE/Pong-v5 from pong" in done.stdout
    ret = float(done.stdout.split("episode 1: return ")[1].split()[0])
    assert ret > 0
    import imageio.v3 as iio

    frames = iio.imread(video)
    assert frames.shape[1:] == (210, 160, 3) and len(frames) > 1000  # a whole game in colour
    assert not (tmp_path / "hf").exists() or not any((tmp_path / "hf").rglob("*.safetensors"))  # nothing fetched


def test_shipped_agent_takes_the_observations_play_gives_it_and_reacts_to_them():
    from zoo.algorithms import space_desc
    from zoo.atari import PREPROCESSING, make_atari_env

    config = json.loads((PONG / "config.json").read_text())
    env = make_atari_env("ALE/Pong-v5", {})
    # what `zoo play` builds today is what the agent was trained on
    assert config["preprocessing"] == PREPROCESSING
    assert config["spaces"] == {"observation": space_desc(env.observation_space), "action": space_desc(env.action_space)}
    agent = zoo.load("pong")
    obs, _ = env.reset(seed=31)
    frames = []
    for _ in range(300):  # the agent plays; its view changes as the ball moves
        obs, _, terminated, truncated, _ = env.step(int(agent.act(np.asarray(obs))))
        frames.append(np.asarray(obs))
    q = agent.q_values(np.stack(frames))
    assert np.isfinite(q).all() and q.std(axis=0).min() > 1e-3  # a live network: values follow the frames
    assert len(set(q.argmax(axis=1).tolist())) >= 2  # and so do its actions
