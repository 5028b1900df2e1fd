"""`zoo export --format open-rl-leaderboard`: agent.pt plays exactly as the agent, on the leaderboard's own
Atari stack and on CartPole, and the card and push carry it."""

import shutil

import numpy as np
import pytest
import torch

from zoo.agents.registry import load_run
from zoo.cli import main


def _exported(run, capsys):
    assert main(["export", "--format", "open-rl-leaderboard", str(run)]) == 0
    assert "agent.pt" in capsys.readouterr().out
    # a file this test itself just wrote; zoo never loads agent.pt (pulled repos load model.safetensors)
    with pytest.warns(DeprecationWarning):  # torch 2.13 deprecates TorchScript; the leaderboard still loads it
        return torch.jit.load(str(run / "agent.pt"))


def test_pong_agent_pt_plays_the_agents_actions_on_the_leaderboards_stack(tmp_path, capsys):
    from huggingface_hub import ModelCard

    from tests.leaderboard_env import leaderboard_atari_env
    from zoo.pretrained import shipped_path

    run = tmp_path / "pong"
    shutil.copytree(shipped_path("pong"), run)
    policy = _exported(run, capsys)
    agent, _ = load_run(run)
    agent.bf16 = False  # agent.pt is fp32: compare like with like
    env = leaderboard_atari_env()
    obs, _ = env.reset(seed=11)
    assert obs.shape == (4, 84, 84) and obs.dtype == np.uint8
    actions = []
    for _ in range(300):
        exported = int(policy(torch.from_numpy(np.asarray(obs)[None]))[0])
        assert exported == agent.act(np.asarray(obs))
        actions.append(exported)
        obs, _, terminated, truncated, _ = env.step(exported)
        if terminated or truncated:
            obs, _ = env.reset()
    env.close()
    assert len(set(actions)) >= 2  # it played, not a constant
    card = ModelCard.load(run / "README.md")
    assert "PongNoFrameskip-v4" in card.data.tags and "agent.pt" in card.text


def test_cartpole_agent_pt_gives_the_greedy_actions_of_a_batch(tmp_path, capsys):
    from zoo.training.session import TrainSettings, train

    run = train(TrainSettings("dqn", "CartPole-v1", out=tmp_path / "cp", steps=2000, eval_episodes=2, video=False,
                              tensorboard=False, hyperparameters={"learning_starts": 500}))
    policy = _exported(run, capsys)
    agent, _ = load_run(run)
    obs = np.random.default_rng(0).normal(size=(256, 4)).astype(np.float32) * [1.0, 1.0, 0.1, 1.0]
    assert np.array_equal(policy(torch.from_numpy(obs)).numpy(), agent.act(obs))
    assert np.array_equal(policy(torch.from_numpy(obs.astype(np.float64))).numpy(), agent.act(obs))
    from hub.push import files_to_push

    assert run / "agent.pt" in files_to_push(run)  # `zoo push` uploads it with the card that tags it
    assert "CartPole-v1" in (run / "README.md").read_text() and "agent.pt" in (run / "README.md").read_text()


def test_agents_without_a_q_network_are_refused_and_nothing_is_written(tmp_path, capsys):
    from zoo.training.session import TrainSettings, train

    run = train(TrainSettings("q-learning", "toy/Trap-v0", out=tmp_path / "q", steps=200, eval_episodes=5,
                              video=False, tensorboard=False))
    assert main(["export", "--format", "open-rl-leaderboard", str(run)]) == 2
    assert "takes a dqn agent" in capsys.readouterr().err and not (run / "agent.pt").exists()


@pytest.mark.parametrize("args", [["export", "--format", "onnx", "x"], ["export", "x"]])
def test_export_needs_a_known_format(args, capsys):
    assert main(args) == 2
    assert "--format" in capsys.readouterr().err
