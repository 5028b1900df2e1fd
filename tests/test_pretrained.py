"""The Pong agent shipped in the package: a complete run directory within the size budget that plays
offline, through `zoo play pong`, and wins its games."""

import json
import os
import subprocess
import sys

import numpy as np

import zoo
from zoo.envs.seeds import stream_of, stream_seed
from zoo.pretrained import shipped_path
from zoo.rundir.files import read_results

PONG = shipped_path("pong")


def test_shipped_pong_is_a_complete_run_directory_within_budget():
    files = {p.name for p in PONG.iterdir()}
    assert {"model.safetensors", "config.json", "results.json", "metrics.csv", "evaluations.csv",
            "learning_curve.png", "replay.mp4", "README.md"} <= files
    assert not any(name.startswith(("checkpoint", "replay.safetensors", "snapshots")) for name in files)  # local only
    assert (PONG / "model.safetensors").stat().st_size <= 8 * 10**6
    config = json.loads((PONG / "config.json").read_text())
    # trained with ALE v5's sticky actions: what ALE/Pong-v5 means everywhere
    assert config["env_id"] == "ALE/Pong-v5" and config["preprocessing"]["sticky_actions"] == 0.25


def test_shipped_pong_score_is_both_protocols_held_out_and_no_game_lost():
    config = json.loads((PONG / "config.json").read_text())
    results = read_results(PONG)
    sticky, starts = results.protocols["sticky"], results.protocols["noop-starts"]
    # sticky: 100 games on seeds of the `final` stream, never used to train nor to pick the kept weights
    assert sticky["n_episodes"] >= 100 and sticky["repeat_action_probability"] == 0.25 and results.greedy
    assert sticky["eval_seed"] == stream_seed("final", config["seed"]) and stream_of(sticky["eval_seed"]) == "final"
    assert len(sticky["returns"]) == sticky["n_episodes"] and sticky["ci95"][0] <= sticky["mean_reward"] <= sticky["ci95"][1]
    # noop-starts: every start of the deterministic game once, an exact mean
    assert starts["n_episodes"] == 30 and starts["exact"] and starts["env_id"] == "PongNoFrameskip-v4"
    for figures in (sticky, starts):
        assert figures["episodes_lost"] == 0 and figures["episodes_won"] == sum(r > 0 for r in figures["returns"])
        assert figures["worst"] == min(figures["returns"]) > 0
    card = (PONG / "README.md").read_text()
    assert config["command"].splitlines()[0] in card and "held-out `final` stream" in card
    assert f"| `sticky` | `ALE/Pong-v5` | {sticky['n_episodes']} | **{sticky['mean_reward']:.2f}**" in card
    assert f"| `noop-starts` | `PongNoFrameskip-v4` | 30 | **{starts['mean_reward']:.2f}** (exact)" in card


def test_zoo_eval_pong_plays_the_published_evaluation_seeds_with_sticky_actions():
    results = read_results(PONG)
    done = subprocess.run([sys.executable, "-m", "zoo.cli", "eval", "pong", "--episodes", "2", "--protocol", "sticky",
                           "--precision", "fp32"], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert done.returncode == 0, done.stderr
    line, where = done.stdout.strip().splitlines()[-2:]
    assert line.startswith("dqn on ALE/Pong-v5: mean reward sticky: ") and "over 2 games" in line and "95% CI" in line
    assert " won, " in line and " lost, worst " in line and f"(env seed {results.eval_seed})" in line  # held-out seeds
    assert where.startswith("greedy actions in fp32 on ")
    refused = subprocess.run([sys.executable, "-m", "zoo.cli", "eval", "pong", "--episodes", "2", "--write"],
                             capture_output=True, text=True, timeout=300, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert refused.returncode != 0 and "at least 100" in refused.stderr  # a published score is ≥ 100 sticky games


def test_shipped_pong_agent_wins_every_start_of_the_deterministic_game_in_fp32_and_native_bf16():
    """All 30 noop starts of PongNoFrameskip-v4, the only games a greedy agent meets there: a single lost game
    fails, under fp32 inference and, where the CPU has it natively, bf16 (a deterministic game can turn on the
    last bits of a Q-value, so both must win)."""
    from zoo.envs.episodes import noop_starts
    from zoo.learning.device import native_bf16

    agent = zoo.load("pong")
    for bf16 in (False, True) if native_bf16() else (False,):
        agent.bf16 = bf16
        returns = noop_starts(agent, "ALE/Pong-v5").returns
        assert len(returns) == 30 and (returns > 0).all(), ("bf16" if bf16 else "fp32", returns)


def test_shipped_pong_agent_wins_on_unused_seeds_in_the_plain_gymnasium_pipeline():
    from benchmarks.pong_eval import plain_gymnasium_returns

    agent = zoo.load("pong")
    seed = stream_seed("bench", 2026)  # in no run's train, select or final stream
    plain = plain_gymnasium_returns(agent, games=2, seed=seed, num_envs=2)
    assert (plain > 0).all(), plain  # each game won (first to 21 points), in a pipeline zoo did not write


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
    # a whole game of Pong: first to 21. Whether a fresh seed's game is won is the agent's quality, measured
    # over every start by its evaluation, not by one random game here
    assert -21 <= ret <= 21 and ret != 0
    import imageio.v3 as iio

    frames = iio.imread(video)
    assert frames.shape[1:] == (210, 160, 3) and len(frames) > 1000  # a whole game in colour
    assert not (tmp_path / "hf").exists() or not any((tmp_path / "hf").rglob("*.safetensors"))  # nothing fetched


def test_shipped_agent_takes_the_observations_play_gives_it_and_reacts_to_them():
    from zoo.envs.atari import make_atari_env, preprocessing
    from zoo.rundir.files import read_config, space_desc

    config = json.loads((PONG / "config.json").read_text())
    env_kwargs = read_config(PONG).env_kwargs
    env = make_atari_env("ALE/Pong-v5", env_kwargs)
    # what `zoo play` builds today from the run's env kwargs is what the agent was trained on
    assert config["preprocessing"] == preprocessing(env_kwargs)
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
