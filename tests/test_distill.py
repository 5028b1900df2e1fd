"""benchmarks/pong_distill.py's teaching step: a student learns a teacher's Q-values and its greedy choices."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from benchmarks.pong_distill import agreement, distill
from zoo.agents.configs import DQNConfig
from zoo.agents.dqn import DQNAgent
from zoo.rundir.files import Spaces

SPACES = Spaces({"type": "Box", "shape": [4], "dtype": "float32"}, {"type": "Discrete", "n": 3})


def agent(hidden: str, seed: int) -> DQNAgent:
    torch.manual_seed(seed)
    return DQNAgent(DQNConfig(hidden=hidden, precision="fp32"), SPACES, seed=seed)


def test_a_teacher_agrees_with_itself_and_a_stranger_by_hand():
    teacher = agent("32", 0)
    obs = np.random.default_rng(0).normal(size=(100, 4)).astype(np.float32)
    q = teacher.q_values(obs)
    same, err = agreement(teacher, obs, q, chunk=7)  # batches of 7 against one of 100: float sums may differ
    assert same == 1.0 and err < 1e-6
    # the same Q-values with the greedy action of every other state moved up by 1: half the choices differ
    moved = q.copy()
    other = (q.argmax(1) + 1) % 3
    moved[::2][np.arange(50), other[::2]] += 1.0
    same, err = agreement(teacher, obs, moved, chunk=7)
    assert same == pytest.approx(0.5)
    assert err == pytest.approx(50 * 1.0 / moved.size)


@pytest.mark.parametrize("kl_weight", [0.0, 0.01])
def test_a_student_of_another_shape_learns_the_teachers_choices(kl_weight):
    teacher, student = agent("32", 0), agent("64,64", 1)
    obs = np.random.default_rng(1).normal(size=(4000, 4)).astype(np.float32)
    q = teacher.q_values(obs)
    before, _ = agreement(student, obs, q)
    log = distill(student, obs, q, updates=600, batch=64, lr=3e-3, tau=0.05, kl_weight=kl_weight, seed=0)
    assert [e["update"] for e in log] == list(range(60, 601, 60))
    held_out = log[-1]["held_out_same_action"]
    assert held_out > 0.9 > before + 0.2, (before, held_out)
    assert log[-1]["held_out_q_mae"] < 0.3 * log[0]["held_out_q_mae"] + 0.02
