"""push -> pull -> play through the real huggingface_hub client against a local stand-in of the Hub API,
the converters of other libraries' checkpoints, and every bad-input path."""

import io
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

import zoo
from hub.formats import convert, detect_format
from tests.hub_server import GOOD_TOKEN, HubStandIn, HungHub
from zoo.envs.make import make_env
from zoo.errors import ZooError
from zoo.training.session import TrainSettings, train


@pytest.fixture(scope="module")
def server():
    hub = HubStandIn().start()
    yield hub
    hub.stop()


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "planner-trap"
    return train(TrainSettings("planner", "toy/Trap-v0", out=out, eval_episodes=20, tensorboard=False))


@pytest.fixture(scope="module")
def hf_home(tmp_path_factory):
    return tmp_path_factory.mktemp("hf_home")


def zoo_cmd(args, server, hf_home, token=GOOD_TOKEN, **env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    environment.update({"HF_ENDPOINT": server.url, "HF_HOME": str(hf_home), "HF_HUB_DISABLE_TELEMETRY": "1",
                        "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy", **env})
    if token:
        environment["HF_TOKEN"] = token
    done = subprocess.run([sys.executable, "-m", "zoo.cli", *map(str, args)], capture_output=True, text=True,
                          env=environment, timeout=300)
    assert GOOD_TOKEN not in done.stdout + done.stderr and "hf_bad" not in done.stdout + done.stderr
    return done


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_push_pull_play_round_trip(server, run_dir, hf_home, tmp_path):
    before = snapshot(run_dir)
    pushed = zoo_cmd(["push", run_dir, "tester/trap-planner"], server, hf_home)
    assert pushed.returncode == 0, pushed.stderr
    assert "/tester/trap-planner/commit/" in pushed.stdout
    files = server.repos["tester/trap-planner"].files("main")
    assert {"model.safetensors", "config.json", "results.json", "README.md", "replay.mp4", "learning_curve.png",
            "metrics.csv"} <= set(files)
    assert files["model.safetensors"] == (run_dir / "model.safetensors").read_bytes()
    assert snapshot(run_dir) == before
    card = files["README.md"].decode()
    assert "zoo play tester/trap-planner" in card and "REPO_ID" not in card  # the uploaded card names its repo
    # Pushing again to the existing repo (the Hub answers 409 to the create) makes a second commit.
    first = server.repos["tester/trap-planner"].branches["main"]
    again = zoo_cmd(["push", run_dir, "tester/trap-planner", "--commit-message", "again"], server, hf_home)
    assert again.returncode == 0, again.stderr
    assert server.repos["tester/trap-planner"].branches["main"] != first
    assert "POST /api/repos/create" in server.requests

    pulled = zoo_cmd(["pull", "tester/trap-planner"], server, hf_home)
    assert pulled.returncode == 0, pulled.stderr
    local = Path(pulled.stdout.strip().split(" is in ")[-1])
    assert str(hf_home) in str(local) and (local / "model.safetensors").read_bytes() == files["model.safetensors"]

    video = tmp_path / "play.mp4"
    played = zoo_cmd(["play", "tester/trap-planner", "--episodes", "2", "--video", video], server, hf_home)
    assert played.returncode == 0, played.stderr
    assert "episode 2: return 1" in played.stdout and "mean reward 1.000 ± 0.000 over 2" in played.stdout
    assert video.stat().st_size > 1000

    # Offline, the cache serves the same repo; a repo never pulled gets advice instead of a traceback.
    offline = zoo_cmd(["play", "tester/trap-planner", "--episodes", "1"], server, hf_home, HF_HUB_OFFLINE="1")
    assert offline.returncode == 0, offline.stderr
    missing = zoo_cmd(["pull", "tester/never-pulled"], server, hf_home, HF_HUB_OFFLINE="1")
    assert missing.returncode == 2 and "Pull it once while online" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_push_private_branch_message_and_generated_card(server, run_dir, hf_home, tmp_path):
    import shutil

    no_card = tmp_path / "no-card"
    shutil.copytree(run_dir, no_card)
    (no_card / "README.md").unlink()
    before = snapshot(no_card)
    done = zoo_cmd(["push", no_card, "tester/private-trap", "--private", "--revision", "dev",
                    "--commit-message", "first upload"], server, hf_home)
    assert done.returncode == 0, done.stderr
    repo = server.repos["tester/private-trap"]
    assert repo.private and "dev" in repo.branches
    card = repo.files("dev")["README.md"].decode()
    assert card.startswith("---\n") and "library_name: value-zoo" in card and "value: 1.00 +/- 0.00" in card
    assert snapshot(no_card) == before  # the card went into the commit, not into the folder
    assert GOOD_TOKEN not in card
    from huggingface_hub import ModelCard, metadata_load

    (tmp_path / "pushed.md").write_text(card)
    index = metadata_load(tmp_path / "pushed.md")["model-index"][0]["results"][0]
    assert index["dataset"] == {"name": "toy/Trap-v0", "type": "toy/Trap-v0"}
    assert index["metrics"] == [{"type": "mean_reward", "value": "1.00 +/- 0.00", "name": "mean_reward",
                                 "verified": False}]
    tags = ModelCard(card).data.tags
    assert "reinforcement-learning" in tags and "deep-reinforcement-learning" not in tags  # a planner: tabular


def test_rejected_token_fails_clearly_and_changes_nothing(server, run_dir, hf_home):
    before = snapshot(run_dir)
    done = zoo_cmd(["push", run_dir, "tester/should-not-exist"], server, hf_home, token="hf_bad_token")
    assert done.returncode == 2 and "rejected your token" in done.stderr and "Traceback" not in done.stderr
    assert "tester/should-not-exist" not in server.repos
    assert snapshot(run_dir) == before


def test_repo_not_found(server, hf_home):
    done = zoo_cmd(["pull", "tester/no-such-repo"], server, hf_home)
    assert done.returncode == 2 and "tester/no-such-repo was not found" in done.stderr


def test_no_network(hf_home, run_dir):
    class Closed:
        url = "http://127.0.0.1:9"  # the discard port: nothing listens there

    done = zoo_cmd(["pull", "tester/anything"], Closed, hf_home)
    assert done.returncode == 2 and "cannot reach http://127.0.0.1:9" in done.stderr
    pushed = zoo_cmd(["push", run_dir, "tester/anything"], Closed, hf_home)
    assert pushed.returncode == 2 and "cannot reach" in pushed.stderr


def test_repo_without_supported_files_names_what_it_found(server, hf_home):
    server.add_repo("tester/notes", {"notes.txt": b"hello", "weights.bin": b"\0" * 10})
    done = zoo_cmd(["pull", "tester/notes"], server, hf_home)
    assert done.returncode == 2
    assert "found: .gitattributes, notes.txt, weights.bin" in done.stderr or "found: notes.txt, weights.bin" in done.stderr
    assert "*.cleanrl_model" in done.stderr and "model.safetensors" in done.stderr


def test_corrupt_checkpoint_in_a_repo(server, run_dir, hf_home):
    data = (run_dir / "model.safetensors").read_bytes()
    server.add_repo("tester/corrupt", {"model.safetensors": data[: len(data) // 2],
                                       "config.json": (run_dir / "config.json").read_bytes()})
    done = zoo_cmd(["play", "tester/corrupt", "--episodes", "1"], server, hf_home)
    assert done.returncode == 2 and "corrupt or truncated" in done.stderr


def test_file_name_escaping_the_download_directory_is_refused(server, hf_home, tmp_path):
    server.add_repo("tester/evil", {"model.safetensors": b"x", "config.json": b"{}"})
    server.extra_files["tester/evil"] = {"../../escaped.txt": b"gotcha"}
    done = zoo_cmd(["pull", "tester/evil"], server, hf_home)
    assert done.returncode == 2 and "outside the download directory" in done.stderr
    assert not list(Path(hf_home).parent.rglob("escaped.txt"))


# -- converters --------------------------------------------------------------------------------------------------

def nature_cnn(n_actions: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(4, 32, 8, 4), nn.ReLU(), nn.Conv2d(32, 64, 4, 2), nn.ReLU(),
                         nn.Conv2d(64, 64, 3, 1), nn.ReLU(), nn.Flatten(), nn.Linear(3136, 512), nn.ReLU(),
                         nn.Linear(512, n_actions))


class CleanRLQNetwork(nn.Module):  # cleanrl/dqn_atari.py: self.network = nn.Sequential(...)
    def __init__(self, n):
        super().__init__()
        self.network = nature_cnn(n)

    def forward(self, x):
        return self.network(x / 255.0)


class SB3QNet(nn.Module):  # stable_baselines3 QNetwork: features_extractor (NatureCNN) + q_net
    def __init__(self, n):
        super().__init__()
        body = nature_cnn(n)
        self.features_extractor = nn.Module()
        self.features_extractor.cnn = nn.Sequential(*list(body)[:7])
        self.features_extractor.linear = nn.Sequential(body[7], nn.ReLU())
        self.q_net = nn.Sequential(body[9])

    def forward(self, x):
        return self.q_net(self.features_extractor.linear(self.features_extractor.cnn(x / 255.0)))


class SB3Policy(nn.Module):  # DQNPolicy: q_net and q_net_target
    def __init__(self, n):
        super().__init__()
        self.q_net, self.q_net_target = SB3QNet(n), SB3QNet(n)


class CourseDQN(nn.Module):  # the course's dqn_model.DQN
    def __init__(self, n):
        super().__init__()
        body = nature_cnn(n)
        self.conv = nn.Sequential(*list(body)[:7])
        self.fc = nn.Sequential(body[7], nn.ReLU(), body[9])

    def forward(self, x):
        return self.fc(self.conv(x / 255.0))


def write_source(fmt: str, folder: Path, n_actions: int = 6):
    torch.manual_seed({"cleanrl": 1, "sb3": 2, "course": 3}[fmt])
    folder.mkdir(parents=True, exist_ok=True)
    if fmt == "cleanrl":
        net = CleanRLQNetwork(n_actions)
        torch.save(net.state_dict(), folder / "dqn_atari.cleanrl_model")
        return net, folder / "dqn_atari.cleanrl_model"
    if fmt == "course":
        net = CourseDQN(n_actions)
        torch.save(net.state_dict(), folder / "PongNoFrameskip-v4-best_19.dat")
        return net, folder / "PongNoFrameskip-v4-best_19.dat"
    policy = SB3Policy(n_actions)
    raw = io.BytesIO()
    torch.save(policy.state_dict(), raw)
    path = folder / "dqn-PongNoFrameskip-v4.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("policy.pth", raw.getvalue())
        z.writestr("data", b"\x80\x04cos\nsystem\n(S'echo never unpickle me'\ntR.")  # a pickle that would run a command
    return policy.q_net, path


@pytest.mark.parametrize("fmt", ["cleanrl", "sb3", "course"])
def test_converted_agent_gives_the_source_networks_q_values(fmt, tmp_path):
    source_net, file = write_source(fmt, tmp_path / "src")
    assert detect_format(tmp_path / "src") == (fmt, file)
    out = convert(fmt, file, tmp_path / "native", source=f"someone/{file.name}")
    agent = zoo.load(out, env_id="ALE/Pong-v5")
    obs = np.random.default_rng(0).integers(0, 256, size=(5, 4, 84, 84), dtype=np.uint8)
    with torch.no_grad():
        expected = source_net(torch.as_tensor(obs).float()).numpy()
    # The CNN runs in bf16 on CPU here; compare through the same fp32 path and with bf16's tolerance.
    agent.bf16 = False
    np.testing.assert_allclose(agent.q_values(obs), expected, rtol=1e-5, atol=1e-5)
    config = json.loads((out / "config.json").read_text())
    assert config["env_id"] == "ALE/Pong-v5" and config["converted_from"]["format"] == fmt


@pytest.mark.parametrize("env_id, message", [("os:system", "give an ALE/<Game>-v5 id"),
                                              ("ALE/NoSuchGame-v5", "NoSuchGame"),
                                              ("ALE/Breakout-v5", "has 4")])
def test_convert_checks_the_env_it_is_given(env_id, message, tmp_path):
    _, file = write_source("cleanrl", tmp_path / "src")
    with pytest.raises(ZooError, match=re.escape(message)):
        convert("cleanrl", file, tmp_path / "out", source="someone/pong", env_id=env_id)
    assert not (tmp_path / "out").exists()  # nothing unusable left behind


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")  # the hostile file's protocol; refused all the same
def test_a_pickle_that_is_not_plain_tensors_is_refused(tmp_path):
    import pickle

    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "evil.cleanrl_model").write_bytes(pickle.dumps({"network.0.weight": object()}))
    with pytest.raises(ZooError, match="plain tensors"):
        convert("cleanrl", folder / "evil.cleanrl_model", tmp_path / "out", source="x")


def test_play_a_cleanrl_repo_straight_from_the_hub(server, hf_home, tmp_path):
    _, file = write_source("cleanrl", tmp_path / "src")
    server.add_repo("cleanrl/PongNoFrameskip-v4-dqn_atari-seed1", {file.name: file.read_bytes()})
    done = zoo_cmd(["play", "cleanrl/PongNoFrameskip-v4-dqn_atari-seed1", "--episodes", "1"], server, hf_home)
    assert done.returncode == 0, done.stderr
    assert "dqn on ALE/Pong-v5" in done.stdout and "episode 1: return -" in done.stdout
    converted = zoo_cmd(["convert", "cleanrl/PongNoFrameskip-v4-dqn_atari-seed1", tmp_path / "pong"], server, hf_home)
    assert converted.returncode == 0, converted.stderr
    assert (tmp_path / "pong" / "model.safetensors").is_file()


def test_push_the_shipped_pong_agent_by_name(server, hf_home):
    from zoo.pretrained import shipped_path

    folder = shipped_path("pong")
    before = snapshot(folder)
    pushed = zoo_cmd(["push", "pong", "tester/pong-dqn"], server, hf_home)
    assert pushed.returncode == 0, pushed.stderr
    files = server.repos["tester/pong-dqn"].files("main")
    assert {"model.safetensors", "config.json", "results.json", "README.md", "replay.mp4", "learning_curve.png",
            "metrics.csv", "evaluations.csv"} <= set(files)
    assert files["model.safetensors"] == before["model.safetensors"] and snapshot(folder) == before
    assert "zoo play tester/pong-dqn" in files["README.md"].decode()
    pulled = zoo_cmd(["pull", "tester/pong-dqn"], server, hf_home)
    assert pulled.returncode == 0 and "(native format)" in pulled.stdout, pulled.stderr


# -- model cards that work, pushes that upload only the run -----------------------------------------------------

def python_blocks(card: str) -> list[str]:
    return [block.split("```", 1)[0] for block in card.split("```python\n")[1:]]


def run_snippet(code: str, server, hf_home, tmp_path) -> str:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    environment.update({"HF_ENDPOINT": server.url, "HF_HOME": str(hf_home), "HF_HUB_DISABLE_TELEMETRY": "1"})
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment,
                          timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_cards_code_runs_as_written_against_the_pushed_repo(server, run_dir, hf_home, tmp_path):
    def cartpole(name, **hyperparameters):
        return train(TrainSettings("dqn", "CartPole-v1", steps=600, out=tmp_path / name, eval_episodes=2,
                                   hyperparameters={"learning_starts": 200, **hyperparameters}, tensorboard=False,
                                   video=False))

    runs = ((cartpole("cartpole", dueling=True), "tester/card-cartpole"),
            (cartpole("cartpole-qr", dueling=True, quantiles=5, loss="huber"), "tester/card-cartpole-qr"),
            (cartpole("cartpole-qr-plain", dueling=False, quantiles=3, loss="huber"), "tester/card-cartpole-qr-plain"),
            (run_dir, "tester/card-trap"))
    for run, repo in runs:
        assert zoo_cmd(["push", run, repo], server, hf_home).returncode == 0
        card = server.repos[repo].files("main")["README.md"].decode()
        standalone, with_zoo = python_blocks(card)
        agent = zoo.load(run)
        if "q = load_file" in standalone:  # a Q table
            assert run_snippet(standalone + "print(action, q.tolist())", server, hf_home, tmp_path).split()[0] == str(
                int(agent.act(0)))
        else:  # the network rebuilt in plain torch gives the agent's Q values
            out = run_snippet(standalone + "x = torch.linspace(-1, 1, 4)[None]\nprint(net(x).tolist())",
                              server, hf_home, tmp_path)
            np.testing.assert_allclose(json.loads(out), agent.q_values(np.linspace(-1, 1, 4, dtype=np.float32)[None]),
                                       rtol=1e-5, atol=1e-6)
        # the card's own env and first observation, acted on by the agent pulled here: the same greedy action
        out = run_snippet(with_zoo + "print(action)", server, hf_home, tmp_path)
        config = json.loads((run / "config.json").read_text())
        observation, _ = make_env(config["env_id"], config.get("env_kwargs")).reset(seed=0)
        assert out.strip().splitlines()[-1] == str(int(agent.act(observation)))


def test_push_uploads_the_runs_own_files_only(server, run_dir, hf_home, tmp_path):
    import shutil

    linked = tmp_path / "linked"
    shutil.copytree(run_dir, linked)
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the Hub")
    (linked / "extra.txt").symlink_to(secret)
    done = zoo_cmd(["push", linked, "tester/linked"], server, hf_home)
    assert done.returncode == 2 and "symbolic link" in done.stderr and "tester/linked" not in server.repos
    (linked / "extra.txt").unlink()
    (linked / "README.md").unlink()
    (linked / "README.md").symlink_to(secret)
    done = zoo_cmd(["push", linked, "tester/linked"], server, hf_home)
    assert done.returncode == 2 and "symbolic link" in done.stderr and "tester/linked" not in server.repos
    (linked / "README.md").unlink()
    for broken in (b"", (run_dir / "model.safetensors").read_bytes()[:40]):
        (linked / "model.safetensors").write_bytes(broken)
        done = zoo_cmd(["push", linked, "tester/linked"], server, hf_home)
        assert done.returncode == 2 and "corrupt or truncated" in done.stderr and "tester/linked" not in server.repos


def test_push_without_a_token_says_none_was_found(server, run_dir, hf_home):
    done = zoo_cmd(["push", run_dir, "tester/no-token"], server, hf_home, token=None)
    assert done.returncode == 2 and "no Hugging Face token was found" in done.stderr
    assert "tester/no-token" not in server.repos


def test_a_dead_hub_is_an_error_in_seconds_and_a_pulled_repo_still_plays(server, run_dir, hf_home):
    class Closed:
        url = "http://127.0.0.1:9"  # nothing listens there

    done = zoo_cmd(["pull", "tester/never-pulled-anywhere"], Closed, hf_home)
    assert done.returncode == 2 and "cannot reach" in done.stderr and "Retrying" not in done.stderr  # no backoff
    assert zoo_cmd(["push", run_dir, "tester/cached-trap"], server, hf_home).returncode == 0
    assert zoo_cmd(["pull", "tester/cached-trap"], server, hf_home).returncode == 0
    played = zoo_cmd(["play", "tester/cached-trap", "--episodes", "1"], Closed, hf_home)  # no HF_HUB_OFFLINE needed
    assert played.returncode == 0, played.stderr
    assert "using the copy of tester/cached-trap pulled before" in played.stderr


def test_a_hung_hub_cannot_hang_a_command(server, run_dir, hf_home):
    """A Hub that accepts and never answers: a cached repo plays within 10 s with a note, an uncached one
    fails clearly within 15 s, and HF_HUB_ETAG_TIMEOUT sets the bound."""
    import time

    assert zoo_cmd(["push", run_dir, "tester/hung-cached"], server, hf_home).returncode == 0
    assert zoo_cmd(["pull", "tester/hung-cached"], server, hf_home).returncode == 0
    hung = HungHub()
    try:
        start = time.perf_counter()
        played = zoo_cmd(["play", "tester/hung-cached", "--episodes", "1"], hung, hf_home)
        played_s = time.perf_counter() - start
        assert played.returncode == 0, played.stderr
        assert "using the copy of tester/hung-cached pulled before" in played.stderr and played_s < 10, played_s
        start = time.perf_counter()
        missing = zoo_cmd(["pull", "tester/never-pulled-hung"], hung, hf_home)
        missing_s = time.perf_counter() - start
        assert missing.returncode == 2 and "cannot reach" in missing.stderr and missing_s < 15, (missing_s, missing.stderr)
        assert "HF_HUB_ETAG_TIMEOUT" in missing.stderr
        start = time.perf_counter()
        quick = zoo_cmd(["pull", "tester/never-pulled-hung"], hung, hf_home, HF_HUB_ETAG_TIMEOUT="1")
        quick_s = time.perf_counter() - start
        assert quick.returncode == 2 and quick_s < missing_s - 2, (quick_s, missing_s)  # the bound is the variable's
    finally:
        hung.stop()
    bad = zoo_cmd(["pull", "tester/hung-cached"], server, hf_home, HF_HUB_DOWNLOAD_TIMEOUT="soon")
    assert bad.returncode == 2 and "HF_HUB_DOWNLOAD_TIMEOUT='soon'" in bad.stderr


def test_a_pulled_agent_fine_tunes_with_init_from_and_its_card_says_from_what(server, hf_home, tmp_path):
    from safetensors.torch import load_file

    source = train(TrainSettings("dqn", "toy/Trap-v0", out=tmp_path / "source", eval_episodes=20, video=False,
                                 tensorboard=False))
    assert zoo_cmd(["push", source, "tester/trap-dqn"], server, hf_home).returncode == 0
    out = tmp_path / "tuned"
    done = zoo_cmd(["train", "dqn", "toy/Trap-v0", "--init-from", "tester/trap-dqn", "--steps", "300",
                    "--learning-starts", "100", "--learning-rate", "1e-6", "--eval-episodes", "20", "--no-video",
                    "--no-tensorboard", "--out", out], server, hf_home)
    assert done.returncode == 0, done.stderr
    # a tiny learning rate: the weights moved (it trained) but stayed next to the pulled ones, far from a fresh net's
    tuned, pulled = load_file(out / "model.safetensors"), load_file(source / "model.safetensors")
    fresh = zoo.load(train(TrainSettings("dqn", "toy/Trap-v0", out=tmp_path / "fresh", steps=0, eval_episodes=1,
                                         video=False, tensorboard=False))).state_dict()
    assert tuned.keys() == pulled.keys() == fresh.keys()
    moved = max(float((tuned[k] - pulled[k]).abs().max()) for k in tuned)
    assert 0 < moved < 1e-3 < min(float((fresh[k] - pulled[k]).abs().max()) for k in tuned if "weight" in k)
    config = json.loads((out / "config.json").read_text())
    assert config["initialized_from"]["source"] == "tester/trap-dqn" and config["initialized_from"]["steps"] == 4_000
    assert config["initialized_from"]["score"]["n_episodes"] == 20
    card = (out / "README.md").read_text()
    assert "Started from the weights of `tester/trap-dqn` (dqn on toy/Trap-v0, trained 4,000" in card
    assert "fresh replay buffer" in card
    # and where each was trained: the source's machine travels in the record, the run's own in trained_on
    from zoo.learning.device import cpu_description

    here = f"{cpu_description()}, 1 thread, fp32 updates, torch {torch.__version__}"
    assert config["initialized_from"]["trained_on"] == json.loads((source / "config.json").read_text())["trained_on"]
    assert [m["cpu"] for m in config["trained_on"]] == [cpu_description()]
    assert f"trained 4,000 environment steps on {here}, mean reward" in card and f"Trained on {here}." in card
    # the wrong algorithm or env, or a network of another shape: refused before any file is written
    for extra, message in ((["dqn", "toy/Loop-v0"], "whose observations or actions differ"),
                           (["dqn", "toy/Trap-v0", "--hidden", "32"], "do not fit this run's network"),
                           (["reinforce", "toy/Trap-v0"], "holds a dqn agent")):
        refused = zoo_cmd(["train", *extra, "--init-from", source, "--out", tmp_path / "refused"], server, hf_home)
        assert refused.returncode != 0 and message in refused.stderr, refused.stderr
        assert not (tmp_path / "refused").exists()
