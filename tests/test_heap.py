"""zoo.heap: glibc's malloc thresholds fixed, so a freed block is reused without page faults; the user's own
settings and non-glibc systems are left alone. Each case runs in a fresh interpreter: malloc's state is the
process's."""

import os
import subprocess
import sys

import pytest

from zoo.heap import GLIBC

# Allocate a 20 MB block, touch every page, free it; then the same again. Prints the second block's page faults.
SECOND_BLOCK_FAULTS = """
import ctypes, resource, sys
from zoo.heap import keep_freed_memory
print(keep_freed_memory())
libc = ctypes.CDLL(None)
libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, (ctypes.c_size_t,)
libc.free.argtypes = (ctypes.c_void_p,)
size = 20 * 1024 * 1024
def block():
    p = libc.malloc(size)
    ctypes.memset(p, 1, size)
    libc.free(p)
block()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
block()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""

glibc = pytest.mark.skipif(not GLIBC, reason="malloc's thresholds are glibc's")


def run(env_extra: dict[str, str]) -> tuple[bool, int]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_") and k != "ZOO_MALLOC"}
    out = subprocess.run([sys.executable, "-c", SECOND_BLOCK_FAULTS], env={**env, **env_extra}, check=True,
                         capture_output=True, text=True).stdout.split()
    return out[0] == "True", int(out[1])


@glibc
def test_a_freed_block_is_reused_without_page_faults():
    set_, faults = run({})
    assert set_
    assert faults < 100  # 20 MB in 4 KiB pages would be 5120 faults


@glibc
def test_left_alone_malloc_faults_the_block_in_again():
    """The control: glibc's own thresholds map the first block and give it back, so the second faults afresh."""
    set_, faults = run({"ZOO_MALLOC": "off"})
    assert not set_
    assert faults > 1000


@glibc
def test_the_users_own_malloc_settings_win():
    set_, _ = run({"MALLOC_TRIM_THRESHOLD_": "131072"})
    assert not set_
