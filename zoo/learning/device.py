"""Where the deep agents compute: the torch device, and what this CPU does fast."""

from __future__ import annotations

import contextlib
from typing import Iterator

from zoo.errors import ZooError


def check_device(device: str) -> None:
    """Raise ZooError unless ``device`` is ``cpu``, or ``cuda``/``cuda:N`` with a GPU torch can see."""
    if device != "cpu" and device != "cuda" and not device.startswith("cuda:"):
        raise ZooError(f"--device {device!r}: choose cpu or cuda")
    if device.startswith("cuda"):
        import torch

        if not torch.cuda.is_available():
            raise ZooError("--device cuda was asked for, but torch sees no CUDA GPU here; use --device cpu")


def native_bf16() -> bool:
    """Whether this CPU computes bf16 in hardware (AVX512-BF16 or AMX); elsewhere torch emulates it, slowly.

    ``ONEDNN_MAX_CPU_ISA`` (or its old name ``DNNL_MAX_CPU_ISA``) below AVX512_CORE_BF16, e.g. ``AVX2``, keeps
    oneDNN, which runs torch's bf16 convolutions and matmuls, off the bf16 instructions: then bf16 is emulated
    too (a 1024² bf16 matmul at 0.1 GFLOP/s under ``ONEDNN_MAX_CPU_ISA=AVX2`` on an AMD EPYC with AVX512-BF16,
    BENCHMARKS.md), and this says no."""
    import os

    import torch

    cap = (os.environ.get("ONEDNN_MAX_CPU_ISA") or os.environ.get("DNNL_MAX_CPU_ISA") or "").upper()
    if cap and cap not in ("ALL", "DEFAULT") and not any(isa in cap for isa in ("BF16", "AMX", "FP16", "AVX10")):
        return False
    try:
        return bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())
    except AttributeError:  # older torch without these probes: assume not
        return False


def cpu_description() -> str:
    """The CPU's model name and torch's SIMD level, e.g. ``AMD EPYC (AVX2)``: every timing names it."""
    import platform

    import torch

    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{model} ({torch.backends.cpu.get_cpu_capability()})"


# A small MLP's update (CartPole DQN: batch 256, 128x128) is ~40 small ops. Split over 2 OpenMP threads each
# op pays a wake-up (sleeping threads, zoo's default, see zoo/__init__.py) or a fight for the core (spinning
# ones): 6.4 and 4.6 ms per update, against 3.3 ms on one thread (benchmarks/mlp_update.py, AMD EPYC, AVX2).
SMALL_NETWORK_THREADS = 1


@contextlib.contextmanager
def torch_threads(count: int | None) -> Iterator[None]:
    """Run the body with ``count`` torch threads (None: as they are), then restore the earlier count."""
    if count is None:
        yield
        return
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)
