"""``--cnn wide`` from a small-CNN agent (``widen_small_cnn``): the wide network computes the small one's Q-values
at the start, its new units are live and learn, weights that do not fit are refused, and ``--init-from`` a Pong
agent into a wide run keeps its play and says so on the card."""

import json

import numpy as np
import pytest
import torch

from zoo.errors import ZooError
from zoo.learning.networks import build_q_network, widen_small_cnn


def frames(n=8, seed=0):
    return torch.from_numpy(np.random.default_rng(seed).integers(0, 256, (n, 4, 84, 84), dtype=np.uint8))


@pytest.mark.parametrize("dueling, quantiles", [(True, 0), (False, 0), (True, 3)])
def test_the_widened_network_gives_the_small_ones_q_values_and_its_new_units_learn(dueling, quantiles):
    torch.manual_seed(0)
    small = build_q_network("atari", 0, 6, (), dueling, "small", quantiles)
    wide = build_q_network("atari", 0, 6, (), dueling, "wide", quantiles)
    fresh = {k: v.clone() for k, v in wide.state_dict().items()}
    wide.load_state_dict(widen_small_cnn(small.state_dict(), wide.state_dict()))
    x = frames()
    with torch.no_grad():
        torch.testing.assert_close(wide(x), small(x), rtol=1e-5, atol=1e-6)
        assert wide(x).abs().max() > 1e-3  # not a trivially zero network
    w = wide.state_dict()
    # old units: their own weights, and 0 from the new units below them
    assert torch.equal(w["body.conv.0.weight"][:16], small.state_dict()["body.conv.0.weight"])
    assert torch.equal(w["body.conv.2.weight"][:32, :16], small.state_dict()["body.conv.2.weight"])
    assert not w["body.conv.2.weight"][:32, 16:].any() and not w["body.fc.0.weight"][:256, 32 * 81:].any()
    # new units: the fresh network's random weights from every unit below
    assert torch.equal(w["body.conv.2.weight"][32:], fresh["body.conv.2.weight"][32:])
    assert torch.equal(w["body.fc.0.weight"][256:], fresh["body.fc.0.weight"][256:])
    # the zeros are not stuck: the new units' features reach the loss's gradient
    wide(x)[:, 0].sum().backward()  # one action's Q (a dueling head's sum over actions has no advantage gradient)
    assert wide.body.conv[2].weight.grad[:32, 16:].abs().sum() > 0
    head = wide.advantage if dueling else wide.head
    assert head.weight.grad[:, 256:].abs().sum() > 0


def test_weights_that_do_not_fit_inside_the_wide_network_are_refused():
    wide = build_q_network("atari", 0, 6, (), True, "wide").state_dict()
    nature = build_q_network("atari", 0, 6, (), True, "nature").state_dict()
    with pytest.raises(ZooError):
        widen_small_cnn(nature, wide)
    plain = build_q_network("atari", 0, 6, (), False, "small").state_dict()
    with pytest.raises(ZooError, match="head"):
        widen_small_cnn(plain, wide)


def test_a_small_cnn_pong_agent_starts_a_wide_run_playing_as_before_and_the_card_says_so(tmp_path):
    import zoo
    from zoo.training.session import TrainSettings, train

    common = dict(steps=40, video=False, tensorboard=False, eval_episodes=1, eval_protocol="sticky", eval_every=0,
                  progress=False)
    hyper = {"cnn": "small", "dueling": True, "learning_starts": 1000, "buffer_size": 1000, "precision": "fp32"}
    source = train(TrainSettings("dqn", "ALE/Pong-v5", out=tmp_path / "small", hyperparameters=hyper, **common))
    out = train(TrainSettings("dqn", "ALE/Pong-v5", out=tmp_path / "wide", init_from=source,
                              hyperparameters={**hyper, "cnn": "wide"}, **common))
    before, after = zoo.load(source), zoo.load(out)
    obs = frames(4, seed=1).numpy()
    np.testing.assert_allclose(after.q_values(obs), before.q_values(obs), rtol=1e-4, atol=1e-5)
    config = json.loads((out / "config.json").read_text())
    assert config["hyperparameters"]["cnn"] == "wide"
    assert "widened" in config["initialized_from"]["body"]
    assert "small CNN widened" in (out / "README.md").read_text()
    # the card's standalone torch code builds the wide network: run with the local file for the Hub's
    from zoo.rundir.card import standalone_snippet
    from zoo.rundir.files import read_config

    code = standalone_snippet(read_config(out)).replace('hf_hub_download("REPO_ID", "model.safetensors")',
                                                        repr(str(out / "model.safetensors")))
    code += "\nx = torch.from_numpy(OBS)\nQ = net(x).detach().numpy()\n"
    scope = {"OBS": obs}
    exec(code, scope)  # noqa: S102 - the card's own code, made here
    np.testing.assert_allclose(scope["Q"], after.q_values(obs), rtol=1e-4, atol=1e-5)
