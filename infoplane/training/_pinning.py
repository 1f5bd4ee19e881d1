"""A process of a distributed run bound to cores of its own.

XLA sizes its CPU thread pools by the cores a process may use when its CPU backend starts.
Several processes on one host, unbound, each start pools as large as the whole host and
compete for its cores: on 2 cores, 2 processes x 1 device spent 18% more CPU seconds than
1 process x 2 devices on the same work; bound to one core each before JAX's backend started,
each process started one XLA compute thread instead of two (``benchmarks/bench_distributed.py``
has the numbers). Binding after the backend started does not help: the pools keep their size.
So ``pin`` must run before ``jax.distributed.initialize`` (``distributed.initialize(...,
cores=...)`` does that), or the process is started bound (``taskset -c 0 infoplane ...``).
It is the user's choice, never the default: a process alone on its host, or given its cores
by a scheduler (SLURM's ``--cpus-per-task``), is already right.
"""

from __future__ import annotations

import os

from .._errors import InfoplaneError


def parse_cores(text: str) -> list[int]:
    """Cores written as on the command line, e.g. "0-3,8" -> [0, 1, 2, 3, 8]."""
    cores: list[int] = []
    try:
        for part in str(text).split(","):
            first, _, last = part.strip().partition("-")
            cores += range(int(first), int(last or first) + 1)
    except ValueError:
        raise InfoplaneError(f"cores must be numbers and ranges like 0-3,8, got {text!r}",
                             usage=True) from None
    return cores


def pin(cores) -> list[int]:
    """Bind every thread of this process (and the threads it starts later) to ``cores``.

    Args:
        cores: core numbers, a subset of those this process may use (``os.sched_getaffinity``).

    Returns:
        The cores, sorted.

    Raises:
        InfoplaneError: no cores, or cores this process may not use.
    """
    mine = sorted({int(c) for c in cores})
    allowed = os.sched_getaffinity(0)
    if not mine or not set(mine) <= allowed:
        raise InfoplaneError(f"cannot bind this process to cores {mine}: it may use cores "
                             f"{sorted(allowed)}", usage=True)
    for task in os.listdir("/proc/self/task"):  # threads started so far; later ones inherit
        try:
            os.sched_setaffinity(int(task), mine)
        except OSError:  # a thread that has ended meanwhile
            pass
    return mine
