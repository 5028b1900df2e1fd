"""zoo tune and zoo bench on Optuna: SQLite by default, a real PostgreSQL server for many machines; workers
share one study without running a trial twice, a killed worker's trial is failed and retried, and the
bench reports IQM and mean with bootstrap intervals."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import optuna  # noqa: F401  (for the warning filter below)
import pytest

from tests.postgres import ThrowawayPostgres, server_binaries
from zoo.cli import main

CLI = [sys.executable, "-m", "zoo.cli"]
TINY = ["--steps", "400", "--eval-every", "200", "--eval-episodes", "20"]
FAST_HEARTBEAT = {"ZOO_TUNE_HEARTBEAT_S": "1", "ZOO_TUNE_GRACE_S": "3"}
RACE_HEARTBEAT = {"ZOO_TUNE_HEARTBEAT_S": "1", "ZOO_TUNE_GRACE_S": "30"}
"""No worker dies in the race test, so nothing waits for the grace: 3 s there let a live worker's late heartbeat (CI,
2026-12-07, 2 workers on SQLite) get its trial failed under it; the next test covers what a worker then does."""


def study_trials(storage: str, name: str):

    try:
        return optuna.load_study(study_name=name, storage=storage).get_trials(deepcopy=False)
    except KeyError:  # not created yet
        return []


def start(args, cwd, **env):
    return subprocess.Popen([*CLI, *map(str, args)], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, **FAST_HEARTBEAT, **env})


def test_tune_with_two_local_workers_on_the_default_sqlite_file(tmp_path):
    done = subprocess.run([*CLI, "tune", "q-learning", "toy/Trap-v0", "--trials", "6", "--jobs", "2", *TINY],
                          cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    storage = f"sqlite:///{tmp_path / 'runs' / 'optuna.db'}"
    trials = study_trials(storage, "tune-q-learning-toy-Trap-v0")
    finished = [t for t in trials if t.state.name in ("COMPLETE", "PRUNED")]
    assert len(finished) == 6 and not [t for t in trials if t.state.name == "RUNNING"]
    ran = [t for t in trials if not t.user_attrs.get("surplus")]  # a surplus trial stopped before it trained
    assert len({t.user_attrs["run_dir"] for t in ran}) == len(ran)  # no trial ran twice
    assert len({t.user_attrs["worker"] for t in trials}) == 2  # both workers took trials
    best = json.loads((tmp_path / "runs" / "tune-q-learning-toy-Trap-v0" / "best.json").read_text())
    assert best["value"] == max(t.value for t in trials if t.state.name == "COMPLETE")
    for t in finished:
        assert (Path(t.user_attrs["run_dir"]) / "config.json").is_file()  # every trial is a normal run directory
    again = subprocess.run([*CLI, "train", "q-learning", "toy/Trap-v0", "--hyperparams",
                            "runs/tune-q-learning-toy-Trap-v0/best.json", "--out", "again", "--no-video"],
                           cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    config = json.loads((tmp_path / "again" / "config.json").read_text())
    assert all(config["hyperparameters"][k] == v for k, v in best["hyperparameters"].items())


@pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")
@pytest.mark.skipif(server_binaries() is None, reason="no PostgreSQL server binaries (Debian's postgresql package)")
def test_two_machines_share_a_postgresql_study_and_a_killed_workers_trial_is_retried(tmp_path):
    with ThrowawayPostgres() as url:
        args = ["tune", "q-learning", "toy/Trap-v0", "--storage", url, "--study", "shared", "--trials", "6",
                "--steps", "30000", "--eval-every", "10000", "--eval-episodes", "10"]
        machines = [tmp_path / "a", tmp_path / "b"]
        for folder in machines:
            folder.mkdir()
        a = start(args, machines[0])
        b = start(args, machines[1])
        # kill machine a's worker in the middle of a trial: its trial stays RUNNING until its heartbeat stops
        deadline = time.time() + 120
        while time.time() < deadline:
            running = [t for t in study_trials(url, "shared") if t.state.name == "RUNNING"
                       and t.user_attrs.get("worker", "").endswith(f":{a.pid}")]
            if running:
                break
            time.sleep(0.2)
        assert running, f"machine a never started a trial (exit {a.poll()}): {a.stderr.read() if a.poll() else ''}"
        killed = running[0].number
        a.kill()
        a.communicate(timeout=30)
        out, err = b.communicate(timeout=600)
        assert b.returncode == 0, err
        trials = study_trials(url, "shared")
        by_number = {t.number: t for t in trials}
        assert by_number[killed].state.name == "FAIL"  # not RUNNING forever
        from optuna.storages import RetryHeartbeatStaleTrialCallback

        retries = [t for t in trials if RetryHeartbeatStaleTrialCallback.retried_trial_number(t) == killed]
        assert retries and retries[0].params == by_number[killed].params  # queued again with the same parameters
        finished = [t for t in trials if t.state.name in ("COMPLETE", "PRUNED")]
        assert len(finished) == 6 and not [t for t in trials if t.state.name == "RUNNING"]
        assert len({t.user_attrs["run_dir"] for t in finished}) == len(finished)
        assert {t.user_attrs["worker"].split(":")[1] for t in trials} == {str(a.pid), str(b.pid)}
        assert "best: trial" in out


OPEN_TOGETHER = """
import sys, time
from zoo.cli.tune import StudySpec, open_storage, open_study
from zoo.training.presets import preset
spec = StudySpec("tune", "q-learning", "toy/Trap-v0", 1000, preset("q-learning", "toy/Trap-v0")["hyperparameters"])
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))  # both workers open the storage at the same moment
open_study(open_storage(sys.argv[1]), "shared", spec, 0)
"""


@pytest.mark.skipif(server_binaries() is None, reason="no PostgreSQL server binaries (Debian's postgresql package)")
def test_two_workers_starting_at_once_on_an_empty_postgresql_database_both_join(tmp_path):
    # both create Optuna's tables; before the retry the loser died with a unique violation on pg_type
    # (3 of 4 empty databases here), and a machine of the shared-study test above never started a trial
    server = ThrowawayPostgres()
    with server as first:
        for i in range(4):
            url = server.new_database(f"race{i}") if i else first
            at = str(time.time() + 3)
            workers = [subprocess.Popen([sys.executable, "-c", OPEN_TOGETHER, url, at], cwd=Path.cwd(),
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
            for worker in workers:
                _, err = worker.communicate(timeout=120)
                assert worker.returncode == 0, err
            trials = study_trials(url, "shared")
            assert len(trials) == 1 and trials[0].state.name == "WAITING"  # the preset's trial, queued once


@pytest.mark.parametrize("argv, message", [
    (["tune", "dqn", "Pendulum-v1"], "dqn needs discrete actions"),
    (["tune", "dqn", "CartPole-v1", "--trials", "0"], "--trials must be between 1"),
    (["tune", "td0", "CartPole-v1"], "no search space for td0"),
    (["tune", "dqn", "CartPole-v1", "--storage", "postgresql://me:secret@127.0.0.1:9/zoo"], "cannot open the study"),
    (["tune", "dqn", "CartPole-v1", "--storage", "mysql+nodriver://x@y/z"], "cannot open the study"),
    (["tune", "dqn", "CartPole-v1", "--storage", "runs/optuna.db"], "is not a database URL"),
    (["bench", "dqn", "CartPole-v1", "--seeds", "0"], "--seeds must be between 1"),
])
def test_bad_study_arguments_are_clear_errors(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and "secret" not in err, err
    assert not (tmp_path / "runs").exists() or not list((tmp_path / "runs").rglob("trial-*"))


def test_a_study_made_for_another_algorithm_is_refused_and_left_intact(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["tune", "q-learning", "toy/Trap-v0", "--trials", "1", "--study", "mine", *TINY]) == 0
    capsys.readouterr()
    assert main(["tune", "q-iteration", "toy/Trap-v0", "--trials", "1", "--study", "mine", *TINY]) == 2
    assert "study 'mine' exists for tune q-learning on toy/Trap-v0" in capsys.readouterr().err
    trials = study_trials(f"sqlite:///{tmp_path / 'runs' / 'optuna.db'}", "mine")
    assert len(trials) == 1 and trials[0].state.name == "COMPLETE"
    assert main(["tune", "q-learning", "toy/Trap-v0", "--trials", "2", "--study", "mine", *TINY]) == 0  # joins


def test_a_new_tune_study_starts_from_the_preset(tmp_path, capsys, monkeypatch):
    from zoo.cli.tune import starting_point
    from zoo.training.presets import preset

    monkeypatch.chdir(tmp_path)
    assert main(["tune", "q-learning", "FrozenLake-v1", "--trials", "2", "--study", "fl", "--steps", "300",
                 "--eval-every", "150", "--eval-episodes", "10"]) == 0
    first = min(study_trials(f"sqlite:///{tmp_path / 'runs' / 'optuna.db'}", "fl"), key=lambda t: t.number)
    hyper = preset("q-learning", "FrozenLake-v1")["hyperparameters"]
    searched = {"gamma", "alpha", "alpha_final", "epsilon_final", "epsilon_decay_steps"}
    assert first.params == {k: hyper[k] for k in searched}
    config = json.loads(Path(first.user_attrs["run_dir"], "config.json").read_text())
    assert config["hyperparameters"] == {**config["hyperparameters"], **hyper}  # it trained the preset itself
    # every DQN CartPole preset value fits the space, so the whole preset is the first trial there too
    dqn = preset("dqn", "CartPole-v1")["hyperparameters"]
    start = starting_point("dqn", dqn)
    assert len(start) == 12 and start == {k: dqn[k] for k in start}
    # a value outside the space is left to the sampler, not forced in
    assert "alpha" not in starting_point("q-learning", {**hyper, "alpha": 5.0})


def test_bench_reports_iqm_and_mean_with_intervals_over_distinct_seeds(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["bench", "q-learning", "toy/Slippery-v0", "--seeds", "5", "--steps", "300", "--eval-episodes",
                 "50"]) == 0
    summary = json.loads((tmp_path / "runs" / "bench-q-learning-toy-Slippery-v0" / "summary.json").read_text())
    assert summary["seeds"] == [0, 1, 2, 3, 4] and len(summary["scores"]) == 5
    scores = np.array(summary["scores"])
    assert summary["mean"] == pytest.approx(scores.mean())
    assert summary["iqm"] == pytest.approx(np.sort(scores)[1:4].mean())  # 5 seeds: the middle three
    for key in ("iqm", "mean"):
        low, high = summary[f"{key}_ci95"]
        assert low <= summary[key] <= high and scores.min() <= low and high <= scores.max()
    assert (tmp_path / "runs" / "bench-q-learning-toy-Slippery-v0" / "scores.png").read_bytes()[:4] == b"\x89PNG"
    out = capsys.readouterr().out
    assert "IQM" in out
    import imageio.v3 as iio  # the seeds' periodic evaluations on one axes, as `zoo plot` draws them

    assert "curves.png" in out
    image = iio.imread(tmp_path / "runs" / "bench-q-learning-toy-Slippery-v0" / "curves.png")
    assert (np.abs(image[..., :3].astype(int) - [31, 119, 180]).sum(-1) < 30).sum() > 100


def test_iqm_and_bootstrap_by_hand():
    from zoo.rundir.stats import bootstrap_ci, iqm

    assert iqm(np.array([1.0, 2.0, 3.0, 4.0, 100.0, -50.0, 5.0, 6.0])) == pytest.approx((2 + 3 + 4 + 5) / 4)
    assert bootstrap_ci([3.0]) == (3.0, 3.0)
    low, high = bootstrap_ci(np.r_[np.zeros(50), np.ones(50)], seed=1)
    # the mean of 100 fair coin flips: 0.5 ± 1.96 · 0.05
    assert low == pytest.approx(0.4, abs=0.02) and high == pytest.approx(0.6, abs=0.02)


def test_best_json_repeats_its_trial_with_the_stop_it_trained_with(tmp_path, capsys, monkeypatch):
    from types import SimpleNamespace

    from zoo.cli.tune import StudySpec, best_config

    spec = StudySpec("tune", "dqn", "toy/Trap-v0", 10**6, {"gamma": 1.0}, stop_at=1.0)
    trial = SimpleNamespace(params={"learning_rate": 3e-3}, value=1.0, number=4)
    best = best_config(SimpleNamespace(best_trial=trial, study_name="s"), spec)
    assert best["stop_at"] == 1.0 and best["steps"] == 10**6
    monkeypatch.chdir(tmp_path)
    (tmp_path / "best.json").write_text(json.dumps(best))
    assert main(["train", "dqn", "toy/Trap-v0", "--hyperparams", "best.json", "--eval-every", "500",
                 "--eval-episodes", "20", "--no-video", "--out", "run"]) == 0
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["stopped_when_solved"]["stop_at"] == 1.0 and config["stopped_when_solved"]["at_step"] < 10**6
    (tmp_path / "bad.json").write_text(json.dumps({**best, "stop_at": "soon"}))
    capsys.readouterr()
    assert main(["train", "dqn", "toy/Trap-v0", "--hyperparams", "bad.json", "--out", "bad"]) == 2
    assert "stop_at should be a number" in capsys.readouterr().err


@pytest.mark.parametrize("sampler, pruner", [("random", "none"), ("cmaes", "halving")])
def test_tune_scores_a_trial_on_several_seeds_with_optunas_samplers_and_pruners(tmp_path, monkeypatch, capsys, sampler,
                                                                               pruner):
    monkeypatch.chdir(tmp_path)
    assert main(["tune", "q-learning", "toy/Slippery-v0", "--trials", "3", "--seeds", "2", "--sampler", sampler,
                 "--pruner", pruner, *TINY]) == 0
    study = optuna.load_study(study_name="tune-q-learning-toy-Slippery-v0",
                              storage=f"sqlite:///{tmp_path / 'runs' / 'optuna.db'}")
    sampler_class = {"random": "RandomSampler", "cmaes": "CmaEsSampler"}[sampler]
    assert study.user_attrs["spec"]["sampler"] == sampler and study.user_attrs["spec"]["seeds"] == 2
    seeds = []
    for t in study.trials:
        if t.state.name != "COMPLETE":
            continue
        folder = Path(t.user_attrs["run_dir"])
        runs = sorted(folder.glob("seed-*"))
        assert len(runs) == 2
        scores = [json.loads((r / "results.json").read_text())["mean_reward"] for r in runs]
        assert t.user_attrs["seed_scores"] == pytest.approx(scores)
        assert t.value == pytest.approx(np.mean(scores))  # the IQM of two is their mean
        seeds += [json.loads((r / "config.json").read_text())["seed"] for r in runs]
    assert len(seeds) >= 2 and len(set(seeds)) == len(seeds)  # no seed shared between trials
    from zoo.cli.tune import make_pruner, make_sampler

    assert type(make_sampler(sampler, 0)).__name__ == sampler_class
    assert type(make_pruner(pruner)).__name__ == {"none": "NopPruner", "halving": "SuccessiveHalvingPruner"}[pruner]
    # joining the study with another sampler is refused: it names what differs
    assert main(["tune", "q-learning", "toy/Slippery-v0", "--trials", "3", "--seeds", "2", "--sampler", "tpe",
                 "--pruner", pruner, *TINY]) == 2
    assert "it differs in sampler" in capsys.readouterr().err


@pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")
def test_two_and_four_workers_finish_exactly_the_trials_asked_ten_runs_in_a_row(tmp_path):
    """Workers racing for a study's last places: every run ends with exactly --trials finished trials, none
    running, and any other trial a surplus one that stopped before training (SQLite with 2 workers; PostgreSQL,
    where Debian's server is installed, with 4)."""
    import contextlib

    postgres = ThrowawayPostgres() if server_binaries() is not None else contextlib.nullcontext(None)
    with postgres as url:
        for run in range(10):
            jobs, storage = (4, url) if run % 2 and url else (2, f"sqlite:///{tmp_path / 'runs' / 'optuna.db'}")
            name = f"exact-{run}"
            done = subprocess.run([*CLI, "tune", "q-learning", "toy/Trap-v0", "--trials", "5", "--jobs", str(jobs),
                                   "--storage", storage, "--study", name, *TINY], cwd=tmp_path, capture_output=True,
                                  text=True, timeout=300, env={**os.environ, **RACE_HEARTBEAT})
            assert done.returncode == 0, (run, done.stderr[-2000:])
            trials = study_trials(storage, name)
            states = [t.state.name for t in trials]
            assert sum(s in ("COMPLETE", "PRUNED") for s in states) == 5, (run, states)
            assert "RUNNING" not in states and "WAITING" not in states, (run, states)
            others = [t for t in trials if t.state.name == "FAIL"]
            assert all(t.user_attrs.get("surplus") and "run_dir" not in t.user_attrs for t in others), (run, states)


@pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")
def test_a_live_worker_whose_trial_another_declared_dead_goes_on(tmp_path, capsys, monkeypatch):
    """Another worker fails a trial as stale while its own worker still trains it (a heartbeat late, not stopped):
    the live worker's next report is refused by Optuna; the worker says so and goes on to finish the study."""
    from optuna.trial import TrialState

    import zoo.cli.tune as tune

    real = tune.objective

    def objective(settings):
        run = real(settings)

        def first_one_declared_dead(trial):
            if trial.number == 0:
                report = trial.report

                def late(value, step):  # the other worker's fail_stale_trials came first
                    trial.study._storage.set_trial_state_values(trial._trial_id, TrialState.FAIL)
                    report(value, step)  # refused: the trial has finished

                trial.report = late
            return run(trial)

        return first_one_declared_dead

    monkeypatch.setattr(tune, "objective", objective)
    monkeypatch.chdir(tmp_path)
    storage = f"sqlite:///{tmp_path / 'optuna.db'}"
    assert main(["tune", "q-learning", "toy/Trap-v0", "--trials", "2", "--storage", storage, "--study", "late",
                 *TINY]) == 0
    assert "trial 0 was declared dead by another worker while this one trained it" in capsys.readouterr().err
    states = [t.state.name for t in study_trials(storage, "late")]
    assert states == ["FAIL", "COMPLETE", "COMPLETE"], states


def test_a_trials_own_value_error_is_not_taken_for_a_late_heartbeat(tmp_path, monkeypatch):
    """The worker goes on only when Optuna refused a trial failed under it; a ValueError of the trial's own code
    (its trial FAIL too) still stops the command with its traceback."""
    import zoo.cli.tune as tune

    def objective(settings):
        def broken(trial):
            trial.set_user_attr("worker", tune.worker_id())
            raise ValueError("a bug in the trial's code")

        return broken

    monkeypatch.setattr(tune, "objective", objective)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match="a bug in the trial's code"):
        main(["tune", "q-learning", "toy/Trap-v0", "--trials", "2", "--storage", f"sqlite:///{tmp_path / 'o.db'}",
              "--study", "bug", *TINY])
