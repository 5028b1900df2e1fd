"""`zoo train`: check everything, build the collector, the agent and the trainer, train, then write the
complete run directory (held-out score, learning curve, video, model card).

Every check that can fail (names, hyperparameters, an existing directory) runs before training, and
the directory is built beside its target and moved into place only when complete.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import math
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from zoo.agents.configs import build_config
from zoo.agents.contract import Resumable
from zoo.agents.registry import Algorithm, build_agent, check_fits, get_algorithm, load_run
from zoo.envs.collector import AsyncCollector, Collector, SingleEnv
from zoo.envs.episodes import evaluate, play
from zoo.envs.make import make_env, make_vec_env, require_env
from zoo.envs.seeds import check_run_seed, stream_seed
from zoo.errors import Interrupted, ZooError
from zoo.learning.device import SMALL_NETWORK_THREADS, check_device, torch_threads
from zoo.rundir.atomic import DirectoryLock, existing_parent, replace_directory
from zoo.rundir.files import RunConfig, Spaces, read_config, read_json, space_desc, write_config, write_results
from zoo.rundir.metrics import MetricsLogger
from zoo.rundir.presentation import presentation_beside
from zoo.rundir.video import mp4_writer
from zoo.training.checkpoint import TrainerState, load_checkpoint
from zoo.training.loop import Schedule, Trainer
from zoo.training.presets import DEFAULT_STEPS, preset
from zoo.training.scoring import PROTOCOLS, score_run, training_machine
from zoo.training.settings import TrainSettings


def default_run_dir(algo: str, env_id: str, seed: int) -> Path:
    """``runs/<algo>-<env>-<seed>`` with the env id's namespace slash made safe."""
    return Path("runs") / f"{algo}-{env_id.replace('/', '-')}-{seed}"


def resume_settings(run_dir: Path, steps: int | None = None, **overrides: Any) -> TrainSettings:
    """Settings that continue ``run_dir`` (its algo, env, seed, hyperparameters) up to ``steps`` in all."""
    if not run_dir.is_dir():
        raise ZooError(f"no run directory at {run_dir} to resume")
    if not (run_dir / "checkpoint.json").is_file() or not (run_dir / "config.json").is_file():
        raise ZooError(f"{run_dir} has no checkpoint to resume from (checkpoint.json or config.json missing). "
                       "Only dqn runs write checkpoints; train again instead.")
    config = read_config(run_dir)
    require_env(config.env_id, config.gym_packages)
    done = read_json(run_dir / "checkpoint.json").get("steps_done")
    if not isinstance(done, int) or done < 0:
        raise ZooError(f"{run_dir / 'checkpoint.json'} is damaged (steps_done {done!r}); train again instead")
    total = steps if steps is not None else config.steps
    if total < done:
        raise ZooError(f"--steps {total:,} is below the {done:,} steps {run_dir} has already trained")
    if total == done:
        raise ZooError(f"{run_dir} has already trained all its {done:,} steps. Pass --steps with a larger total "
                       f"(e.g. --steps {max(done, 1) * 2:,}) to continue it.")
    recorded = _recorded_schedule(config.schedule or {}, run_dir / "config.json", skip=overrides)
    return TrainSettings(algo=config.algo, env_id=config.env_id, seed=config.seed, steps=total, out=run_dir,
                         hyperparameters=config.hyperparameters, env_kwargs=config.env_kwargs, resume=True,
                         gym_packages=tuple(config.gym_packages or ()), **recorded, **overrides)


SCHEDULE = {"eval_every": int, "periodic_eval_episodes": int, "eval_episodes": int, "eval_protocol": str,
            "snapshot_every": int, "video": bool, "tensorboard": bool}
"""The settings config.json records as its ``schedule`` and ``--resume`` takes back (flags given then win): the
periodic evaluations choose the kept weights, so a resumed run must not silently play fewer or rarer games."""


def _schedule(s: TrainSettings, plan: RunPlan) -> dict[str, Any]:
    """The schedule this session trains with (defaults and the preset applied), for config.json."""
    return {"eval_every": plan.eval_every, "periodic_eval_episodes": plan.periodic_episodes,
            "eval_episodes": plan.eval_episodes, "eval_protocol": s.eval_protocol, "snapshot_every": s.snapshot_every,
            "video": s.video, "tensorboard": s.tensorboard}


def _recorded_schedule(schedule: dict[str, Any], where: Path, skip: dict[str, Any]) -> dict[str, Any]:
    """The schedule a run recorded (runs made before it was recorded have none), less the names in ``skip``."""
    recorded = {}
    for name, kind in SCHEDULE.items():
        if name in schedule and name not in skip:
            value = schedule[name]
            if type(value) is not kind:  # exactly: a bool is not a whole number of steps here
                raise ZooError(f"{where}: schedule.{name} {str(value)[:40]!r} is damaged. Give --"
                               f"{name.replace('_', '-')} to resume, or train again.")
            recorded[name] = value
    return recorded


@dataclass(frozen=True)
class RunPlan:
    """What ``train`` settled before touching any file: every default resolved, every value checked."""

    algorithm: Algorithm
    config: Any
    """the algorithm's config dataclass (``zoo.agents.configs``), preset and overrides applied"""
    spaces: Spaces
    model: dict | None
    """the env's own model ``P``, for the exact planner only"""
    out: Path
    steps: int
    eval_episodes: int
    eval_every: int
    periodic_episodes: int
    stop_at: float | None
    init_weights: dict | None = None
    """``--init-from``: the weights the new agent starts from (checked to fit its network)"""
    initialized_from: dict | None = None
    """what config.json and the card say about where those weights came from"""


def is_run_directory(path: Path) -> bool:
    """Whether ``path`` is a run directory (its config.json names a value-zoo run), finished or not."""
    try:
        data = read_json(path / "config.json")
    except ZooError:
        return False
    return isinstance(data.get("format_version"), int) and isinstance(data.get("algo"), str)


def plan_run(s: TrainSettings) -> RunPlan:
    """Every check that can fail, before any file is written."""
    algorithm = get_algorithm(s.algo)
    chosen = preset(s.algo, s.env_id)
    steps = s.steps if s.steps is not None else chosen.get("steps", DEFAULT_STEPS)
    if not 0 <= steps <= MAX_STEPS:
        raise ZooError(f"--steps must be between 0 and {MAX_STEPS:,} (got {steps:,})")
    try:
        check_run_seed(s.seed)
    except ValueError as error:
        raise ZooError(str(error)) from None
    if s.time_limit is not None and not 0 < s.time_limit < float("inf"):
        raise ZooError(f"--time-limit must be a positive number of minutes (got {s.time_limit})")
    config = build_config(algorithm.config_class, {**chosen.get("hyperparameters", {}), **s.hyperparameters})
    check_device(s.device)
    if s.async_acting and s.algo != "dqn":
        raise ZooError(f"--async-acting needs an agent that can act from a copy of its network (dqn), not {s.algo}")
    env = make_env(s.env_id, s.env_kwargs)
    try:
        check_fits(algorithm, env, s.env_id)
        spaces = Spaces(space_desc(env.observation_space), space_desc(env.action_space))
        model = getattr(env.unwrapped, "P", None) if algorithm.needs_model else None
    finally:
        env.close()
    out = Path(s.out) if s.out is not None else default_run_dir(s.algo, s.env_id, s.seed)
    _check_out(out, s)
    eval_episodes = s.eval_episodes if s.eval_episodes is not None else chosen.get(
        "eval_episodes", 1000 if algorithm.tabular else 100)
    if not 1 <= eval_episodes <= MAX_EPISODES:
        raise ZooError(f"--eval-episodes must be between 1 and {MAX_EPISODES:,} (got {eval_episodes})")
    eval_every = s.eval_every if s.eval_every is not None else chosen.get("eval_every", max(steps // 10, 1))
    if eval_every < 0 or s.snapshot_every < 0:
        raise ZooError("--eval-every and --snapshot-every must not be negative")
    if s.eval_protocol not in ("both", *PROTOCOLS):
        raise ZooError(f"--eval-protocol {s.eval_protocol!r}: choose both, {' or '.join(PROTOCOLS)}")
    if s.eval_protocol != "both" and not s.env_id.startswith("ALE/"):
        raise ZooError(f"--eval-protocol is for Atari games; {s.env_id} has one protocol")
    periodic = s.periodic_eval_episodes or min(eval_episodes, 100 if algorithm.tabular else 10)
    # the preset's stop belongs to the preset's schedule: an explicit --steps asks for that many steps
    stop_at = s.stop_at if s.stop_at is not None else (chosen.get("stop_at") if s.steps is None else None)
    if stop_at is not None and (not math.isfinite(stop_at) or not eval_every):
        raise ZooError("--stop-at needs a finite return and periodic evaluations (--eval-every > 0)")
    if getattr(config, "anchor_weight", 0) and s.init_from is None and not s.resume:
        raise ZooError(f"anchor_weight={config.anchor_weight} holds a fine-tune near the agent it starts from: give "
                       "that agent with --init-from RUN_DIR_OR_HUB_REPO, or leave anchor_weight at 0")
    if getattr(config, "anchor_margin", 0) and not config.anchor_weight:
        raise ZooError(f"anchor_margin={config.anchor_margin} shapes the anchor's term, which anchor_weight=0 turns "
                       "off: give --anchor-weight W (with --init-from) too, or leave anchor_margin at 0")
    init_weights, origin = _initial_weights(s, algorithm, config, spaces) if s.init_from is not None else (None, None)
    return RunPlan(algorithm, config, spaces, model, out, steps, eval_episodes, eval_every, periodic, stop_at,
                   init_weights, origin)


def _initial_weights(s: TrainSettings, algorithm: Algorithm, config, spaces: Spaces) -> tuple[dict, dict]:
    """``--init-from``: the source's weights, checked to be the same algorithm on the same spaces and to fit
    the new run's network, and the record of where they came from."""
    from zoo.rundir.files import read_results

    if s.resume:
        raise ZooError("--init-from starts a new run from an agent's weights; --resume continues a run from its "
                       "checkpoint. Give one of them.")
    source = Path(s.init_from)
    name = s.init_source or str(source)
    agent, origin = load_run(source)
    if origin.algo != s.algo:
        raise ZooError(f"--init-from {name} holds a {origin.algo} agent; its weights cannot start a {s.algo} run. "
                       f"Train `zoo train {origin.algo} ...` instead.")
    if origin.spaces != spaces:
        frames = [tuple(x.observation.get("shape", ())) for x in (origin.spaces, spaces)]
        if origin.env_id == s.env_id and frames[0] != frames[1] and s.env_id.startswith("ALE/"):
            raise ZooError(f"--init-from {name} saw frame stacks of shape {frames[0]}, this run's are {frames[1]}: "
                           "its weights do not fit. Give the source's --env-kwarg screen_size (see its config.json, "
                           "preprocessing.screen) or start from an agent of this run's frames.")
        raise ZooError(f"--init-from {name} was trained on {origin.env_id}, whose observations or actions differ "
                       f"from {s.env_id}'s: its weights do not fit. Start from an agent trained on {s.env_id}.")
    weights = agent.state_dict()
    spread = getattr(config, "quantiles", 0) and not getattr(agent.config, "quantiles", 0)
    if spread:  # a plain DQN agent starts QR-DQN: each of its Q-values starts every quantile of its action
        from zoo.learning.networks import plain_head_as_quantiles

        weights = plain_head_as_quantiles(weights, int(spaces.action["n"]), config.quantiles)
    fresh = build_agent(algorithm, config, spaces, seed=s.seed, device="cpu")
    widen = getattr(agent.config, "cnn", None) == "small" and getattr(config, "cnn", None) == "wide"
    if widen:  # a small-CNN agent starts a wide one, playing as it did
        from zoo.learning.networks import widen_small_cnn

        try:
            weights = widen_small_cnn(weights, fresh.state_dict())
        except ZooError as error:
            raise ZooError(f"--init-from {name}: its weights cannot be widened ({error}). Give the source's "
                           "head hyperparameters (its config.json lists them).") from None
    try:  # the new run's network must take them: the same cnn, hidden sizes, dueling head
        fresh.load_state_dict(weights)
    except ZooError as error:
        raise ZooError(f"--init-from {name}: its weights do not fit this run's network ({error}). Give the "
                       f"source's network hyperparameters (its config.json lists them), or start from "
                       "another agent.") from None
    record = {"source": name, "algo": origin.algo, "env_id": origin.env_id, "env_kwargs": origin.env_kwargs,
              "steps": (origin.stopped_by_time_limit or {}).get("at_step", origin.steps)}
    if spread:
        record["head"] = f"its Q-values copied into {config.quantiles} equal quantiles each (QR-DQN)"
    if widen:
        record["body"] = ("its small CNN widened to the wide one (32 and 64 filters, fc 512), the new units starting "
                          "with zero weight into the old ones, so that it first played as the source")
    if origin.trained_on:
        record["trained_on"] = origin.trained_on
    if origin.initialized_from:
        record["which_started_from"] = origin.initialized_from
    try:
        results = read_results(source)
        record["score"] = {"mean_reward": results.mean_reward, "n_episodes": results.n_episodes,
                           "protocol": results.protocol}
    except ZooError:
        pass  # a run without results.json (a converted checkpoint not yet evaluated) starts all the same
    return weights, record


MAX_STEPS = 10**11
MAX_EPISODES = 1_000_000


def _check_out(out: Path, s: TrainSettings) -> None:
    """``--out`` must be a new path, or (with --force) a run directory, or (with --resume) a resumable run."""
    if out.resolve() in (Path.cwd().resolve(), Path.home().resolve(), Path("/")):
        raise ZooError(f"--out {out} is a folder of yours, not a run directory: give a new path such as runs/my-run")
    if s.resume:
        return
    if out.exists() and not out.is_dir():
        raise ZooError(f"--out {out} is a file; give a new path for the run directory")
    if out.exists() and any(out.iterdir()):
        if not s.force:
            raise ZooError(f"{out} already exists. Pass --force to replace it, --resume to continue it, "
                           "or --out to choose another directory.")
        if not is_run_directory(out):
            raise ZooError(f"{out} is not a run directory (no value-zoo config.json): --force only replaces runs. "
                           "Choose another --out, or move its files away first.")
    parent, writable = existing_parent(out)
    if not writable:
        raise ZooError(f"cannot create {out}: {parent} is not writable. Choose another --out.")


def train(settings: TrainSettings, on_evaluation: Callable[[int, float], None] | None = None) -> Path:
    """Train, evaluate, and write a complete run directory; return its path. ``on_evaluation(step, mean)``
    hears every periodic evaluation (``zoo tune`` reports them to Optuna, and prunes by raising).

    A new run trains in place at ``--out``: after a kill or Ctrl-C it holds config.json and a checkpoint,
    so ``--resume`` continues it. Replacing a run (``--force``) trains beside it in ``OUT.new`` and swaps
    the two only when the new one is complete. A resumed run continues in place. A lock refuses a second
    training into the same ``--out``.
    """
    s = settings
    plan = plan_run(s)
    out = plan.out
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ZooError(f"cannot create {out.parent}: {error.strerror}. Choose another --out.") from None
    existed = out.exists()
    lock = DirectoryLock(out)
    try:
        locked = lock.acquire()
    except OSError as error:
        raise ZooError(f"cannot create {out}: {error.strerror}. Choose another --out.") from None
    if not locked:
        raise ZooError(f"{out} is being written by another `zoo train` right now; wait for it, or choose another --out")
    try:
        with torch_threads(_threads(s, plan)), _sharing_cores(s, plan):
            return _train(s, plan, on_evaluation)
    except BaseException:
        if not existed and out.is_dir() and not any(out.iterdir()):
            out.rmdir()  # failed before writing anything: leave no empty folder behind
        raise
    finally:
        lock.release()


def _train(s: TrainSettings, plan: RunPlan, on_evaluation: Callable[[int, float], None] | None) -> Path:
    out, algorithm, config = plan.out, plan.algorithm, plan.config
    if s.resume:
        work = out
    elif out.exists() and any(out.iterdir()):
        work = out.with_name(out.name + ".new")  # the old run stays whole until the new one is complete
        if work.exists():
            if any(work.iterdir()) and not is_run_directory(work):
                raise ZooError(f"{work} exists and is not a run directory; move it away to replace {out}")
            shutil.rmtree(work)  # what a killed earlier --force left
    else:
        work = out
    work.mkdir(exist_ok=True)
    agent = build_agent(algorithm, config, plan.spaces, seed=s.seed, device=s.device, model=plan.model)
    if plan.init_weights is not None:
        agent.load_state_dict(plan.init_weights)
    state = load_checkpoint(work, agent) if s.resume else TrainerState(sessions=0)
    earlier = read_config(out) if s.resume else None
    commands = [c for c in (earlier and earlier.command, s.command) if c]  # every session's command, in order
    machines = list(earlier.trained_on or [{"not_recorded": True}]) if earlier else []  # every session's machine
    machine = training_machine(agent)
    if machine is not None:
        machines.append(machine)
    run_config = RunConfig(algo=s.algo, env_id=s.env_id, seed=s.seed, steps=plan.steps, spaces=plan.spaces,
                           hyperparameters=dataclasses.asdict(config), env_kwargs=s.env_kwargs,
                           gym_packages=list(s.gym_packages) or None,
                           preprocessing=_preprocessing(s.env_id, s.env_kwargs), command="\n".join(commands) or None,
                           schedule=_schedule(s, plan),
                           initialized_from=earlier.initialized_from if earlier else plan.initialized_from,
                           trained_on=machines if machine is not None else None)
    write_config(work, run_config)  # from now on the directory describes its run, and a checkpoint resumes it
    state.sessions += 1
    logger = MetricsLogger(work, tensorboard=s.tensorboard, tensorboard_every=plan.steps // 2000, append=s.resume,
                           resume_step=agent.steps_done if s.resume else None)
    try:
        # a resumed session's envs start new episodes on new seeds (the old envs' states were not saved)
        collector = _collector(s, algorithm.tabular, agent, config, _env_seed(s.seed, state.sessions - 1))
        trainer = Trainer(agent, collector, work,
                          Schedule(plan.steps, plan.eval_every, s.time_limit * 60 if s.time_limit else None,
                                   keep_best=not algorithm.tabular, stop_at=plan.stop_at,
                                   snapshot_every=s.snapshot_every),
                          lambda a, k: evaluate(a, s.env_id, s.env_kwargs, plan.periodic_episodes,
                                                stream_seed("select", s.seed, k)),
                          logger, s.algo, state=state, progress=s.progress,
                          on_evaluation=on_evaluation)
        try:
            trainer.run()
        finally:
            collector.close()
    finally:
        logger.close()
    kept = f" (the run in {out} is untouched)" if work != out else ""
    try:
        if trainer.timed_out:
            run_config = dataclasses.replace(run_config, stopped_by_time_limit={"minutes": s.time_limit,
                                                                                "at_step": agent.steps_done})
        if trainer.solved_at is not None:
            run_config = dataclasses.replace(run_config, stopped_when_solved={"stop_at": plan.stop_at,
                                                                              "at_step": trainer.solved_at})
        write_config(work, run_config)
        if not trainer.stop_requested:
            protocols = PROTOCOLS if s.eval_protocol == "both" else (s.eval_protocol,)
            _finish_run_dir(work, run_config, plan.eval_episodes, s.device, s.video, protocols)
    except KeyboardInterrupt:
        raise Interrupted(f"interrupted while writing the final evaluation: the trained weights are in {work}{kept}. "
                          f"Finish it with: zoo eval {work} --write") from None
    if trainer.stop_requested:
        if not isinstance(agent, Resumable):
            raise Interrupted(f"interrupted at step {agent.steps_done:,}; what it learned so far is in {work}{kept}. "
                              f"{s.algo} runs cannot resume: train again to finish.")
        raise Interrupted(f"interrupted at step {agent.steps_done:,}; checkpoint saved in {work}{kept}. "
                          f"Continue with: zoo train --resume {work}")
    if work != out:
        replace_directory(work, out)
    return out


def _threads(s: TrainSettings, plan: RunPlan) -> int | None:
    """One torch thread for a small network on a CPU (zoo.learning.device.SMALL_NETWORK_THREADS); a CNN keeps them all."""
    if s.device != "cpu" or plan.algorithm.tabular:
        return None
    from zoo.learning.networks import observation_kind

    return None if observation_kind(plan.spaces.observation)[0] == "atari" else SMALL_NETWORK_THREADS


def _sharing_cores(s: TrainSettings, plan: RunPlan):
    """A CNN on a CPU uses every core: its threads step back while another process wants one (zoo.cores).
    (A table needs no torch, and a small network trains on one thread: nothing to share.)"""
    from zoo.cores import enabled, sharing_cores

    shares = s.device == "cpu" and not plan.algorithm.tabular and _threads(s, plan) is None and enabled()
    return sharing_cores() if shares else contextlib.nullcontext()


def _env_seed(seed: int, session: int) -> int:
    """The training envs' seed in a run's ``session``-th session (0: the first), inside the train band."""
    from zoo.envs.seeds import MAX_SEED, SPAN

    return (seed + session * SPAN) % MAX_SEED


def _preprocessing(env_id: str, env_kwargs: dict[str, Any]) -> dict[str, Any] | None:
    if env_id.startswith("ALE/"):
        from zoo.envs.atari import preprocessing

        return preprocessing(env_kwargs)
    return None


def _collector(s: TrainSettings, tabular: bool, agent, config, seed: int):
    """One env for a tabular agent; ``num_envs`` in a vector env for a deep one; optionally acting in a thread."""
    if tabular:
        return Collector(SingleEnv(make_env(s.env_id, s.env_kwargs)), lambda obs: agent.act(obs, explore=True), seed)
    envs = make_vec_env(s.env_id, config.num_envs, s.env_kwargs)
    if s.async_acting:
        return AsyncCollector(envs, agent.make_actor(), seed)
    return Collector(envs, lambda obs: agent.act(obs, explore=True), seed)


def _finish_run_dir(run_dir: Path, config: RunConfig, episodes: int, device: str, video: bool,
                    protocols: tuple[str, ...] = PROTOCOLS) -> None:
    """The held-out score of the kept weights, the curve, the video and the card."""
    agent, _ = load_run(run_dir, device=device)  # the kept weights, as a user will load them
    write_results(run_dir, score_run(agent, config, episodes, protocols=protocols))
    with presentation_beside(run_dir):  # the curve and the card, drawn in a second process while this one films
        if video:
            play(agent, config.env_id, config.env_kwargs, 1, stream_seed("video", config.seed),
                 film=functools.partial(mp4_writer, run_dir / "replay.mp4"))
