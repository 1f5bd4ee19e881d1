"""Processes of a distributed run that share a host, each on cores of its own.

Unpinned, the processes of one host share all its cores, and each process's XLA thread pools
(sized by the number of cores) compete with the others': on 2 cores, 2 processes x 1 device
spent 15% more CPU seconds than 1 process x 2 devices on the same work, and about 4% more
when each process was pinned to its own core (``benchmarks/bench_distributed.py``). So
``pin_to_own_cores`` splits the cores this process may use among the processes on its host
(the host found by name through the coordination service), in order of process id, and
binds every thread of this process to its share. It is a choice (``initialize(...,
pin_cores=True)``), not the default: a process that is alone on its host, or that was given
its cores by a scheduler (SLURM's ``--cpus-per-task``), is better left alone.
"""

from __future__ import annotations

import os
import socket

from .._errors import InfoplaneError

PREFIX = "infoplane/host/"


def pin_to_own_cores(client, me: int, n: int, timeout: int) -> list[int]:
    """Bind this process (every thread) to its share of the host's cores; return them.

    Args:
        client: JAX's coordination-service client (its key-value store).
        me: this process's id; n: the number of processes.
        timeout: seconds to wait for the other processes to say their host.

    Raises:
        InfoplaneError: more processes on this host than cores.
    """
    host = socket.gethostname()
    client.key_value_set(f"{PREFIX}{me}", host, allow_overwrite=True)
    hosts = [client.blocking_key_value_get(f"{PREFIX}{i}", 1000 * timeout) for i in range(n)]
    local = [i for i in range(n) if hosts[i] == host]
    cores = sorted(os.sched_getaffinity(0))
    if len(local) > len(cores):
        raise InfoplaneError(f"{len(local)} processes of the distributed run share host {host} "
                             f"and its {len(cores)} cores: pinning needs one core per process "
                             "at least; start fewer processes there, or leave out pinning")
    share = len(cores) // len(local)
    rank = local.index(me)
    mine = cores[rank * share:(rank + 1) * share]
    for task in os.listdir("/proc/self/task"):  # threads started so far; later ones inherit
        try:
            os.sched_setaffinity(int(task), mine)
        except OSError:  # a thread that has ended meanwhile
            pass
    return mine
