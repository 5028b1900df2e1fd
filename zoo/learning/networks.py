"""Q-networks: an MLP for vector (or one-hot) observations, the Nature CNN (or the smaller 2013 one) for
stacked Atari frames, each with a plain or dueling head."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from zoo.errors import ZooError


def observation_kind(obs_desc: dict) -> tuple[str, int]:
    """How observations reach a network: ("discrete", n) one-hot, ("vector", dim) or ("atari", side) for stacks of
    side×side frames."""
    if obs_desc["type"] == "Discrete":
        return "discrete", int(obs_desc["n"])
    shape = tuple(obs_desc.get("shape", ()))
    if len(shape) == 1:
        return "vector", shape[0]
    if len(shape) == 3 and obs_desc.get("dtype") == "uint8" and shape[1] == shape[2]:
        return "atari", shape[2]
    raise ZooError(f"the deep agents handle discrete, 1-D vector or stacked-frame (uint8 C×H×W) observations, "
                   f"not {obs_desc}")


def parse_hidden(text: str) -> tuple[int, ...]:
    """``"256,256"`` -> ``(256, 256)``; empty means no hidden layer. ValueError for anything else."""
    sizes = tuple(int(x) for x in text.split(",") if x.strip())
    if any(s < 1 for s in sizes):
        raise ValueError(text)
    return sizes


def load_weights(net: nn.Module, state: dict[str, torch.Tensor], what: str) -> None:
    """``net.load_state_dict`` with a ZooError that names both shapes when the checkpoint does not fit."""
    own = net.state_dict()
    if set(own) != set(state):
        raise ZooError(f"the checkpoint's tensors {sorted(state)[:4]}... do not match a {what}")
    for k, v in state.items():
        if tuple(v.shape) != tuple(own[k].shape):
            raise ZooError(f"the checkpoint's {k} has shape {tuple(v.shape)} but a {what} needs {tuple(own[k].shape)}: "
                           "was it trained on another environment?")
    net.load_state_dict(state)


def detached_copy(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Weights as contiguous CPU tensors, ready for safetensors."""
    return {k: v.detach().cpu().contiguous() for k, v in state.items()}


def network_input(obs, kind: str, dim: int, device: torch.device, channels_last: bool = False,
                  bf16: bool = False) -> torch.Tensor:
    """Observations as a network's input: one-hot for discrete states ("discrete", ``dim`` states), float
    vectors ("vector"), or uint8 frame stacks scaled to [0, 1] ("atari").

    Where ``channels_last`` is asked for, a batch of uint8 stacks is laid out NHWC while still uint8, by stacking its
    frames along a new last axis, and then converted and scaled in one contiguous pass: the same values and layout
    as scaling in NCHW and copying into channels_last, with a quarter of the bytes moved by the layout change
    (the Xeon of issue 21, 2026-12-05: 0.21-0.34 ms for the stack against 0.62-0.68 ms for the fp32 layout copy,
    per batch of 32). A uint8 ``contiguous(channels_last)`` is not the same kernel: it was 8 ms per batch on an
    AVX2 CPU once. With ``bf16`` the frames become bf16 at once: the integers 0..255 are exact in bf16 and the
    division rounds once from fp32, so the frames are bit for bit what autocast would make of fp32 frames, at
    half the bytes written. The conversion and the division stay two kernels: one ``torch.div`` of the uint8 frames
    into a float tensor gives the same bits, and on an Intel Xeon (issue 21, ``benchmarks/frame_input.py``) saved
    0.1 ms per batch of 32 in fp32 but cost 0.13 ms in bf16, with no difference in the whole update beyond the
    host's noise.
    """
    x = torch.as_tensor(np.asarray(obs), device=device)
    if kind == "discrete":
        return F.one_hot(x.long(), dim).float()
    if kind == "atari":
        dtype = torch.bfloat16 if bf16 else torch.float32
        if channels_last and x.dim() == 4:
            nhwc = torch.stack(x.unbind(1), dim=-1)
            return _scaled_frames(nhwc, dtype).permute(0, 3, 1, 2)
        return _scaled_frames(x, dtype)
    return x.float()


def _scaled_frames(frames: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """``frames / 255`` as ``dtype``: uint8 frames converted, then divided in place in that new copy; float frames
    into a new tensor, never in place (they may share memory with the caller's array)."""
    if frames.dtype == torch.uint8:
        return frames.to(dtype).div_(255.0)
    return frames.to(dtype) / 255.0


def dueling_aggregate(value: torch.Tensor, advantage: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """``Q = V + A - mean_a A``: the mean-subtracted aggregation of Wang et al. (2016), eq. 9, over the actions'
    axis ``dim``."""
    return value + advantage - advantage.mean(dim=dim, keepdim=True)


def mlp(sizes: list[int]) -> nn.Sequential:
    """Linear layers with ReLU between them (none after the last)."""
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def _scaled(x: torch.Tensor) -> torch.Tensor:
    """uint8 frames divided by 255; float input is taken as already scaled (``network_input`` does it)."""
    return x.float() / 255.0 if x.dtype == torch.uint8 else x


class FrameCNN(nn.Module):
    """Convolutions then one fc layer with ReLU, over frames scaled to [0, 1] (uint8 frames are scaled here)."""

    def __init__(self, conv: list[nn.Module], conv_out: int, features: int) -> None:
        super().__init__()
        self.conv = nn.Sequential(*conv, nn.Flatten())
        self.fc = nn.Sequential(nn.Linear(conv_out, features), nn.ReLU())
        self.out_features = features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.conv(_scaled(x)))


def _side(side: int, kernel: int, stride: int) -> int:
    """A valid convolution's output side; ValueError for frames too small for the kernel."""
    if side < kernel:
        raise ValueError(f"a {kernel}×{kernel} convolution needs a map of at least {kernel} pixels a side, not "
                         f"{side}: the frames are too small for this network")
    return (side - kernel) // stride + 1


class NatureCNN(FrameCNN):
    """Mnih et al. (2015): conv 32×8×8/4, 64×4×4/2, 64×3×3/1, then fc 512 (over 7×7×64 for 84×84 frames)."""

    def __init__(self, in_channels: int = 4, screen: int = 84) -> None:
        out = _side(_side(_side(screen, 8, 4), 4, 2), 3, 1)
        super().__init__([nn.Conv2d(in_channels, 32, 8, stride=4), nn.ReLU(), nn.Conv2d(32, 64, 4, stride=2), nn.ReLU(),
                          nn.Conv2d(64, 64, 3, stride=1), nn.ReLU()], 64 * out * out, 512)


class SmallCNN(FrameCNN):
    """Mnih et al. (2013), the first DQN: conv 16×8×8/4, 32×4×4/2, then fc 256. A third of the Nature CNN's
    compute (an update of ~24 against ~50 ms on a 2-core AVX2 CPU), and it learned Pong in that paper."""

    def __init__(self, in_channels: int = 4, width: int = 1, screen: int = 84) -> None:
        out = _side(_side(screen, 8, 4), 4, 2)
        super().__init__([nn.Conv2d(in_channels, 16 * width, 8, stride=4), nn.ReLU(),
                          nn.Conv2d(16 * width, 32 * width, 4, stride=2), nn.ReLU()], 32 * width * out * out,
                         256 * width)


class WideCNN(SmallCNN):
    """The small CNN at twice its width: conv 32×8×8/4, 64×4×4/2, then fc 512 (the Nature CNN's widths without
    its third convolution). Its batch-32 update costs ~1.8× the small one's (16.3 against 8.9 ms in bf16 on an AMD
    EPYC Zen 4, benchmarks/update.py). ``widen_small_cnn`` carries a small-CNN agent into it without changing its
    play."""

    def __init__(self, in_channels: int = 4, screen: int = 84) -> None:
        super().__init__(in_channels, width=2, screen=screen)


CNNS = {"nature": NatureCNN, "small": SmallCNN, "wide": WideCNN}


def widen_small_cnn(state: dict[str, torch.Tensor], fresh: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """A small-CNN Q-network's weights carried into a wide one (``fresh``: a newly built wide network's, same
    head) so that it computes the same Q-values (Net2Net's function-preserving growth, Chen et al. 2016).

    Each layer's old units keep their weights, and their weights from the new units of the layer below are 0,
    so the old units compute what they did; the new units keep ``fresh``'s random weights from every unit below,
    so they compute new features that the layer above starts to weigh as training moves its zeros. The fc layer
    reads the flattened conv maps channel by channel (channel c at inputs c·81 … c·81 + 80), so the small net's
    32 channels are the wide one's first 32·81 inputs. Raises ZooError if ``state`` is not of a smaller net of
    this kind.
    """
    if set(state) != set(fresh):
        raise ZooError("the weights are not a small-CNN Q-network with this run's head")
    out = {}
    for name, wide in fresh.items():
        small = state[name]
        if small.shape == wide.shape:
            out[name] = small.detach().clone()
            continue
        if (small.dim() != wide.dim() or small.shape[2:] != wide.shape[2:]
                or any(a > b for a, b in zip(small.shape, wide.shape))):
            raise ZooError(f"{name}: a {tuple(small.shape)} tensor does not fit inside {tuple(wide.shape)}")
        grown = wide.detach().clone()
        rows = small.shape[0]
        if small.dim() == 1:
            grown[:rows] = small
        else:
            grown[:rows, :small.shape[1]] = small
            grown[:rows, small.shape[1]:] = 0
        out[name] = grown
    return out


class QNetwork(nn.Module):
    """A body (MLP or CNN) and a head giving one Q value per action; dueling splits the head in V and A.

    With ``quantiles`` N > 0 the head gives N quantiles of the return per action instead (QR-DQN, Dabney et al.
    2018), row ``a * N + j`` of the advantage (or plain) head being action a's j-th quantile, and the network's
    output, ``forward``, is their mean: the Q-values every caller acts on. ``quantile_values`` gives them all,
    ``[batch, n_actions, N]``; a dueling head adds V's j-th quantile to every action's.
    """

    def __init__(self, body: nn.Module, features: int, n_actions: int, dueling: bool = False,
                 quantiles: int = 0) -> None:
        super().__init__()
        self.body = body
        self.dueling = dueling
        self.n_actions, self.quantiles = n_actions, quantiles
        width = max(quantiles, 1)
        if dueling:
            self.value = nn.Linear(features, width)
            self.advantage = nn.Linear(features, n_actions * width)
        else:
            self.head = nn.Linear(features, n_actions * width)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return self.q_from_features(self.body(obs))

    def q_from_features(self, h: torch.Tensor) -> torch.Tensor:
        if self.quantiles:
            return self.quantiles_from_features(h).mean(dim=-1)
        if self.dueling:
            return dueling_aggregate(self.value(h), self.advantage(h))
        return self.head(h)

    def quantile_values(self, obs: torch.Tensor) -> torch.Tensor:
        """The return's quantiles, ``[batch, n_actions, N]`` (a network with ``quantiles`` only)."""
        return self.quantiles_from_features(self.body(obs))

    def quantiles_from_features(self, h: torch.Tensor) -> torch.Tensor:
        n = self.quantiles
        if self.dueling:
            return dueling_aggregate(self.value(h)[:, None, :], self.advantage(h).view(-1, self.n_actions, n), dim=1)
        return self.head(h).view(-1, self.n_actions, n)


def plain_head_as_quantiles(state: dict[str, torch.Tensor], n_actions: int, quantiles: int) -> dict[str, torch.Tensor]:
    """A plain Q-network's weights for a QR-DQN network of the same body with ``quantiles`` N: each output row of the
    head copied N times, so that every quantile of an action starts at its Q-value and the greedy policy is the
    source's. Weights whose head already has N quantiles per action come back unchanged."""
    out = dict(state)
    for name in ("value", "advantage", "head"):
        if f"{name}.weight" not in state:
            continue
        rows = state[f"{name}.weight"].shape[0]
        if rows == (1 if name == "value" else n_actions):
            for part in ("weight", "bias"):
                out[f"{name}.{part}"] = state[f"{name}.{part}"].repeat_interleave(quantiles, dim=0)
    return out


def twin_forward(a: QNetwork, b: QNetwork, x: torch.Tensor,
                 quantiles: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """``(a(x), b(x))`` for two networks of one architecture, bit for bit, in fewer and larger kernels.

    For a CNN body the two networks' convolutions run as one: the first over the stacked filters of both
    (one read of the frames, twice the output channels), the others grouped (groups=2), the fc layers and
    heads apart. Double DQN sends s' through the online and the target network: alone, the two forwards of
    the Pong small CNN at batch 32 take 2.2 instead of 2.6 ms; in the whole update, 7.26 instead of 7.59 ms in
    bf16 and no measurable change in fp32 (BENCHMARKS.md, issue 21). Other bodies run one by one. With
    ``quantiles`` both give their ``quantile_values`` instead of Q-values.
    """
    if not (_plain_frame_cnn(a) and _plain_frame_cnn(b) and len(a.body.conv) == len(b.body.conv)):
        return (a.quantile_values(x), b.quantile_values(x)) if quantiles else (a(x), b(x))
    h, first = _scaled(x), True
    for la, lb in zip(a.body.conv, b.body.conv):
        if isinstance(la, nn.Conv2d):
            w = torch.cat([la.weight, lb.weight])
            if la.weight.is_contiguous(memory_format=torch.channels_last) and not la.weight.is_contiguous():
                w = w.contiguous(memory_format=torch.channels_last)
            h = F.conv2d(h, w, torch.cat([la.bias, lb.bias]), la.stride, la.padding, la.dilation,
                         1 if first else 2)
            first = False
        elif isinstance(la, nn.ReLU):
            h = F.relu(h)
    ha, hb = h.chunk(2, dim=1)
    fa, fb = a.body.fc(ha.flatten(1)), b.body.fc(hb.flatten(1))
    if quantiles:
        return a.quantiles_from_features(fa), b.quantiles_from_features(fb)
    return a.q_from_features(fa), b.q_from_features(fb)


def _plain_frame_cnn(net: QNetwork) -> bool:
    """A FrameCNN body made only of ungrouped, zero-padded convolutions, ReLUs and the final Flatten."""
    if not isinstance(net.body, FrameCNN):
        return False
    return all(isinstance(m, (nn.ReLU, nn.Flatten)) or (isinstance(m, nn.Conv2d) and m.groups == 1 and
               m.padding_mode == "zeros" and m.bias is not None) for m in net.body.conv)


def build_q_network(obs_kind: str, obs_dim: int, n_actions: int, hidden: tuple[int, ...], dueling: bool,
                    cnn: str = "nature", quantiles: int = 0) -> QNetwork:
    """``obs_kind`` is "vector" (MLP over ``obs_dim`` inputs) or "atari" (a CNN of ``CNNS`` over 4 stacked
    frames of ``obs_dim``×``obs_dim`` pixels; 0 means DQN's 84)."""
    if obs_kind == "atari":
        body = CNNS[cnn](screen=obs_dim or 84)
        return QNetwork(body, body.out_features, n_actions, dueling, quantiles)
    body = nn.Sequential(mlp([obs_dim, *hidden]), nn.ReLU()) if hidden else nn.Identity()
    return QNetwork(body, hidden[-1] if hidden else obs_dim, n_actions, dueling, quantiles)
