"""Hyperparameter search (`zoo tune`) and multi-seed benchmarks (`zoo bench`) on Optuna.

Both keep their state in an Optuna study: an SQLite file in the runs folder by default (nothing to
start), or any database URL Optuna accepts (``postgresql://...``), in which case every machine that
runs the same command with the same ``--study`` works on the same study. Every trial is a normal run
directory under ``runs/<study>/``.

- tune: TPE samples from the algorithm's search space (ranges after RL Zoo's ``hyperparams_opt.py``);
  the trainer's periodic greedy evaluations are reported to Optuna, whose median pruner stops trials
  that lag (``--sampler cmaes|random``, ``--pruner halving|none``: Optuna's own). ``--seeds N`` trains each
  trial on N seeds and scores it by the IQM of their held-out means, so RL's noise does not pick the winner.
  However many workers share the study, it ends with exactly ``--trials`` finished trials. The best trial's
  hyperparameters are written in the preset format (``best.json``), which ``zoo train ALGO ENV
  --hyperparams best.json`` takes.
- bench: N seeds of one configuration as N trials (so several workers, on one or many machines, share
  them); the report gives what one seed cannot: the interquartile mean and the mean with 95% stratified
  bootstrap confidence intervals (Agarwal et al. 2021), the per-seed scores and a picture.

A worker that dies (kill, power loss) leaves its trial RUNNING only until its heartbeat goes stale:
the next worker marks it FAIL and Optuna's RetryHeartbeatStaleTrialCallback queues it again. A worker still alive
whose heartbeat only came late (an overloaded machine) finds its trial failed that way, says so and goes on. Ctrl-C
marks the running trial FAIL at once.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from zoo.cli.flags import GYM_PACKAGES_HELP, read_hyperparams
from zoo.errors import ZooError, first_line

if TYPE_CHECKING:  # numpy loads when a study reports: `zoo --help` builds this module's parsers
    import numpy as np

HEARTBEAT_S = int(os.environ.get("ZOO_TUNE_HEARTBEAT_S", "5"))
GRACE_S = int(os.environ.get("ZOO_TUNE_GRACE_S", "20"))
"""A worker's trial is declared dead GRACE_S seconds after its last heartbeat (tests shorten both)."""
TUNE_SEED_BASE = 100_000
"""Tuning trials train on seeds 100000 + trial number, so a later bench (seeds 0, 1, ...) never repeats one."""


# -- search spaces ------------------------------------------------------------------------------------------


def dqn_space(trial) -> dict[str, Any]:
    """RL Zoo's DQN ranges, in this zoo's DQN config (plus the CartPole preset's 8,000 and 256, so that the
    preset itself can be a study's first trial); target_update_interval in env steps, as RL Zoo's."""
    return {
        "learning_rate": trial.suggest_float("learning_rate", 1e-5, 1e-2, log=True),
        "batch_size": trial.suggest_categorical("batch_size", [32, 64, 128, 256]),
        "buffer_size": trial.suggest_categorical("buffer_size", [10_000, 50_000, 100_000]),
        "gamma": trial.suggest_categorical("gamma", [0.95, 0.98, 0.99, 0.995]),
        "epsilon_final": trial.suggest_float("epsilon_final", 0.0, 0.2),
        "epsilon_decay_steps": trial.suggest_categorical("epsilon_decay_steps", [2_000, 5_000, 8_000, 10_000, 20_000]),
        "target_update_interval": trial.suggest_categorical("target_update_interval", [1, 256, 1_000, 5_000, 10_000]),
        "learning_starts": trial.suggest_categorical("learning_starts", [0, 1_000, 5_000]),
        "train_freq": trial.suggest_categorical("train_freq", [1, 4, 8, 16, 32]),
        "gradient_steps": trial.suggest_categorical("gradient_steps", [1, 4, 8, 16, 32]),
        "hidden": trial.suggest_categorical("hidden", ["64", "64,64", "128,128", "256,256"]),
        "n_step": trial.suggest_categorical("n_step", [1, 3, 5]),
    }


def q_learning_space(trial) -> dict[str, Any]:
    return {
        "gamma": trial.suggest_categorical("gamma", [0.9, 0.95, 0.99, 0.995]),
        "alpha": trial.suggest_float("alpha", 0.01, 1.0, log=True),
        "alpha_final": trial.suggest_float("alpha_final", 0.001, 0.1, log=True),
        "epsilon_final": trial.suggest_float("epsilon_final", 0.0, 0.3),
        "epsilon_decay_steps": trial.suggest_categorical("epsilon_decay_steps", [1_000, 10_000, 50_000, 100_000]),
    }


def reinforce_space(trial) -> dict[str, Any]:
    return {
        "learning_rate": trial.suggest_float("learning_rate", 1e-4, 3e-2, log=True),
        "gamma": trial.suggest_categorical("gamma", [0.95, 0.98, 0.99, 0.995]),
        "hidden": trial.suggest_categorical("hidden", ["32", "64", "64,64", "128"]),
        "num_envs": trial.suggest_categorical("num_envs", [4, 8, 16]),
        "entropy_coef": trial.suggest_float("entropy_coef", 1e-5, 0.05, log=True),
    }


def learned_model_space(trial) -> dict[str, Any]:
    return {
        "gamma": trial.suggest_categorical("gamma", [0.9, 0.95, 0.99, 0.995]),
        "plan_every": trial.suggest_categorical("plan_every", [10, 100, 1_000]),
        "epsilon_final": trial.suggest_float("epsilon_final", 0.0, 1.0),
    }


SEARCH_SPACES: dict[str, Callable[[Any], dict[str, Any]]] = {
    "dqn": dqn_space, "q-learning": q_learning_space, "reinforce": reinforce_space,
    "value-iteration": learned_model_space, "q-iteration": learned_model_space,
}


# -- storage and study --------------------------------------------------------------------------------------


def default_storage(runs: Path = Path("runs")) -> str:
    """The embedded default: an SQLite file in the runs folder."""
    return f"sqlite:///{(runs / 'optuna.db').resolve()}"


def shown(url: str) -> str:
    """A storage URL fit to print: its password, if any, masked."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - not a URL at all: say nothing of it beyond its scheme
        return url.split("://")[0] + "://..." if "://" in url else "(not a URL)"


def open_storage(url: str):
    """Optuna's RDB storage with heartbeats, so that a dead worker's trial is failed and retried."""
    import optuna
    from optuna.storages import RetryHeartbeatStaleTrialCallback

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    if "://" not in url:
        raise ZooError(f"--storage {url!r} is not a database URL: use sqlite:///path/to/file.db or "
                       "postgresql://user:password@host:5432/database")
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    import random
    import time
    import warnings

    for attempt in range(SCHEMA_RACE_TRIES):
        try:
            with warnings.catch_warnings():  # heartbeats are "experimental" in Optuna's words; they are what we need
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                return optuna.storages.RDBStorage(
                    url, heartbeat_interval=HEARTBEAT_S, grace_period=GRACE_S,
                    heartbeat_stale_trial_callback=RetryHeartbeatStaleTrialCallback(max_retry=3),
                    engine_kwargs={"pool_pre_ping": True, **({"connect_args": {"connect_timeout": 5}}
                                                              if url.startswith("postgresql") else {})})
        except Exception as error:  # noqa: BLE001 - sqlalchemy and drivers raise many kinds
            if attempt + 1 < SCHEMA_RACE_TRIES and schema_race(error):
                time.sleep(random.uniform(0.2, 1.0))  # the other worker's tables are there by now: join them
                continue
            raise ZooError(f"cannot open the study storage {shown(url)}: {first_line(error)}. Check the URL "
                           "(host, port, user, password, database) and that the server runs; without --storage "
                           "the study lives in runs/optuna.db.") from None
    raise AssertionError("unreachable")


SCHEMA_RACE_TRIES = 6
SPEC_WAIT_S = 10.0
"""how long a worker that joins a study made that moment waits for its maker to write the study's spec"""


def schema_race(error: Exception) -> bool:
    """Whether opening the storage failed because another worker was creating Optuna's tables at the same
    moment: two machines that start on an empty PostgreSQL database both run CREATE TABLE, and the loser gets
    a unique violation on PostgreSQL's own catalog (pg_type) or "already exists". Opening again joins the
    tables the winner made."""
    from sqlalchemy.exc import IntegrityError, ProgrammingError

    text = str(error)
    return isinstance(error, (IntegrityError, ProgrammingError)) and (
        "pg_type_typname_nsp_index" in text or "already exists" in text or "duplicate key" in text)


@dataclass(frozen=True)
class StudySpec:
    """What a study is for: checked by every worker that joins it."""

    kind: str
    """tune or bench"""
    algo: str
    env_id: str
    steps: int
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    """fixed for a bench; the base a tune samples over"""
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    stop_at: float | None = None
    """the preset's stop (a periodic evaluation reaching it ends a trial early), kept with --steps"""
    seeds: int = 1
    """tune: seeds each trial trains; its value is the IQM of their held-out means"""
    sampler: str = "tpe"
    pruner: str = "median"
    gym_packages: tuple[str, ...] = ()
    """modules that register the env (--gym-packages, or ENV as module:EnvId), imported by every worker"""

    def attrs(self) -> dict[str, Any]:
        return {"kind": self.kind, "algo": self.algo, "env_id": self.env_id, "steps": self.steps,
                "hyperparameters": self.hyperparameters, "env_kwargs": self.env_kwargs, "stop_at": self.stop_at,
                "seeds": self.seeds, "sampler": self.sampler, "pruner": self.pruner,
                "gym_packages": list(self.gym_packages)}


SPEC_DEFAULTS = {"seeds": 1, "sampler": "tpe", "pruner": "median", "gym_packages": []}
"""what a study made before these settings existed ran with"""
SAMPLERS = ("tpe", "cmaes", "random")
PRUNERS = ("median", "halving", "none")


def make_sampler(name: str, seed: int):
    """Optuna's own: TPE (5 random startup trials), CMA-ES (categorical parameters fall back to random
    sampling, as Optuna does), or random search."""
    import optuna

    if name == "cmaes":
        return optuna.samplers.CmaEsSampler(seed=seed, n_startup_trials=5, warn_independent_sampling=False)
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    return optuna.samplers.TPESampler(seed=seed, n_startup_trials=5)


def make_pruner(name: str):
    """Optuna's median rule (after 3 trials), successive halving, or none."""
    import optuna

    if name == "halving":
        return optuna.pruners.SuccessiveHalvingPruner()
    if name == "none":
        return optuna.pruners.NopPruner()
    return optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=0)


def open_study(storage, name: str, spec: StudySpec, seed: int):
    """Create or join the study ``name``; a study of that name made for something else is refused."""
    import time

    import optuna

    sampler, pruner = make_sampler(spec.sampler, seed), make_pruner(spec.pruner)
    try:
        study = optuna.create_study(study_name=name, storage=storage, direction="maximize", sampler=sampler,
                                    pruner=pruner)
        made = True
    except optuna.exceptions.DuplicatedStudyError:
        study = optuna.load_study(study_name=name, storage=storage, sampler=sampler, pruner=pruner)
        made = False
    found = study.user_attrs.get("spec")
    deadline = time.monotonic() + SPEC_WAIT_S
    while found is None and not made and time.monotonic() < deadline:
        time.sleep(0.2)  # another worker made the study a moment ago and is writing what it is for
        found = study.user_attrs.get("spec")
    if found is None:  # ours, or its maker died before it said what it is for
        study.set_user_attr("spec", spec.attrs())
        if spec.kind == "tune":
            start = starting_point(spec.algo, spec.hyperparameters)
            if start:  # the search starts from what is known to work, and TPE looks around it
                study.enqueue_trial(start, user_attrs={"start": "the preset and your flags"}, skip_if_exists=True)
    elif {**SPEC_DEFAULTS, **found} != spec.attrs():
        found = {**SPEC_DEFAULTS, **found}
        differ = [k for k in spec.attrs() if found.get(k) != spec.attrs()[k]]
        raise ZooError(f"study {name!r} exists for {found.get('kind')} {found.get('algo')} on {found.get('env_id')} "
                       f"(it differs in {', '.join(differ)}). Give another --study name, or the same arguments "
                       "to join it.")
    return study


class _Probe:
    """Stands in for an Optuna trial to read a search space: each parameter's choices or range."""

    def __init__(self) -> None:
        self.space: dict[str, tuple] = {}

    def suggest_float(self, name: str, low: float, high: float, log: bool = False) -> float:
        self.space[name] = ("range", low, high)
        return low

    def suggest_categorical(self, name: str, choices: list) -> Any:
        self.space[name] = ("choices", choices)
        return choices[0]


def starting_point(algo: str, base: dict[str, Any]) -> dict[str, Any]:
    """The base configuration's values for the searched parameters, those the space can hold: the first
    trial of a new study (a value outside the space is left to the sampler)."""
    probe = _Probe()
    SEARCH_SPACES[algo](probe)
    start = {}
    for name, dist in probe.space.items():
        if name not in base:
            continue
        value = base[name]
        if dist[0] == "choices" and value in dist[1] or dist[0] == "range" and dist[1] <= value <= dist[2]:
            start[name] = value
    return start


# -- running trials -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StudySettings:
    """One `zoo tune` or `zoo bench` command."""

    spec: StudySpec
    study: str
    storage: str
    trials: int
    """trials in the whole study (all workers, all machines), completed or pruned"""
    minutes: float | None = None
    """stop starting trials after this many minutes (this worker)"""
    jobs: int = 1
    """worker processes on this machine"""
    runs: Path = Path("runs")
    seed: int = 0
    eval_every: int | None = None
    eval_episodes: int | None = None


def trial_dir(settings: StudySettings, number: int) -> Path:
    return settings.runs / settings.study / f"trial-{number:04d}"


def objective(settings: StudySettings) -> Callable:
    """The function each trial runs: train one normal run directory and return its held-out mean."""
    import optuna

    from zoo.errors import Interrupted
    from zoo.rundir.files import read_results
    from zoo.training.session import TrainSettings, train

    spec = settings.spec

    def run(trial) -> float:
        import numpy as np

        from zoo.rundir.stats import iqm

        if spec.kind == "tune" and in_budget(trial.study, before=trial.number) >= settings.trials:
            # Optuna numbers trials in the order they were made: the earlier one keeps the place
            trial.set_user_attr("surplus", True)
            raise SurplusTrial(f"trial {trial.number} started with the study's {settings.trials} trials already taken")
        if spec.kind == "tune":
            hyper = {**spec.hyperparameters, **SEARCH_SPACES[spec.algo](trial)}
            # distinct from every other trial's and from a bench's (0, 1, ...); one seed: 100000 + trial number
            seeds = [TUNE_SEED_BASE + trial.number * spec.seeds + k for k in range(spec.seeds)]
        else:
            hyper, seeds = dict(spec.hyperparameters), [trial.suggest_int("seed", 0, 10**6)]
        folder = trial_dir(settings, trial.number)
        outs = [folder] if len(seeds) == 1 else [folder / f"seed-{s}" for s in seeds]
        trial.set_user_attr("run_dir", str(folder.resolve()))
        trial.set_user_attr("worker", worker_id())
        scores = []
        for k, (seed, out) in enumerate(zip(seeds, outs)):
            def report(step: int, mean: float, k: int = k) -> None:
                if spec.kind == "tune":
                    # seed k's evaluations come after seed k-1's: every trial reports at the same steps, so the
                    # pruners compare like with like
                    trial.report(mean, k * spec.steps + step)
                    if trial.should_prune():
                        raise optuna.TrialPruned(f"greedy mean {mean:.3g} at step {step:,} of seed {seed} lags")

            try:
                train(TrainSettings(spec.algo, spec.env_id, seed=seed, steps=spec.steps, out=out,
                                    hyperparameters=hyper, env_kwargs=spec.env_kwargs, gym_packages=spec.gym_packages,
                                    eval_every=settings.eval_every,
                                    stop_at=spec.stop_at, eval_episodes=settings.eval_episodes, video=False,
                                    tensorboard=False, force=True, progress=False), on_evaluation=report)
            except Interrupted:
                raise KeyboardInterrupt from None  # Optuna marks the trial FAIL and stops this worker
            scores.append(read_results(out).mean_reward)
        if len(scores) > 1:
            trial.set_user_attr("seed_scores", scores)
        return float(iqm(np.asarray(scores))) if len(scores) > 1 else scores[0]

    return run


def finished(study, kind: str) -> int:
    """Trials that count against the budget: completed (and, when tuning, pruned)."""
    from optuna.trial import TrialState

    states = (TrialState.COMPLETE, TrialState.PRUNED) if kind == "tune" else (TrialState.COMPLETE,)
    return len(study.get_trials(deepcopy=False, states=states))


def work(settings: StudySettings) -> None:
    """Run trials in this process until the study has ``trials`` finished ones or ``minutes`` pass."""
    import optuna
    import torch

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    torch.set_num_threads(max(1, (os.cpu_count() or 1) // settings.jobs))  # jobs share the cores, not oversubscribe
    storage = open_storage(settings.storage)
    study = open_study(storage, settings.study, settings.spec, settings.seed + os.getpid())
    deadline = time.monotonic() + settings.minutes * 60 if settings.minutes else None
    trial_run = objective(settings)
    raised: list[BaseException] = []  # what the trial's own code raised, told apart from Optuna refusing it after

    def run(trial) -> float:
        try:
            return trial_run(trial)
        except BaseException as error:
            raised.append(error)
            raise

    kind = settings.spec.kind
    while finished(study, kind) < settings.trials and (deadline is None or time.monotonic() < deadline):
        _check_failures(study, settings)
        if kind == "bench" and not _enqueue_seeds(study, settings.trials):
            time.sleep(1.0)  # every seed is queued or running elsewhere: wait for them (or for a retry)
            _fail_stale(study)  # a dead worker's seed goes back in the queue
            continue
        if kind == "tune" and in_budget(study) >= settings.trials and not _waiting(study):
            # the budget is taken by finished and running trials (other workers'): wait for them to end, or
            # for a dead worker's trial to be failed and queued again, rather than start a trial too many
            time.sleep(1.0)
            _fail_stale(study)
            continue
        # One trial at a time, re-reading the count: other workers add theirs to the same study. A trial
        # whose sampled configuration is refused (a ZooError) fails alone; Ctrl-C stops the worker.
        raised.clear()
        try:
            study.optimize(run, n_trials=1, catch=(ZooError,))
        except ValueError as error:  # Optuna's "Cannot tell a FAIL trial": see _failed_under_this_worker
            number = _failed_under_this_worker(study)
            if number is None or error in raised:  # the trial's own error, not a refusal: a bug to see
                raise
            print(f"zoo tune: trial {number} was declared dead by another worker while this one trained it (its "
                  f"heartbeat came more than {GRACE_S} s late: an overloaded machine?); Optuna queues it again and "
                  "this worker goes on. Fewer --jobs, or a longer ZOO_TUNE_GRACE_S, avoids it.", file=sys.stderr)


def worker_id() -> str:
    """This worker process, as its trials' ``worker`` attribute names it."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _failed_under_this_worker(study) -> int | None:
    """The number of this worker's latest trial if another worker failed it as stale while it still ran (its
    heartbeat late, not stopped), else None. Optuna then refuses the live worker's next report or tell."""
    mine = [t for t in study.get_trials(deepcopy=False) if t.user_attrs.get("worker") == worker_id()]
    return mine[-1].number if mine and mine[-1].state.name == "FAIL" else None


BUDGET_STATES = ("COMPLETE", "PRUNED", "RUNNING")
"""a tune's trials that count against --trials: finished, or running and so on their way to finishing"""


def in_budget(study, before: int | None = None) -> int:
    """Trials counted against the budget (numbered below ``before`` if given); surplus ones never count."""
    return sum(1 for t in study.get_trials(deepcopy=False) if t.state.name in BUDGET_STATES
               and not t.user_attrs.get("surplus") and (before is None or t.number < before))


def _fail_stale(study) -> None:
    """Fail (and so queue again) the trials of workers whose heartbeat stopped, as optimize does before a trial."""
    import warnings

    import optuna

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        optuna.storages.fail_stale_trials(study)


def _waiting(study) -> bool:
    from optuna.trial import TrialState

    return bool(study.get_trials(deepcopy=False, states=(TrialState.WAITING,)))


class SurplusTrial(ZooError):
    """Two workers started a trial at once for the budget's last place: the later-numbered one stops."""


def _check_failures(study, settings: StudySettings) -> None:
    """Stop a study whose trials keep failing instead of retrying forever."""
    from optuna.trial import TrialState

    failed = [t for t in study.get_trials(deepcopy=False, states=(TrialState.FAIL,)) if not t.user_attrs.get("surplus")]
    if len(failed) >= settings.trials + 3:
        last = failed[-1].user_attrs.get("run_dir", "?")
        raise ZooError(f"{len(failed)} trials of study {settings.study!r} failed (the last in {last}); fix the "
                       "cause, then run the command again: finished trials are kept")


def _enqueue_seeds(study, seeds: int) -> bool:
    """Make sure a seed waits to be trained: queue the lowest of 0..seeds-1 that is not queued, running or
    done. False when none is waiting (all taken). Optuna hands each queued trial to one worker."""
    from optuna.trial import TrialState

    trials = study.get_trials(deepcopy=False)
    if any(t.state == TrialState.WAITING for t in trials):
        return True  # a queued seed (or a retry of a failed one) is ready
    taken = {t.params.get("seed", t.system_attrs.get("fixed_params", {}).get("seed"))
             for t in trials if t.state in (TrialState.COMPLETE, TrialState.RUNNING)}
    for seed in range(seeds):
        if seed not in taken:
            study.enqueue_trial({"seed": seed}, skip_if_exists=True)
            return True
    return False


def run_study(settings: StudySettings, worker_args: list[str]) -> None:
    """Run ``jobs`` workers on this machine: this process and ``jobs - 1`` copies of the command."""
    if settings.jobs == 1:
        work(settings)
        return
    workers = [subprocess.Popen([sys.executable, "-m", "zoo.cli", *worker_args])
               for _ in range(settings.jobs - 1)]
    try:
        work(settings)
    finally:
        for proc in workers:
            try:
                proc.wait()
            except KeyboardInterrupt:  # a second Ctrl-C: stop the workers too
                proc.send_signal(signal.SIGINT)
                proc.wait()
    failed = [p.returncode for p in workers if p.returncode not in (0, None)]
    if failed:
        raise ZooError(f"{len(failed)} of the {settings.jobs - 1} extra workers exited with an error (codes {failed})")


# -- reports ------------------------------------------------------------------------------------------------


def best_config(study, spec: StudySpec) -> dict[str, Any]:
    """The best trial in the preset format that `zoo train --hyperparams` reads."""
    best = study.best_trial
    stop = {"stop_at": spec.stop_at} if spec.stop_at is not None else {}
    return {"algo": spec.algo, "env_id": spec.env_id, "steps": spec.steps, **stop,
            "hyperparameters": {**spec.hyperparameters, **best.params},
            "value": best.value, "trial": best.number, "study": study.study_name}


def aggregate(scores: np.ndarray, seed: int = 0) -> dict[str, Any]:
    """IQM and mean of per-seed scores with 95% stratified bootstrap intervals (one task: a bootstrap over
    seeds), as rliable computes them."""
    import numpy as np

    from zoo.rundir.stats import bootstrap_ci, iqm

    x = np.asarray(scores, dtype=np.float64)
    return {"n_seeds": int(x.size), "scores": x.tolist(),
            "iqm": float(iqm(x)), "iqm_ci95": list(bootstrap_ci(x, iqm, seed=seed)),
            "mean": float(x.mean()), "mean_ci95": list(bootstrap_ci(x, seed=seed)),
            "median": float(np.median(x)), "std": float(x.std())}


def plot_bench(path: Path, title: str, summary: dict[str, Any]) -> None:
    """Per-seed scores as dots, with the IQM and the mean and their 95% intervals."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from zoo.rundir.atomic import atomic_path

    scores = np.array(summary["scores"])
    fig, ax = plt.subplots(figsize=(6, 3.2), dpi=100)
    jitter = np.random.default_rng(0).uniform(-0.12, 0.12, size=scores.size)
    ax.scatter(scores, 1 + jitter, color="tab:blue", alpha=0.7, label="one seed's held-out score")
    for y, key, color in ((0.5, "iqm", "tab:orange"), (0.0, "mean", "tab:green")):
        low, high = summary[f"{key}_ci95"]
        ax.errorbar([summary[key]], [y], xerr=[[summary[key] - low], [high - summary[key]]], fmt="o", color=color,
                    capsize=4, label=f"{key.upper() if key == 'iqm' else key} (95% bootstrap CI)")
    ax.set_yticks([0, 0.5, 1], ["mean", "IQM", "seeds"])
    ax.set_ylim(-0.5, 1.5)
    ax.set_xlabel("held-out greedy return")
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3, axis="x")
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp)
    plt.close(fig)


# -- the commands ---------------------------------------------------------------------------------------


def add_parsers(sub) -> None:
    study_help = ("Optuna storage URL (default: sqlite:///runs/optuna.db, a file, no server). With a shared "
                  "database, e.g. postgresql://user:password@host:5432/db, every machine that runs the same command "
                  "with the same --study works on the same study.")
    tune = sub.add_parser(
        "tune", help="search hyperparameters with Optuna (TPE, pruning on the periodic evaluations)",
        description="Search ALGO's hyperparameters on ENV: TPE sampling (or --sampler cmaes|random) from ranges "
                    "after RL Zoo's, each trial a normal run directory under runs/STUDY/ (one per seed with --seeds "
                    "N, the trial scored by the IQM of their held-out means), pruned by Optuna's median rule (or "
                    "--pruner halving|none) on the trainer's periodic greedy evaluations. At the end it prints the best trial and writes runs/STUDY/best.json, which "
                    "`zoo train ALGO ENV --hyperparams runs/STUDY/best.json` takes. Watch a study with "
                    "`optuna-dashboard sqlite:///runs/optuna.db`.",
        epilog="Examples:\n  zoo tune dqn CartPole-v1 --trials 20 --jobs 2\n"
               "  zoo tune dqn CartPole-v1 --trials 20 --seeds 3 --sampler cmaes --pruner halving\n"
               "  zoo tune dqn CartPole-v1 --trials 100 --storage postgresql://me:pw@db:5432/zoo   # on each machine",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    bench = sub.add_parser(
        "bench", help="train N seeds and report IQM and mean with 95%% bootstrap intervals",
        description="Train ALGO on ENV with N seeds (the preset, or --hyperparams) as the trials of an Optuna study, "
                    "so they spread over workers and machines like `zoo tune`, then report the interquartile mean "
                    "and the mean with 95% stratified bootstrap confidence intervals (Agarwal et al. 2021), the "
                    "per-seed held-out scores, and scores.png and summary.json in runs/STUDY/.",
        epilog="Example:\n  zoo bench dqn CartPole-v1 --seeds 10 --jobs 2",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    for cmd in (tune, bench):
        cmd.add_argument("algo", metavar="ALGO")
        cmd.add_argument("env_id", metavar="ENV")
        cmd.add_argument("--steps", type=int, default=None, help="environment steps per trial (default: the preset's)")
        cmd.add_argument("--hyperparams", type=Path, default=None, metavar="FILE",
                         help="start from these hyperparameters (a best.json) instead of the preset's")
        cmd.add_argument("--jobs", type=int, default=1, help="worker processes on this machine (default: 1)")
        cmd.add_argument("--storage", default=None, metavar="URL", help=study_help)
        cmd.add_argument("--study", default=None, metavar="NAME",
                         help=f"study name (default: {'tune' if cmd is tune else 'bench'}-ALGO-ENV)")
        cmd.add_argument("--minutes", type=float, default=None, help="stop starting trials after this many minutes")
        cmd.add_argument("--eval-every", type=int, default=None, help="steps between periodic evaluations")
        cmd.add_argument("--eval-episodes", type=int, default=None, help="episodes of each trial's final evaluation")
        cmd.add_argument("--gym-packages", nargs="+", default=[], metavar="PKG", help=GYM_PACKAGES_HELP)
        cmd.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    tune.add_argument("--trials", type=int, default=20, help="trials in the study, all workers together (default: 20)")
    tune.add_argument("--seed", type=int, default=0, help="seed of the sampler (default: 0)")
    tune.add_argument("--seeds", type=int, default=1,
                      help="seeds each trial trains; its value is the interquartile mean of their held-out scores, "
                           "so one lucky seed does not pick the winner (default: 1)")
    tune.add_argument("--sampler", choices=SAMPLERS, default="tpe",
                      help="Optuna's sampler: tpe (default), cmaes (CMA-ES; categorical choices sampled at random) "
                           "or random")
    tune.add_argument("--pruner", choices=PRUNERS, default="median",
                      help="Optuna's pruner on the periodic evaluations: median (default), halving (successive "
                           "halving) or none")
    bench.add_argument("--seeds", type=int, default=10, help="seeds to train (default: 10)")

    for cmd in (tune, bench):
        cmd.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """`zoo tune` and `zoo bench`: check everything, then run workers on the study."""
    from zoo.agents.configs import build_config
    from zoo.agents.registry import check_fits, get_algorithm
    from zoo.envs.make import import_gym_packages, make_env, split_env_id
    from zoo.training.presets import DEFAULT_STEPS, preset

    kind = args.command
    args.env_id, module = split_env_id(args.env_id)
    packages = tuple(dict.fromkeys([*args.gym_packages, *([module] if module else [])]))
    import_gym_packages(packages)
    algorithm = get_algorithm(args.algo)

    if kind == "tune" and args.algo not in SEARCH_SPACES:
        raise ZooError(f"zoo tune has no search space for {args.algo}; it tunes {', '.join(SEARCH_SPACES)}")
    count = args.trials if kind == "tune" else args.seeds
    trial_seeds = args.seeds if kind == "tune" else 1
    if not 1 <= trial_seeds <= 100:
        raise ZooError(f"--seeds must be between 1 and 100 seeds per trial (got {trial_seeds})")
    if not 1 <= count <= 100_000:
        raise ZooError(f"--{'trials' if kind == 'tune' else 'seeds'} must be between 1 and 100,000 (got {count})")
    if not 1 <= args.jobs <= 64:
        raise ZooError(f"--jobs must be between 1 and 64 (got {args.jobs})")
    if args.minutes is not None and not args.minutes > 0:
        raise ZooError(f"--minutes must be positive (got {args.minutes})")
    env = make_env(args.env_id)
    try:
        check_fits(algorithm, env, args.env_id)  # e.g. continuous actions for dqn: refused before any study exists
    finally:
        env.close()
    chosen = {**preset(args.algo, args.env_id), **read_hyperparams(args.hyperparams, args.algo, args.env_id)}
    hyper = dict(chosen.get("hyperparameters", {}))
    build_config(algorithm.config_class, hyper)  # refuse a bad file now, not in every trial
    steps = args.steps if args.steps is not None else chosen.get("steps", DEFAULT_STEPS)
    if not 1 <= steps <= 10**11:
        raise ZooError(f"--steps must be positive (got {steps})")
    name = args.study or f"{kind}-{args.algo}-{args.env_id.replace('/', '-')}"
    if not name.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise ZooError(f"--study {name!r}: use letters, digits, '-', '_' and '.' (it names a folder under runs/)")
    settings = StudySettings(
        spec=StudySpec(kind, args.algo, args.env_id, steps, hyper, stop_at=chosen.get("stop_at"), seeds=trial_seeds,
                       sampler=getattr(args, "sampler", "tpe"), pruner=getattr(args, "pruner", "median"),
                       gym_packages=packages), study=name,
        storage=args.storage or default_storage(), trials=count, minutes=args.minutes, jobs=args.jobs,
        seed=getattr(args, "seed", 0), eval_every=args.eval_every, eval_episodes=args.eval_episodes)
    open_study(open_storage(settings.storage), name, settings.spec, settings.seed)  # checks it fits
    if args.worker:
        work(settings)
        return 0
    worker_args = [*args.argv, "--worker"]  # the same command; --jobs stays, so each worker takes its share of cores
    print(f"study {name} in {shown(settings.storage)}: {count} {'trials' if kind == 'tune' else 'seeds'}, "
          f"{args.jobs} worker(s) here; runs in {settings.runs / name}/", flush=True)
    run_study(settings, worker_args)
    return _print_study(settings)


def _print_study(settings: StudySettings) -> int:
    from zoo.rundir.atomic import write_json

    study = open_study(open_storage(settings.storage), settings.study, settings.spec, settings.seed)
    folder = settings.runs / settings.study
    folder.mkdir(parents=True, exist_ok=True)
    done = [t for t in study.trials if t.state.name == "COMPLETE"]
    if not done:
        raise ZooError(f"no trial of study {settings.study} has completed yet")
    if settings.spec.kind == "tune":
        best = best_config(study, settings.spec)
        write_json(folder / "best.json", best)
        pruned = sum(t.state.name == "PRUNED" for t in study.trials)
        print(f"{len(done)} trials completed, {pruned} pruned; best: trial {best['trial']}, held-out mean "
              f"{best['value']:.4g}")
        for key, value in study.best_trial.params.items():
            print(f"  {key} = {value}")
        packages = f" --gym-packages {' '.join(settings.spec.gym_packages)}" if settings.spec.gym_packages else ""
        print(f"hyperparameters written to {folder / 'best.json'}; train with them: zoo train {settings.spec.algo} "
              f"{settings.spec.env_id} --hyperparams {folder / 'best.json'}{packages}")
        return 0
    by_seed = {}
    for t in sorted(done, key=lambda t: t.number):
        by_seed.setdefault(t.params["seed"], t.value)
    summary = {"study": settings.study, "algo": settings.spec.algo, "env_id": settings.spec.env_id,
               "steps": settings.spec.steps, "hyperparameters": settings.spec.hyperparameters,
               "seeds": sorted(by_seed), **aggregate([by_seed[s] for s in sorted(by_seed)])}
    write_json(folder / "summary.json", summary)
    plot_bench(folder / "scores.png", f"{settings.spec.algo} on {settings.spec.env_id}: {len(by_seed)} seeds",
                      summary)
    print(f"{len(by_seed)} seeds: IQM {summary['iqm']:.4g} (95% CI {summary['iqm_ci95'][0]:.4g} to "
          f"{summary['iqm_ci95'][1]:.4g}), mean {summary['mean']:.4g} (95% CI {summary['mean_ci95'][0]:.4g} to "
          f"{summary['mean_ci95'][1]:.4g})")
    print("per seed: " + ", ".join(f"{s}: {by_seed[s]:.4g}" for s in sorted(by_seed)))
    from zoo.rundir.compare import plot_runs

    runs = [run for run in (trial_dir(settings, t.number) for t in done) if (run / "evaluations.csv").is_file()]
    curves = ""
    if runs:
        title = f"{settings.spec.algo} on {settings.spec.env_id}: periodic evaluations of {len(runs)} seeds"
        plot_runs(runs, folder / "curves.png", title)
        curves = f", {folder / 'curves.png'}"
    print(f"written: {folder / 'summary.json'}, {folder / 'scores.png'}{curves}")
    return 0
