"""The run directory: complete layout, a model card the Hub parses, round trips, bad files."""

import json

import imageio.v3 as iio
import numpy as np
import pytest
from huggingface_hub import ModelCard
from safetensors import safe_open

import zoo
from zoo.agents.registry import load_run
from zoo.errors import ZooError
from zoo.training.session import TrainSettings, train


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "q-learning-trap"
    return train(TrainSettings("q-learning", "toy/Trap-v0", seed=3, out=out, eval_episodes=50))


def test_layout_matches_design(run):
    for name in ("model.safetensors", "config.json", "results.json", "metrics.csv", "evaluations.csv",
                 "learning_curve.png", "replay.mp4", "README.md"):
        assert (run / name).is_file(), name
    assert (run / "learning_curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(run.parent.glob(".*tmp*")), "staging directory left behind"


def test_config_json_alone_trains_the_run_again_and_results_json_is_the_held_out_score(run, tmp_path):
    # config.json says everything the run was: trained again from it alone, the tables come out byte for byte
    config = json.loads((run / "config.json").read_text())
    again = train(TrainSettings(config["algo"], config["env_id"], seed=config["seed"], steps=config["steps"],
                                hyperparameters=config["hyperparameters"], env_kwargs=config["env_kwargs"],
                                out=tmp_path / "again", eval_episodes=50, video=False, tensorboard=False))
    assert (again / "model.safetensors").read_bytes() == (run / "model.safetensors").read_bytes()
    assert {"torch", "gymnasium", "numpy", "zoo"} <= set(config["versions"])
    # results.json is the loaded agent's score on the held-out seeds, which are not the training seeds
    results = json.loads((run / "results.json").read_text())
    from zoo.envs.seeds import stream_of
    from zoo.training.scoring import score_run

    agent, run_config = load_run(run)
    assert results == {**score_run(agent, run_config, 50).to_json(), "date": results["date"],
                       "eval_datetime": results["date"]}
    assert stream_of(results["eval_seed"]) == "final" and stream_of(config["seed"]) == "train"
    assert results["mean_reward"] == 1.0 and results["ci95"] == [1.0, 1.0]  # Trap's optimum, every episode
    with safe_open(run / "model.safetensors", "np") as f:  # what a foreign reader needs to recognise the file
        assert f.metadata()["format"] == "value-zoo" and f.metadata()["algo"] == "q-learning"
        assert set(f.keys()) == {"q", "visits"}


def test_metrics_csv_has_a_row_per_episode(run):
    lines = (run / "metrics.csv").read_text().splitlines()
    assert lines[0] == "step,episode,episode_return,episode_length,loss,epsilon,steps_per_s,wall_s"
    episodes = [line.split(",") for line in lines[1:]]
    assert len(episodes) > 1000  # 5000 steps of one- or two-step episodes
    assert {float(e[2]) for e in episodes} <= {1.0, -18.0}


def test_model_card_front_matter_parses_on_the_hub_side(run):
    card = ModelCard.load(run / "README.md")
    assert card.data.library_name == "value-zoo"
    assert {"reinforcement-learning", "toy/Trap-v0", "q-learning"} <= set(card.data.tags)
    assert "deep-reinforcement-learning" not in card.data.tags  # a Q-table is not deep RL
    result = card.data.eval_results[0]
    assert result.metric_type == "mean_reward" and result.metric_value == "1.00 +/- 0.00"
    assert result.metric_name == "mean_reward" and result.verified is False
    assert "learning_curve.png" in card.text and "replay.mp4" in card.text
    assert "never used to train the agent nor to choose" in card.text  # how the score was measured


def test_replay_video_films_one_greedy_episode_of_the_mdp_picture(run):
    import gymnasium as gym

    frames = iio.imread(run / "replay.mp4")
    # the learned policy goes right at once: the start frame, the frame after that one step, then the last
    # frame held for a second (4 frames at the toy envs' 4 fps)
    assert frames.shape == (2 + 4, 240, 320, 3)
    env = gym.make("toy/Trap-v0", render_mode="rgb_array")
    env.reset(seed=0)
    start = env.render()
    env.step(0)
    end = env.render()
    def close(a, b):
        return np.abs(a.astype(int) - b.astype(int)).mean() < 6  # h264 is lossy
    assert close(frames[0], start) and not close(frames[0], end)
    assert all(close(frame, end) for frame in frames[1:])


def test_save_load_round_trip_gives_identical_values_and_actions(run, tmp_path):
    agent = zoo.load(run)
    states = np.arange(4)
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(run, copy)
    again = zoo.load(copy)
    np.testing.assert_array_equal(agent.q_values(states), again.q_values(states))
    np.testing.assert_array_equal(agent.act(states), again.act(states))
    assert again.act(0) == 0  # right: the trap is learned


def test_corrupt_or_missing_files_give_clear_errors(run, tmp_path):
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(run, broken)
    data = (broken / "model.safetensors").read_bytes()
    (broken / "model.safetensors").write_bytes(data[: len(data) // 2])
    with pytest.raises(ZooError, match="model.safetensors is corrupt or truncated"):
        zoo.load(broken)
    (broken / "config.json").unlink()
    with pytest.raises(ZooError, match="config.json missing"):
        zoo.load(broken)
    with pytest.raises(ZooError, match="no run directory"):
        zoo.load(tmp_path / "nothing-here")


def test_loading_tables_for_another_env_names_the_mismatch(run, tmp_path):
    import shutil

    other = tmp_path / "other"
    shutil.copytree(run, other)
    config = json.loads((other / "config.json").read_text())
    config["spaces"]["observation"]["n"] = 16
    (other / "config.json").write_text(json.dumps(config))
    with pytest.raises(ZooError, match="another environment"):
        zoo.load(other)


def test_existing_run_directory_is_kept_unless_forced(run):
    before = {p.name: p.read_bytes() for p in run.iterdir() if p.is_file()}
    with pytest.raises(ZooError, match="already exists.*--force"):
        train(TrainSettings("q-learning", "toy/Trap-v0", seed=3, out=run))
    assert {p.name: p.read_bytes() for p in run.iterdir() if p.is_file()} == before


def test_failed_forced_run_leaves_the_old_directory_intact(run):
    before = {p.name: p.read_bytes() for p in run.iterdir() if p.is_file()}
    with pytest.raises(ZooError):
        train(TrainSettings("q-learning", "toy/Trap-v0", seed=3, out=run, force=True,
                            env_kwargs={"no_such_argument": 1}))
    assert {p.name: p.read_bytes() for p in run.iterdir() if p.is_file()} == before


def test_files_get_ordinary_permissions(run):
    import os
    import stat

    umask = os.umask(0)
    os.umask(umask)
    for name in ("model.safetensors", "config.json", "results.json", "replay.mp4", "README.md"):
        assert stat.S_IMODE((run / name).stat().st_mode) == 0o666 & ~umask, name


def test_minutes_axis_maps_steps_to_training_time_past_both_ends():
    from zoo.rundir.plots import _extrapolated

    steps, minutes = np.array([0.0, 100.0, 200.0]), np.array([0.0, 1.0, 3.0])
    assert _extrapolated([50, 200, 300, -100], steps, minutes).tolist() == [0.5, 3.0, 5.0, -1.0]
    assert _extrapolated([0.5, 5.0], minutes, steps).tolist() == [50.0, 300.0]  # and back


def test_env_ids_on_cards_follow_the_hubs_conventions():
    from zoo.envs.atari import v4_id
    from zoo.rundir.card import field_id

    assert field_id("FrozenLake-v1", {}) == "FrozenLake-v1"
    assert field_id("FrozenLake-v1", {"map_name": "8x8", "is_slippery": False}) == \
        "FrozenLake-v1-is_slippery_False-map_name_8x8"
    assert field_id("ALE/Pong-v5", {}) == "ALE/Pong-v5"  # v5's default: sticky actions
    assert field_id("ALE/Pong-v5", {"repeat_action_probability": 0.25, "noop_max": 10}) == "ALE/Pong-v5"
    for game in ("ALE/Pong-v5", "ALE/Breakout-v5", "ALE/SpaceInvaders-v5"):
        deterministic = field_id(game, {"repeat_action_probability": 0.0})
        assert deterministic == v4_id(game) and deterministic.endswith("NoFrameskip-v4")
    # runs written before the kwarg existed record sticky actions in their preprocessing
    assert field_id("ALE/Pong-v5", {}, {"sticky_actions": 0.0}) == "PongNoFrameskip-v4"


def test_deep_means_a_network_for_every_registered_algorithm():
    import dataclasses

    from zoo.agents.registry import ALGORITHMS

    for algorithm in ALGORITHMS.values():
        has_network = "hidden" in {f.name for f in dataclasses.fields(algorithm.config_class)}
        assert has_network == (not algorithm.tabular), algorithm.name


def test_results_json_carries_the_keys_sb3_and_rl_zoo_write_and_reads_either(tmp_path):
    from zoo.rundir.files import Results, read_results, write_results

    results = Results.of([1.0, 3.0], "CartPole-v1", 5, "greedy")
    write_results(tmp_path, results)
    data = json.loads((tmp_path / "results.json").read_text())
    assert (data["mean_reward"], data["std_reward"], data["n_eval_episodes"], data["is_deterministic"]) == (2.0, 1.0, 2, True)
    assert data["eval_datetime"] == results.date
    # huggingface_sb3's own file: its five keys only
    sb3 = {"mean_reward": 200.0, "std_reward": 0.0, "is_deterministic": True, "n_eval_episodes": 10,
           "eval_datetime": "2025-01-01T00:00:00"}
    (tmp_path / "results.json").write_text(json.dumps(sb3))
    read = read_results(tmp_path)
    assert (read.mean_reward, read.n_episodes, read.greedy, read.date) == (200.0, 10, True, "2025-01-01T00:00:00")
    # this project's older files, without the conventional keys
    old = {k: v for k, v in data.items() if k not in ("n_eval_episodes", "is_deterministic", "eval_datetime")}
    (tmp_path / "results.json").write_text(json.dumps(old))
    assert read_results(tmp_path).n_episodes == 2


def test_the_kept_evaluation_is_the_latest_to_tie_or_beat_the_best_as_the_trainer_keeps(tmp_path):
    from zoo.rundir.card import kept_evaluation

    (tmp_path / "evaluations.csv").write_text("step,wall_s,mean_reward,std_reward,n_episodes,train_s\n"
                                              "100,1,1.0,0,10,1\n200,2,3.0,0,10,2\n300,3,3.0,0,20,3\n400,4,2.0,0,10,4\n")
    assert kept_evaluation(tmp_path) == {"step": 300, "mean_reward": 3.0, "n_episodes": 20}
    assert kept_evaluation(tmp_path / "none") is None


def test_a_deep_runs_card_names_the_evaluation_whose_weights_it_kept(tmp_path):
    out = train(TrainSettings("dqn", "CartPole-v1", seed=4, out=tmp_path / "dqn", steps=3_000, eval_every=500,
                              snapshot_every=500, eval_episodes=5, video=False, tensorboard=False,
                              hyperparameters={"learning_starts": 300, "buffer_size": 5000, "num_envs": 2}))
    card = (out / "README.md").read_text()
    step = int(card.split("best periodic evaluation, at step ")[1].split(" ")[0].replace(",", ""))
    kept, snapshot = (safe_open(path, "pt") for path in (out / "model.safetensors",
                                                         out / "snapshots" / f"{step:010d}.safetensors"))
    assert all(kept.get_tensor(k).equal(snapshot.get_tensor(k)) for k in kept.keys())


def test_a_tabular_runs_card_claims_no_kept_evaluation(run):
    assert "best periodic evaluation" not in (run / "README.md").read_text()  # it keeps its final table


def test_the_card_says_on_which_machines_an_agent_was_trained():
    from zoo.rundir.card import machines_text

    cpu = {"device": "cpu", "cpu": "AMD EPYC (AVX512)", "threads": 2, "precision": "bf16", "torch": "2.13.0+cpu"}
    gpu = {"device": "cuda:0", "gpu": "NVIDIA H200", "cpu": "Intel(R) Xeon(R) Processor (AVX512)", "threads": 16,
           "precision": "fp32", "torch": "2.11.0+cu130"}
    assert machines_text([cpu]) == "AMD EPYC (AVX512), 2 threads, bf16 updates, torch 2.13.0+cpu"
    assert machines_text([cpu, cpu, gpu]) == ("AMD EPYC (AVX512), 2 threads, bf16 updates, torch 2.13.0+cpu, then "
                                              "NVIDIA H200 (CUDA), host CPU Intel(R) Xeon(R) Processor (AVX512), fp32 "
                                              "updates, torch 2.11.0+cu130")
    # a run resumed from a config.json that predates the record, and one whose record lacks fields: said, not guessed
    assert machines_text([{"not_recorded": True}, cpu]).startswith("a machine not recorded")
    assert machines_text([{"cpu": "X"}]) == "X, threads not recorded"
    assert machines_text(None) == machines_text([]) == ""
