"""A prototype, measured and dropped (issue 21, eighth session): the Pong small CNN's DQN update with its backward
written out, as CartPole's MLP has (zoo.learning.mlp_grad), fp32 + channels_last.

One forward of [s; s'] at batch 64 through the online net under no_grad (its s' rows are Double DQN's pick), the
target's forward of s', the loss's gradient worked out, the backward through the first 32 rows of the kept
activations with ATen's own backward ops (``convolution_backward``, ``threshold_backward``: what autograd calls).
Prints, after 10 updates of each from the same start, whether the weights equal autograd's, then 4 interleaved rounds
of ms per update of both. Run with ``MALLOC_MMAP_THRESHOLD_=1000000000 MALLOC_TRIM_THRESHOLD_=1000000000`` too: glibc
maps and unmaps the batch-64 tensors at every update otherwise.

    python benchmarks/cnn_by_hand.py
"""
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from zoo.agents.configs import DQNConfig
from zoo.agents.dqn import DQNAgent
from zoo.rundir.files import Spaces
from zoo.learning.frame_replay import FrameReplayBuffer
from zoo.learning.targets import double_q_target
from zoo.learning.losses import dqn_loss_and_grad
from zoo.learning.optim import clip_grad_norm
torch.set_num_threads(2)
conv_bw = torch.ops.aten.convolution_backward

def make(precision, seed=3):
    spaces = Spaces({"type": "Box", "shape": [4, 84, 84], "dtype": "uint8"}, {"type": "Discrete", "n": 6})
    agent = DQNAgent(DQNConfig(hidden="", cnn="small", dueling=True, double=True, precision=precision, learning_rate=1e-4,
                               adam_eps=1.5e-4, max_grad_norm=10.0, n_step=3), spaces, seed=seed)
    return agent

def cnn_forward_kept(net, x):
    kept = [x]
    h = x
    for m in net.body.conv:
        if isinstance(m, nn.Conv2d):
            h = F.conv2d(h, m.weight, m.bias, m.stride, m.padding, m.dilation, m.groups)
        elif isinstance(m, nn.ReLU):
            h = F.relu(h); kept.append(h)
        elif isinstance(m, nn.Flatten):
            h = h.flatten(1)
    fc = net.body.fc[0]
    hf = h
    h = F.relu(F.linear(h, fc.weight, fc.bias))
    kept += [hf, h]
    return net.q_from_features(h), kept

def by_hand_update(agent, batch):
    c = agent.config; net = agent.q
    n = len(batch.action)
    both = agent.obs_tensor(np.concatenate([batch.obs, batch.next_obs]))
    action = torch.as_tensor(batch.action); reward = torch.as_tensor(batch.reward)
    done = torch.as_tensor(batch.done); discount = torch.as_tensor(batch.discount)
    with torch.no_grad():
        q_both, kept = cnn_forward_kept(net, both)
        next_target = agent.target(both[n:])
        y = double_q_target(reward, q_both[n:], next_target, done, discount)
        loss, dq = dqn_loss_and_grad(q_both[:n], action, y, c.loss)
        for p in net.parameters():
            if p.grad is None: p.grad = torch.empty_like(p)
        h = kept[-1][:n]
        dv = dq.sum(1, keepdim=True); da = dq - dq.mean(1, keepdim=True)
        torch.mm(dv.t(), h, out=net.value.weight.grad); torch.sum(dv, 0, out=net.value.bias.grad)
        torch.mm(da.t(), h, out=net.advantage.weight.grad); torch.sum(da, 0, out=net.advantage.bias.grad)
        dh = da @ net.advantage.weight + dv @ net.value.weight
        fc = net.body.fc[0]
        dz = torch.ops.aten.threshold_backward(dh, h, 0)
        hf = kept[-2][:n]
        torch.mm(dz.t(), hf, out=fc.weight.grad); torch.sum(dz, 0, out=fc.bias.grad)
        dflat = dz @ fc.weight
        convs = [m for m in net.body.conv if isinstance(m, nn.Conv2d)]
        acts = kept[:-2]  # x, relu1, relu2
        g = dflat.view(acts[-1][:n].shape) if acts[-1].is_contiguous() else dflat.view(n, *acts[-1].shape[1:])
        for i in range(len(convs) - 1, -1, -1):
            m = convs[i]
            out_act = acts[i + 1][:n]
            g = torch.ops.aten.threshold_backward(g, out_act, 0)
            gi, gw, gb = conv_bw(g, acts[i][:n], m.weight, [m.out_channels], m.stride, m.padding, m.dilation, False, [0, 0], m.groups, [i > 0, True, True])
            m.weight.grad.copy_(gw); m.bias.grad.copy_(gb)
            g = gi
    clip_grad_norm(agent.optimizer.params, c.max_grad_norm)
    agent.optimizer.step()
    agent.updates_done += 1
    return loss.item()

if __name__ == "__main__":
    prec = sys.argv[1] if len(sys.argv) > 1 else "fp32"
    rng = np.random.default_rng(3)
    buffer = FrameReplayBuffer(2000, 1, 0.99, 3)
    for _ in range(600):
        frames = rng.integers(0, 255, size=(1, 4, 84, 84), dtype=np.uint8)
        buffer.add(frames, rng.integers(6, size=1), rng.normal(size=1), frames, rng.random(1) < 0.1, np.zeros(1, bool))
    batches = [buffer.sample(32, rng) for _ in range(8)]
    a1, a2 = make(prec), make(prec)
    for i in range(10):
        l1 = a1.update(batches[i % 8]); l2 = by_hand_update(a2, batches[i % 8])
    print("loss", l1, l2)
    for (k, p1), p2 in zip(a1.q.named_parameters(), a2.q.parameters()):
        print(k, (p1 - p2).abs().max().item(), torch.equal(p1, p2))
    def t(fn, agent, reps=40):
        out = []
        for r in range(5):
            t0 = time.perf_counter()
            for i in range(reps): fn(agent, batches[i % 8])
            out.append((time.perf_counter() - t0) / reps * 1e3)
        return round(statistics.median(out), 3)
    for r in range(4):
        print("autograd", t(DQNAgent.update, a1), "by hand", t(by_hand_update, a2))
