"""Named seed streams: which seeds train a run, which choose its kept weights, which measure its score.

A published score must come from episodes whose seeds never trained the agent nor chose its weights
(otherwise picking the best of several evaluations and reporting that same evaluation flatters it).
Each stream owns its own band of the 31-bit seed range, so the streams are disjoint by construction:

- ``train``: the run's own seed (0 ≤ seed < ``MAX_SEED``) seeds its envs, the agent, numpy and torch;
- ``select``: periodic greedy evaluations during training, which choose the kept ``model.safetensors``;
- ``final``: the held-out evaluation written to ``results.json`` (and the default of ``zoo eval``);
- ``video``: the episode filmed into ``replay.mp4``;
- ``play``: fresh seeds for ``zoo play`` when none is given;
- ``bench``: measurements made afterwards (a learning curve over weight snapshots), which choose nothing.

A vector env seeds its copies ``seed, seed + 1, ...``; every band leaves ``SPAN`` seeds of room above
a stream's seed, so the copies stay inside the band too.
"""

from __future__ import annotations

import numpy as np

BAND = 2**27
"""Seeds per stream: stream k owns ``[k * BAND, (k + 1) * BAND)``."""
SPAN = 2**16
"""Room above a stream's seed for the copies of a vector env and consecutive episodes."""
MAX_SEED = BAND - SPAN
"""Run seeds live in the ``train`` band, below this."""

STREAMS = {"train": 0, "select": 1, "final": 2, "video": 3, "play": 4, "bench": 5}


def stream_seed(stream: str, run_seed: int, index: int = 0) -> int:
    """The ``index``-th seed of ``stream`` for a run seeded ``run_seed``: the run seed itself for
    ``train``, else a number derived from both inside the stream's own band (periodic evaluations use
    ``index`` = 0, 1, 2, ... so that each plays new games)."""
    band = STREAMS[stream]
    if band == 0:
        return int(run_seed)
    entropy = [int(run_seed), band, int(index)]
    offset = int(np.random.SeedSequence(entropy).generate_state(1, np.uint64)[0] % MAX_SEED)
    return band * BAND + offset


def fresh_seed(stream: str = "play") -> int:
    """A new seed from the operating system's entropy, inside ``stream``'s band (print it to repeat a run)."""
    return STREAMS[stream] * BAND + int(np.random.SeedSequence().generate_state(1, np.uint64)[0] % MAX_SEED)


def stream_of(seed: int) -> str:
    """The stream whose band holds ``seed``."""
    band = int(seed) // BAND
    for name, k in STREAMS.items():
        if k == band:
            return name
    return "other"


def check_run_seed(seed: int) -> None:
    """Raise ValueError unless ``seed`` is a valid run seed (it must stay out of the other streams' bands)."""
    if not 0 <= int(seed) < MAX_SEED:
        raise ValueError(f"--seed must be between 0 and {MAX_SEED - 1:,} (got {seed})")
