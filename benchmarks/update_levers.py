"""Issue 21's levers on the Pong small-CNN update (and the CartPole MLP's), each against the agent as it is,
interleaved in one run so the CPU's drift between runs (±10-15% here) cancels; each round starts one case later
than the one before, so no case always runs first.

- threads: 1 torch thread against 2 (the update alone; the env then has no core of its own);
- torch.compile of both networks (inductor's CPU backend; default and max-autotune-no-cudagraphs modes);
- channels_last for the weights only, the frames left NCHW (oneDNN reorders them inside the conv);
- the clip: torch.nn.utils.clip_grad_norm_ against zoo.learning.optim.clip_grad_norm (which skips the
  ×1.0 rescale within the bound);
- Adam's step over the small CNN's parameters: torch.optim.Adam fused (what the agents use), foreach, and
  the raw fused kernel the agents called before issue 21 (``torch._fused_adam_``, private; measured here
  only, for the before/after);
- the third session's levers, each against the path it replaced: s' through the online and target nets
  in one pass (``twin_forward``) or in two; bf16 frames made from uint8 at once or through fp32; NCHW
  for an fp32 CPU (the agent's layout before); all parameters in one flat tensor (one norm for the clip,
  Adam over one tensor; dropped, see BENCHMARKS.md);
- the fourth session's: the first convolution as space-to-depth (8×8/4 over 4 channels = 2×2/1 over 64);
- the sixth session's: the CartPole MLP update (batch 256, one thread, as the agent runs it) in bf16 autocast and
  with torch.compile of both nets; the Pong frames made channels_last in the same pass that converts them from
  uint8 (one strided copy instead of a conversion and a layout copy);
- the eighth session's: the CartPole MLP update with its backward written out (``zoo.learning.mlp_grad``) against
  autograd's update;
- the eleventh session's: the Pong frames laid out channels_last while still uint8, by stacking the four frames
  along a last axis (a quarter of the bytes moved by the layout copy, and a plain contiguous conversion after);
- the fourteenth session's: the frames converted from uint8 and divided by 255 in one kernel (dropped);
- the fifteenth session's: the online forward of s and the twin pass of s' in one bf16 autocast region (dropped);
- the seventeenth session's: the first convolution over frames cut into 4×4 blocks (space-to-depth again, the
  blocks now cut while the frames are uint8, in place of their channels_last stack), both CNNs, fp32 and bf16
  (dropped);
- the twenty-ninth session's, on the CartPole update by hand: Adam over the parameters laid out in one tensor through
  torch's functional fused Adam (``zoo.learning.optim.FlatAdam``, kept) against torch.optim.Adam over the six tensors
  (the agent before) and over one flat tensor (the third and eighth sessions' lever); and each weight gradient
  formed as inputsᵀ·dz then transposed into place, instead of autograd's dzᵀ·inputs (dropped: slower in the whole
  update, and not autograd's bits).

    python benchmarks/update_levers.py [--rounds 3] [--repeats 40] [--only SUBSTRING]

Prints medians over rounds of ms per update (or per step), with the CPU named.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

import zoo.agents.dqn as dqn_module
import zoo.learning.mlp_grad as mlp_grad_module
from frame_input import one_kernel, strided
from update import cartpole_agent, ms_per_update, pong_agent
from zoo.learning.device import cpu_description
from zoo.learning.networks import network_input, twin_forward
from zoo.learning.optim import Adam, FlatAdam, clip_grad_norm


def two_forwards(a, b, x):
    return a(x), b(x)


AUTOGRADS_WEIGHT_GRADS = mlp_grad_module._linear_grads


def s_prime_pass(twin: bool, linear_grads=AUTOGRADS_WEIGHT_GRADS):
    """A patch applied before a case is timed: the agent's s' pass as ``twin_forward`` (the agent as it is)
    or as two forwards (before); the backward by hand's weight gradients as ``linear_grads``."""
    def apply() -> None:
        dqn_module.twin_forward = twin_forward if twin else two_forwards
        mlp_grad_module._linear_grads = linear_grads
    return apply


AS_IS = s_prime_pass(True)


class FlatTorchAdam:
    """All parameters as views of one flat tensor, their gradients of another: Adam and the clip's norm each
    run over one tensor (``params`` is that one tensor, so zoo's clip_grad_norm takes one norm), but autograd
    then adds into the gradients in place instead of handing its own over."""

    def __init__(self, params, lr: float, eps: float) -> None:
        self.flat = torch.nn.Parameter(torch.empty(sum(p.numel() for p in params)))
        self.flat.grad = torch.zeros_like(self.flat)
        offset = 0
        for p in params:
            view = self.flat.data.as_strided(p.shape, p.stride(), offset)
            view.copy_(p.data)
            p.data = view
            p.grad = self.flat.grad.as_strided(p.shape, p.stride(), offset)
            offset += p.numel()
        self.params = [self.flat]
        self.optimizer = torch.optim.Adam(self.params, lr=lr, eps=eps, fused=True)

    def zero_grad(self) -> None:
        self.flat.grad.zero_()

    def step(self) -> None:
        self.optimizer.step()

    # the agent's sequence: zero_grad, backward, clip over self.params, step
    minimize, apply_gradients = Adam.minimize, Adam.apply_gradients


def session3_cases():
    """(name, make, patch): ``patch`` sets the module-level piece the case swaps before it is timed."""
    def agent(precision, cl=True, fp32_frames=False, flat=False):
        def make():
            torch.set_num_threads(2)
            a, batches = pong_agent("small", precision, cl)
            if fp32_frames:
                a.obs_tensor = lambda obs: network_input(obs, a.obs_kind, a.obs_dim, a.device, a.channels_last)
            if flat:
                a.optimizer = FlatTorchAdam(list(a.q.parameters()), a.config.learning_rate, a.config.adam_eps)
            return a, batches
        return make

    two, twin = s_prime_pass(False), AS_IS
    return [("fp32 NCHW, two s' forwards (the agent's fp32 CPU path before)", agent("fp32", cl=False), two),
            ("fp32 NCHW, twin s' pass", agent("fp32", cl=False), twin),
            ("fp32 + channels_last, two s' forwards", agent("fp32"), two),
            ("fp32 + channels_last, twin s' pass (the agent now)", agent("fp32"), twin),
            ("fp32 + channels_last, twin, flat parameters", agent("fp32", flat=True), twin),
            ("bf16 + channels_last, fp32 frames, two s' forwards (the agent before)", agent("bf16", fp32_frames=True),
             two),
            ("bf16 + channels_last, bf16 frames, two s' forwards", agent("bf16"), two),
            ("bf16 + channels_last, bf16 frames, twin s' pass (the agent now)", agent("bf16"), twin)]


def blocked_weight(weight: torch.Tensor, r: int = 4) -> torch.Tensor:
    """A k×k filter bank of stride r as the (k/r)×(k/r) stride-1 one over r×r pixel blocks folded into channels
    (channel ``c·r² + r·dy + dx``, the order of ``SpaceToDepthConv``'s and ``blocked_frames``' blocks)."""
    o, c, k, _ = weight.shape
    return weight.reshape(o, c, k // r, r, k // r, r).permute(0, 1, 3, 5, 2, 4).reshape(o, c * r * r, k // r, k // r)


class SpaceToDepthConv(torch.nn.Module):
    """A k×k convolution of stride r (r divides k and the frame) as a (k/r)×(k/r) convolution of stride 1 over
    r×r pixel blocks folded into channels: the same sums in another order. It holds the original weight and
    bias, so Adam and the state dict see the same parameters."""

    def __init__(self, conv: torch.nn.Conv2d) -> None:
        super().__init__()
        self.weight, self.bias, self.r = conv.weight, conv.bias, conv.stride[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        r, (n, c, h, w) = self.r, x.shape
        blocks = x.reshape(n, c, h // r, r, w // r, r).permute(0, 1, 3, 5, 2, 4).reshape(n, c * r * r, h // r, w // r)
        weight = blocked_weight(self.weight, r)
        fmt = torch.channels_last if x.is_contiguous(memory_format=torch.channels_last) else torch.contiguous_format
        return torch.nn.functional.conv2d(blocks.contiguous(memory_format=fmt), weight.contiguous(memory_format=fmt),
                                          self.bias)


def session4_cases():
    """The fourth session's lever (2026-12-04): the first convolution (8×8, stride 4, over 4 channels) as a 2×2
    convolution of stride 1 over 64 channels (space-to-depth), against the agent's, s' in two forwards on both
    sides (twin_forward takes plain convolutions only)."""
    def agent(precision, s2d):
        def make():
            torch.set_num_threads(2)
            a, batches = pong_agent("small", precision, True)
            if s2d:
                for net in (a.q, a.target):
                    net.body.conv[0] = SpaceToDepthConv(net.body.conv[0])
            return a, batches
        return make

    two = s_prime_pass(False)
    return [(f"{p} + channels_last, two s' forwards, {'space-to-depth first conv' if s2d else 'first conv as is'}",
             agent(p, s2d), two) for p in ("fp32", "bf16") for s2d in (False, True)]


def strided_frames(agent):
    """The frames written into a channels_last tensor straight from uint8 NCHW (one strided copy), then scaled in
    place: the same values as ``network_input`` (a contiguous conversion, then the layout copy)."""
    def obs_tensor(obs):
        x = torch.as_tensor(np.asarray(obs))
        if x.dim() != 4:
            return network_input(obs, agent.obs_kind, agent.obs_dim, agent.device, agent.channels_last, agent.bf16)
        out = torch.empty(x.shape, dtype=torch.bfloat16 if agent.bf16 else torch.float32,
                          memory_format=torch.channels_last)
        return out.copy_(x).div_(255.0)
    return obs_tensor


def session6_cases():
    """The sixth session's levers (2026-12-04): the CartPole MLP update in bf16 and compiled, on the one thread
    the agent gives small networks; the Pong frames converted straight into channels_last."""
    def cartpole(precision="fp32", compiled=False):
        def make():
            torch.set_num_threads(1)
            # compiled modules only run on autograd's path: the backward by hand calls no module
            a, batches = cartpole_agent(precision, backward="autograd" if compiled else "auto")
            if compiled:
                a.q, a.target = torch.compile(a.q), torch.compile(a.target)
                for b in batches[:3]:  # compile outside the timing
                    a.update(b)
            return a, batches
        return make

    def pong(strided):
        def make():
            torch.set_num_threads(2)
            a, batches = pong_agent("small", "bf16", True)
            if strided:
                a.obs_tensor = strided_frames(a)
            return a, batches
        return make

    return [("CartPole MLP, batch 256, 1 thread, fp32 (the agent as it is)", cartpole(), AS_IS),
            ("CartPole MLP, batch 256, 1 thread, bf16 autocast", cartpole("bf16"), AS_IS),
            ("CartPole MLP, batch 256, 1 thread, torch.compile of both nets", cartpole(compiled=True), AS_IS),
            ("bf16 + channels_last, the agent's frames (in s6 converted then copied to channels_last)", pong(False),
             AS_IS),
            ("bf16 + channels_last, frames converted in one strided copy", pong(True), AS_IS)]


def session8_cases():
    """The eighth session's lever (2026-12-04), on the CartPole MLP update at batch 256 on the agent's one thread:
    autograd (the update before) against the backward written out (the agent's update now). The parameters as one
    flat tensor for Adam, measured at commit ad91a36 (0.94 against 0.96 ms), were dropped."""
    def cartpole(backward):
        def make():
            torch.set_num_threads(1)
            return cartpole_agent(backward=backward)
        return make

    return [("CartPole MLP, batch 256, 1 thread, autograd (the agent before this session)", cartpole("autograd"),
             AS_IS),
            ("CartPole MLP, batch 256, 1 thread, backward by hand (the agent now)", cartpole("auto"), AS_IS)]


def copied_frames(agent):
    """The frames as ``network_input`` made them before the eleventh session: converted and scaled in NCHW, then
    copied into channels_last."""
    def obs_tensor(obs):
        x = torch.as_tensor(np.asarray(obs))
        if x.dim() != 4:
            return network_input(obs, agent.obs_kind, agent.obs_dim, agent.device, agent.channels_last, agent.bf16)
        x = x.to(torch.bfloat16 if agent.bf16 else torch.float32).div_(255.0)
        return x.contiguous(memory_format=torch.channels_last)
    return obs_tensor


def pong_with_frames(precision: str, frames=None):
    """A maker of the channels_last Pong agent (2 threads) whose ``obs_tensor`` is ``frames(agent)`` when given."""
    def make():
        torch.set_num_threads(2)
        agent, batches = pong_agent("small", precision, True)
        if frames is not None:
            agent.obs_tensor = frames(agent)
        return agent, batches
    return make


def session11_cases():
    """The eleventh session's lever (2026-12-05): the frames laid out channels_last while uint8, by stacking the
    four frames along a last axis (``network_input`` now), against the conversion then the layout copy (before)."""
    return [(f"{p} + channels_last, frames {how}", pong_with_frames(p, frames), AS_IS)
            for p in ("fp32", "bf16")
            for how, frames in (("converted then copied to channels_last (before, s11)", copied_frames),
                                ("stacked channels_last as uint8, then converted (the agent now, s11)", None))]


def frames_made_by(make_input):
    """``obs_tensor`` for an agent whose batches of frame stacks become input through ``make_input(frames, dtype)``
    (one of ``benchmarks/frame_input.py``'s ways); anything else goes through ``network_input``."""
    def wrap(agent):
        def obs_tensor(obs):
            obs = np.asarray(obs)
            if obs.ndim != 4:
                return network_input(obs, agent.obs_kind, agent.obs_dim, agent.device, agent.channels_last, agent.bf16)
            return make_input(obs, torch.bfloat16 if agent.bf16 else torch.float32)
        return obs_tensor
    return wrap


def session14_cases():
    """The fourteenth session's lever (2026-12-05, dropped): the frames converted from uint8 and divided by 255 in
    one kernel (``torch.div`` into a float tensor), or interleaved, converted and divided in one strided kernel,
    against a conversion and then an in-place division (the agent, ``network_input``)."""
    return [(f"{p} + channels_last, frames {how}", pong_with_frames(p, frames), AS_IS)
            for p in ("fp32", "bf16")
            for how, frames in (("stacked, converted, then divided in place (the agent, s14)", None),
                                ("stacked, then converted and divided in one kernel (s14)", frames_made_by(one_kernel)),
                                ("interleaved, converted and divided in one strided kernel (s14)",
                                 frames_made_by(strided)))]


def one_autocast_region(agent):
    """The agent's Double DQN update (uniform replay, no advantage learning) with the online forward of s and the
    twin pass of s' in one autocast region, so that autocast casts the online net's fc and head weights to bf16 once
    per update instead of once per region; the same loss bit for bit (checked in ``session15_cases``)."""
    from zoo.learning.losses import dqn_loss
    from zoo.learning.targets import double_q_target

    def update(batch) -> float:
        c = agent.config
        obs, next_obs = agent.obs_tensor(batch.obs), agent.obs_tensor(batch.next_obs)
        action, reward = torch.as_tensor(batch.action), torch.as_tensor(batch.reward)
        done, discount = torch.as_tensor(batch.done), torch.as_tensor(batch.discount)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=agent.bf16):
            q_obs = agent.q(obs).float()
            with torch.no_grad():
                next_online, next_target = twin_forward(agent.q, agent.target, next_obs)
        y = double_q_target(reward, next_online.float(), next_target.float(), done, discount)
        loss = dqn_loss(q_obs, action, y, c.loss, None)
        agent.optimizer.minimize(loss, c.max_grad_norm)
        agent.updates_done += 1
        return loss.item()
    return update


def session15_cases():
    """The fifteenth session's lever (2026-12-05, dropped): s and s' in one autocast region (bf16 only: in fp32
    there is nothing to cast), against the agent's two regions."""
    def make(one_region: bool):
        def build():
            torch.set_num_threads(2)
            agent, batches = pong_agent("small", "bf16", True)
            if one_region:
                twin, _ = pong_agent("small", "bf16", True)
                twin.update = one_autocast_region(twin)
                for b in batches[:3]:  # the same weights and losses, step by step
                    assert agent.update(b) == twin.update(b)
                agent = twin
            return agent, batches
        return build
    return [("bf16 + channels_last, s and s' in two autocast regions (the agent, s15)", make(False), AS_IS),
            ("bf16 + channels_last, s and s' in one autocast region (s15)", make(True), AS_IS)]


def blocked_frames(frames: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """Frame stacks ``[n, 4, 84, 84]`` (uint8) as ``[n, 64, 21, 21]`` channels_last, scaled: channel ``16c + 4dy + dx``
    of block (i, j) is pixel (4i + dy, 4j + dx) of frame c. The blocks are cut as 32-bit words (a block's 4-pixel
    rows): torch's copy of the same permutation byte by byte took 1.7 instead of 0.36 ms per batch here."""
    n, c, h, w = frames.shape
    words = frames.contiguous().view(torch.int32).view(n, c, h // 4, 4, w // 4)
    cut = words.permute(0, 2, 4, 1, 3).contiguous().view(torch.uint8)
    return cut.to(dtype).div_(255.0).view(n, h // 4, w // 4, c * 16).permute(0, 3, 1, 2)


def blocked_twin(a, b, x):
    """``twin_forward`` over ``blocked_frames``: the first convolution over both nets' stacked filters, blocked."""
    from torch.nn import functional as F

    w = blocked_weight(torch.cat([a.body.conv[0].weight, b.body.conv[0].weight]))
    bias = torch.cat([a.body.conv[0].bias, b.body.conv[0].bias])
    h = F.conv2d(x, w.contiguous(memory_format=torch.channels_last), bias)
    for la, lb in zip(list(a.body.conv)[1:], list(b.body.conv)[1:]):
        if isinstance(la, torch.nn.Conv2d):
            w = torch.cat([la.weight, lb.weight]).contiguous(memory_format=torch.channels_last)
            h = F.conv2d(h, w, torch.cat([la.bias, lb.bias]), la.stride, la.padding, la.dilation, 2)
        elif isinstance(la, torch.nn.ReLU):
            h = F.relu(h)
    ha, hb = h.chunk(2, dim=1)
    return a.q_from_features(a.body.fc(ha.flatten(1))), b.q_from_features(b.body.fc(hb.flatten(1)))


def blocked_agent(agent):
    """The agent's frames as ``blocked_frames`` and its forwards' first convolution blocked (the s' pass takes
    ``blocked_twin`` through the patch)."""
    from torch.nn import functional as F

    def forward(net, x):
        conv = net.body.conv
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=agent.bf16):
            w = blocked_weight(conv[0].weight).contiguous(memory_format=torch.channels_last)
            h = conv[1:](F.conv2d(x, w, conv[0].bias))
            return net.q_from_features(net.body.fc(h)).float()

    dtype = torch.bfloat16 if agent.bf16 else torch.float32
    agent.obs_tensor = lambda obs: blocked_frames(torch.as_tensor(np.asarray(obs)), dtype)
    agent._forward = forward
    return agent


def use_blocked_twin() -> None:
    dqn_module.twin_forward = blocked_twin


def session17_cases():
    """The seventeenth session's lever (dropped): the first convolution, 8×8 with stride 4 over 4 channels, as a
    2×2 stride-1 one over the frames cut into 4×4 blocks (64 channels: space-to-depth, session4_cases' lever with
    the blocks now cut while the frames are uint8, in place of their channels_last stack), against the agent, in
    fp32 and bf16, both CNNs. On an Intel Xeon with AMX the bf16 convolution alone ran twice as fast blocked."""
    def make(cnn: str, precision: str, blocked: bool):
        def build():
            torch.set_num_threads(2)
            agent, batches = pong_agent(cnn, precision, True)
            if blocked:
                plain, _ = pong_agent(cnn, precision, True)
                AS_IS()
                plain_losses = [plain.update(b) for b in batches[:3]]
                use_blocked_twin()
                losses = [blocked_agent(agent).update(b) for b in batches[:3]]
                # the same losses to fp32 summation order; bf16 to its rounding
                rtol = 1e-5 if precision == "fp32" else 1e-3
                assert np.allclose(losses, plain_losses, rtol=rtol), (losses, plain_losses)
            return agent, batches
        return build
    return [(f"{cnn} CNN, {p} + channels_last, first conv {'blocked (s17)' if b else 'plain (the agent, s17)'}",
             make(cnn, p, b), use_blocked_twin if b else AS_IS)
            for cnn in ("small", "nature") for p in ("fp32", "bf16") for b in (False, True)]


def transposed_weight_grads(layer, dz, inputs) -> None:
    """``mlp_grad._linear_grads`` with W's gradient as inputsᵀ·dz, then transposed into place (the twenty-ninth
    session's lever, dropped: alone, CartPole's 4-input layer's product took 17 µs against 50 on one AVX2 core, but
    the whole update was slower, 1.32 against 1.28 ms, and its weights are no longer autograd's bit for bit)."""
    for p in (layer.weight, layer.bias):
        if p.grad is None:
            p.grad = torch.empty_like(p)
    layer.weight.grad.copy_(torch.mm(inputs.t(), dz).t())
    torch.sum(dz, dim=0, out=layer.bias.grad)


def session29_cases():
    """The twenty-ninth session's levers (2026-12-07) on the CartPole update by hand, one thread: the optimiser
    (torch.optim.Adam over six tensors, the agent before; torch.optim.Adam over one flat tensor, s3/s8; FlatAdam,
    the agent now) and the weight gradients' product order."""
    def cartpole(optimizer: str):
        def make():
            torch.set_num_threads(1)
            agent, batches = cartpole_agent()
            c = agent.config
            if optimizer == "torch":
                agent.optimizer = Adam(agent.q.parameters(), lr=c.learning_rate, eps=c.adam_eps)
            elif optimizer == "flat torch":
                agent.optimizer = FlatTorchAdam(list(agent.q.parameters()), c.learning_rate, c.adam_eps)
            return agent, batches
        return make

    name = "CartPole MLP, batch 256, 1 thread, backward by hand"
    return [(f"{name}, torch.optim.Adam over 6 tensors (the agent before s29)", cartpole("torch"), AS_IS),
            (f"{name}, torch.optim.Adam over 1 flat tensor (s3, s8)", cartpole("flat torch"), AS_IS),
            (f"{name}, FlatAdam (the agent now, s29)", cartpole("flat"), AS_IS),
            (f"{name}, FlatAdam, weight gradients as inputsᵀ·dz (s29)", cartpole("flat"),
             s_prime_pass(True, transposed_weight_grads))]


def timed(fn, repeats: int) -> float:
    for _ in range(5):
        fn()
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    return (time.perf_counter() - start) / repeats * 1e3


def update_cases(compile_modes: list[str]):
    def threads(n, precision, cl):
        def make():
            torch.set_num_threads(n)
            return pong_agent("small", precision, cl)
        return make

    def weights_only_cl(precision):
        def make():
            torch.set_num_threads(2)
            agent, batches = pong_agent("small", precision, True)
            agent.channels_last = False  # frames stay NCHW
            return agent, batches
        return make

    def compiled(precision, cl, mode):
        def make():
            torch.set_num_threads(2)
            agent, batches = pong_agent("small", precision, cl)
            agent.q = torch.compile(agent.q, mode=None if mode == "default" else mode)
            agent.target = torch.compile(agent.target, mode=None if mode == "default" else mode)
            for b in batches[:3]:  # compile outside the timing
                agent.update(b)
            return agent, batches
        return make

    cases = [("fp32 + channels_last, 2 threads", threads(2, "fp32", True)),
             ("fp32 + channels_last, 1 thread", threads(1, "fp32", True)),
             ("fp32 NCHW, 2 threads", threads(2, "fp32", False)),
             ("fp32, channels_last weights, NCHW frames", weights_only_cl("fp32")),
             ("bf16 + channels_last, 2 threads", threads(2, "bf16", True)),
             ("bf16 + channels_last, 1 thread", threads(1, "bf16", True)),
             ("bf16, channels_last weights, NCHW frames", weights_only_cl("bf16"))]
    for mode in compile_modes:
        cases.append((f"fp32 + channels_last, torch.compile {mode}", compiled("fp32", True, mode)))
    cases.append(("fp32 NCHW, torch.compile default", compiled("fp32", False, "default")))
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=40)
    parser.add_argument("--only", default="", help="time only the update variants whose name has this text")
    args = parser.parse_args()
    print(f"CPU: {cpu_description()}; torch {torch.__version__}, capability {torch.backends.cpu.get_cpu_capability()}\n")
    cases = ([(n, m, AS_IS) for n, m in update_cases(["default", "max-autotune-no-cudagraphs"])] + session3_cases()
             + session4_cases() + session6_cases() + session8_cases() + session11_cases()
             + session14_cases() + session15_cases() + session17_cases() + session29_cases())
    cases = [c for c in cases if args.only in c[0]]
    built = []
    for name, make, patch in cases:
        patch()
        built.append((name, *make(), patch))
    results: dict[str, list[float]] = {name: [] for name, *_ in built}
    for r in range(args.rounds):
        # each round starts one case later: on a host whose speed drifts within minutes, a fixed order gives the
        # first case its own share of the drift (two fixed-order runs of benchmarks/frame_input.py disagreed in sign)
        for name, agent, batches, patch in built[r % len(built):] + built[:r % len(built)]:
            patch()
            torch.set_num_threads(1 if "1 thread" in name else 2)
            results[name].append(ms_per_update(agent, batches, args.repeats))
    AS_IS()
    print("| update (Pong small CNN, batch 32, unless it says CartPole) | ms (median of rounds) | rounds |")
    print("|---|---:|---|")
    for name, times in results.items():
        print(f"| {name} | {np.median(times):.2f} | {' / '.join(f'{t:.2f}' for t in times)} |")

    torch.set_num_threads(2)
    agent, batches = pong_agent("small", "fp32", True)
    cart, cart_batches = cartpole_agent()
    rows = []
    # the optimisers over networks of their own: FlatAdam lays the agent's parameters out and refuses rebound grads
    for label, net in (("Pong small CNN", agent.q), ("CartPole MLP", cartpole_agent(backward="autograd")[0].q)):
        params = list(net.parameters())
        for p in params:
            p.grad = torch.randn_like(p) * 1e-3  # within the bound of 10, as late in training
        rows.append((f"{label}: clip, torch.nn.utils.clip_grad_norm_",
                     timed(lambda: torch.nn.utils.clip_grad_norm_(params, 10.0), 300)))
        rows.append((f"{label}: clip, zoo clip_grad_norm", timed(lambda: clip_grad_norm(params, 10.0), 300)))
        for kind in ("fused", "foreach"):
            opt = torch.optim.Adam(params, lr=1e-4, **{kind: True})
            rows.append((f"{label}: torch.optim.Adam({kind}=True).step", timed(opt.step, 300)))
        state = [{"step": torch.zeros(()), "m": torch.zeros_like(p), "v": torch.zeros_like(p)} for p in params]

        def private_kernel():
            steps = [s["step"] for s in state]
            torch._foreach_add_(steps, 1)
            torch._fused_adam_(params, [p.grad for p in params], [s["m"] for s in state], [s["v"] for s in state], [],
                               steps, amsgrad=False, lr=1e-4, beta1=0.9, beta2=0.999, weight_decay=0.0, eps=1.5e-4,
                               maximize=False)
        rows.append((f"{label}: torch._fused_adam_ called directly (before issue 21)", timed(private_kernel, 300)))
        flat = FlatAdam(params, lr=1e-4, eps=1.5e-4)
        rows.append((f"{label}: zoo FlatAdam.apply_gradients (clip within the bound + step)",
                     timed(lambda: flat.apply_gradients(10.0), 300)))
    print("\n| step | ms |\n|---|---:|")
    for name, ms in rows:
        print(f"| {name} | {ms:.3f} |")
    torch.set_num_threads(1)
    print(f"\nCartPole MLP update, 1 thread (the agent's count for small networks): "
          f"{ms_per_update(cart, cart_batches, 200):.3f} ms")


if __name__ == "__main__":
    main()
