"""A process bound to cores of its own, with one CPU device per core.

XLA sizes its CPU thread pools by the cores a process may use when its CPU backend starts.
Several processes on one host, unbound, each start pools as large as the whole host and
compete for its cores: on 2 cores, 2 processes x 1 device spent 18% more CPU seconds than
1 process x 2 devices on the same work; bound to one core each before JAX's backend started,
each process started one XLA compute thread instead of two (``benchmarks/bench_distributed.py``
has the numbers). Binding after the backend started does not help: the pools keep their size.
So ``use_cores`` must run before JAX's CPU backend starts (``distributed.initialize(...,
cores=...)`` and the command line's ``--cores`` do that), or the process is started bound
(``taskset -c 0 infoplane ...``). It also sets the process's number of CPU devices to its
number of cores (``jax_num_cpu_devices``), so that two processes given one core each on a
2-core host are 2 x 1 device. It is the user's choice, never the default: a process alone on
its host, or given its cores by a scheduler (SLURM's ``--cpus-per-task``), is already right.
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


def use_cores(cores) -> list[int]:
    """Bind this process to ``cores`` (numbers, or text like "0-3,8") and give it one CPU
    device per core; return the cores, sorted.

    Raises:
        InfoplaneError: cores badly written or that this process may not use (usage errors),
            or JAX's CPU backend already started (too late to size it).
    """
    import jax

    mine = pin(cores)
    try:
        jax.config.update("jax_num_cpu_devices", len(mine))
    except RuntimeError:
        raise InfoplaneError("cores must be chosen before JAX starts its CPU backend: give "
                             "them first, before any JAX computation") from None
    return mine


def check_cores(cores) -> list[int]:
    """``cores`` (numbers, or text like "0-3,8") sorted, after checking that this process may
    use them (``os.sched_getaffinity``): cores the machine lacks, or that this process was not
    given, are a usage error."""
    mine = sorted({int(c) for c in (parse_cores(cores) if isinstance(cores, str) else cores)})
    allowed = os.sched_getaffinity(0)
    if not mine or not set(mine) <= allowed:
        raise InfoplaneError(f"cannot bind this process to cores {mine}: it may use cores "
                             f"{sorted(allowed)}", usage=True)
    return mine


def pin(cores) -> list[int]:
    """Bind every thread of this process (and the threads it starts later) to ``cores``.

    Args:
        cores: core numbers, a subset of those this process may use (``check_cores``).

    Returns:
        The cores, sorted.

    Raises:
        InfoplaneError: no cores, or cores this process may not use.
    """
    mine = check_cores(cores)
    for task in os.listdir("/proc/self/task"):  # threads started so far; later ones inherit
        try:
            os.sched_setaffinity(int(task), mine)
        except OSError:  # a thread that has ended meanwhile
            pass
    return mine
