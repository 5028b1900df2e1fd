"""Freed memory kept in the process for the next allocation: glibc's malloc thresholds fixed for every `zoo` command.

glibc hands an allocation above its *mmap threshold* (128 KiB at start) a fresh mapping and unmaps it when it is
freed, and it gives the free top of a heap back to the kernel above its *trim threshold*. Every page the kernel
hands out again is a page fault and a page zeroed. glibc moves both thresholds by itself as blocks are freed, so
whether the few-MB temporaries of a torch update reuse heap memory or take fresh pages each time depends on the
process's history. One history was measured slow (issue 20, BENCHMARKS.md, 2026-12-07, AMD EPYC Zen 4, 2 cores):
a Pong run resumed from its checkpoint (its 50k-transition replay loaded first) took **100k minor page faults a
second** and made 122 agent steps/s over its first 25k steps, against 162-170 before it was stopped; the faults
fell to 10.5k a second over the next 80k steps as it recovered. With the thresholds fixed as below from the
start, the same resume made **no page faults** and 166 agent steps/s over the same steps.

``keep_freed_memory()`` fixes the mmap threshold at 32 MiB (glibc's largest on 64 bits: blocks above it, such as
the replay's arrays, are still mapped on their own) and the trim threshold at 256 MiB, through ``mallopt``. It
does nothing where the C library is not glibc (musl, macOS, Windows), where the user set ``MALLOC_MMAP_THRESHOLD_``
or ``MALLOC_TRIM_THRESHOLD_`` (their choice rules), or with ``ZOO_MALLOC=off``. The cost is memory the process
keeps after freeing it: at most the trim threshold per malloc arena, next to a replay of hundreds of MB.
"""

from __future__ import annotations

import ctypes
import os
import platform

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 1024 * 1024
TRIM_THRESHOLD = 256 * 1024 * 1024
USER_SETTINGS = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")
GLIBC = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"
"""whether the C library is glibc, whose thresholds these are"""


def keep_freed_memory() -> bool:
    """Fix glibc's mmap and trim thresholds (see the module); True if both were set."""
    if os.environ.get("ZOO_MALLOC", "").lower() == "off" or any(name in os.environ for name in USER_SETTINGS):
        return False
    if not GLIBC:
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    mapped = mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)  # both are set, whatever the first one answers
    trimmed = mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    return bool(mapped and trimmed)
