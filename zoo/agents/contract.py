"""The contract every agent keeps, and nothing more: the trainer and the collector rely on it alone.

An agent maps observations to actions (``act``) and learns from the steps the collector hands it
(``observe``); it never sees an environment, a clock or a run directory. Its learned state goes to
``model.safetensors`` through ``state_dict``. An agent that can continue an interrupted run also keeps
the ``Resumable`` part (target network, optimiser, counters, random states).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

if TYPE_CHECKING:  # numpy only for annotations: `zoo --help` must not pay for importing it
    import numpy as np

    from zoo.envs.collector import Step


@runtime_checkable
class Agent(Protocol):
    """What the trainer, evaluation and play need from an agent."""

    algo: ClassVar[str]
    """its name in `zoo list`"""
    steps_done: int
    """environment steps observed so far (schedules such as ε depend on it)"""

    def act(self, obs: np.ndarray, explore: bool = False) -> np.ndarray:
        """Actions for a batch of observations: greedy, or exploring while training (``explore``)."""

    def observe(self, step: Step) -> None:
        """Learn from one step of every env (rows where ``step.valid`` is False are no transitions)."""

    def sync(self) -> None:
        """Bring derived values up to date before the agent is evaluated or saved (a plan on a learned
        model); most agents have nothing to do."""

    def stats(self) -> dict[str, float]:
        """The training signals of the learning curve: ``loss`` and ``epsilon`` (NaN where meaningless)."""

    def state_dict(self) -> dict[str, Any]:
        """What ``model.safetensors`` holds: tables (numpy) or weights (torch)."""

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what ``state_dict`` gave; raises ZooError when it does not fit this agent."""


@runtime_checkable
class Resumable(Protocol):
    """The extra state an agent needs to continue an interrupted run (``zoo train --resume``)."""

    def training_state(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """``(tensors, json_metadata)`` beyond ``state_dict``: target net, optimiser, counters, RNG states."""

    def load_training_state(self, tensors: dict[str, Any], meta: dict[str, Any]) -> None:
        """Restore what ``training_state`` gave."""

    def replay_state(self) -> dict[str, Any] | None:
        """The experience it learns from (numpy arrays), or None if it keeps none."""

    def load_replay_state(self, state: dict[str, Any]) -> None:
        """Restore what ``replay_state`` gave."""
