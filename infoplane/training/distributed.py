"""One run over many processes and hosts, on JAX's own multi-controller runtime.

Every process runs the same program; ``jax.distributed`` connects them (one coordinator,
process 0). Each process trains the seed groups of its own devices (``sharding.py``) and the
records meet on the host (``gather``). ``initialize`` must run before JAX touches a device:
from Python, call it first, then ``train``. On CPU hosts the collectives go through gloo.

Which process writes: process 0 alone writes config.json, information.npz, checkpoints and
figures (``is_writer``); each process writes the activations of the seeds it holds
(``infoplane.runs.write_activations``, one part per process).

Faults: a collective whose peer is gone fails at once, and ``train`` turns that into one
InfoplaneError (``lost_peer``). A process lost in the middle of a chunk, or a coordinator that
dies, is noticed by JAX's own heartbeat (``heartbeat`` seconds), which ends every other process
with ``LOG(FATAL)``: a C++ stack trace and SIGABRT. JAX offers no supported way to replace that
handler, so the command line runs a distributed run in a child process and reports its death in
one line (``infoplane.cli._supervise``); from Python the process ends as JAX ends it.

Several processes on one host: ``cores`` binds each to its own cores and gives it one CPU
device per core before XLA's thread pools start (``_pinning.py``); cores that overlap another
process's on the same host are refused (``check_own_cores``).
"""

from __future__ import annotations

import hashlib
import json
import socket
import time

import jax
import numpy as np

from .._errors import InfoplaneError
from ._pinning import check_cores, use_cores

# Short enough that a lost peer or a wrong address is reported within a minute, long enough
# for processes started a few seconds apart by a scheduler (seconds).
CONNECT_TIMEOUT = 60
HEARTBEAT_TIMEOUT = 10
MAX_CORES = 4096  # the cores a host may have, for comparing processes' cores (a bit mask)


def initialize(coordinator: str | None = None, num_processes: int | None = None,
               process_id: int | None = None, *, auto: bool = False,
               timeout: int = CONNECT_TIMEOUT, heartbeat: int = HEARTBEAT_TIMEOUT,
               cores=None) -> None:
    """Join (or start, as process 0) a distributed run.

    Args:
        coordinator: "HOST:PORT" of process 0, where it listens for the others.
        num_processes: how many processes take part.
        process_id: this process's number, 0 <= process_id < num_processes.
        auto: detect all three on SLURM, Open MPI or TPU pods (``jax.distributed``'s own
            detection); the explicit arguments must then be left out.
        timeout: seconds to wait for all processes to connect.
        heartbeat: seconds after which a silent process counts as dead (JAX's heartbeat: the
            other processes then end; see the module's docstring).
        cores: bind this process to these cores (numbers, or "0-3,8") and give it one CPU
            device per core, before JAX's CPU backend starts (``_pinning.use_cores``): for
            several processes on one host, give each its own. None: leave the process as
            started.

    Raises:
        InfoplaneError: bad arguments, cores this process may not use or that overlap another
            process's on the same host, a port already in use, or processes that did not all
            connect within ``timeout`` seconds.
    """
    explicit = (coordinator, num_processes, process_id)
    check_before_joining(*explicit, auto=auto, timeout=timeout, cores=cores)
    if jax.distributed.is_initialized():
        raise InfoplaneError("jax.distributed is already initialised in this process")
    mine = use_cores(cores) if cores is not None else None  # before XLA's thread pools start
    # gloo must be chosen before the CPU backend starts; it is ignored on GPUs and TPUs.
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    try:
        jax.distributed.initialize(
            *explicit, initialization_timeout=int(timeout),
            heartbeat_timeout_seconds=int(heartbeat), shutdown_timeout_seconds=int(timeout))
    except (RuntimeError, ValueError) as err:
        where = "auto-detected coordinator" if auto else f"coordinator {coordinator}"
        raise _said(f"could not join the distributed run at the {where} within {timeout} s "
                    "(is process 0 running there, with the same {num_processes}?): "
                    + _first_line(err).replace("{", "{{").replace("}", "}}")) from None
    if not auto:
        check_same_everywhere("num_processes", num_processes, cli_what="--num-processes")
    check_own_cores(mine)


def check_before_joining(coordinator, num_processes, process_id, *, auto: bool,
                         timeout: float, cores=None) -> None:
    """Everything about ``initialize``'s arguments that can be checked before joining: raise
    for bad arguments or cores, a port already in use (process 0), or no coordinator listening
    within ``timeout`` seconds (the others)."""
    if auto and any(v is not None for v in (coordinator, num_processes, process_id)):
        raise _said("{auto} detects the coordinator, the number of processes and the "
                    "process id: leave out {coordinator}, {num_processes} and {process_id}")
    if not auto:
        host, port = check_arguments(coordinator, num_processes, process_id)
        if process_id == 0:
            check_port_free(host, port)
        else:  # JAX itself would abort the process after its timeout, with a stack trace
            wait_for_coordinator(host, port, timeout)
    if cores is not None:
        check_cores(cores)


def check_own_cores(cores: list[int] | None) -> None:
    """Raise unless the processes of the run on one host that were given cores have cores of
    their own (a collective: every process calls it, with None when it was not given any)."""
    if jax.process_count() == 1:
        return
    from jax.experimental import multihost_utils

    host = np.frombuffer(hashlib.sha256(socket.gethostname().encode()).digest()[:8], np.uint8)
    mask = np.zeros(MAX_CORES, np.uint8)
    mask[[c for c in cores or () if c < MAX_CORES]] = 1
    every = np.asarray(multihost_utils.process_allgather(np.concatenate([host, mask])))
    me = jax.process_index()
    for other in range(len(every)):
        same_host = np.array_equal(every[other, :8], host)
        shared = np.flatnonzero(every[other, 8:] & mask)
        if other != me and same_host and shared.size:
            said = (f"process {me} and process {other} share core(s) "
                    f"{', '.join(map(str, shared))} on host {socket.gethostname()}: give each "
                    "process of a host cores of its own ({})")
            raise InfoplaneError(said.format("cores="), cli=said.format("--cores"), usage=True)


# The arguments of ``initialize`` as the Python API and the command line name them.
_API_WORDS = {"coordinator": "coordinator", "num_processes": "num_processes",
              "process_id": "process_id", "auto": "auto=True"}
_CLI_WORDS = {"coordinator": "--coordinator", "num_processes": "--num-processes",
              "process_id": "--process-id", "auto": "--distributed auto"}


def _said(template: str) -> InfoplaneError:
    """An error whose ``template`` names arguments as {coordinator}, {num_processes},
    {process_id}, {auto}: keyword arguments in the API's message, flags in the command line's."""
    return InfoplaneError(template.format(**_API_WORDS), cli=template.format(**_CLI_WORDS))


def check_arguments(coordinator, num_processes, process_id) -> tuple[str, int]:
    """The coordinator's host and port, after checking all three arguments agree."""
    if coordinator is None or num_processes is None or process_id is None:
        raise _said("a distributed run needs {coordinator} HOST:PORT, {num_processes} N and "
                    "{process_id} I (or {auto})")
    host, sep, port = str(coordinator).rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise _said("{coordinator} must be HOST:PORT, e.g. 10.0.0.1:8476, got "
                    + repr(coordinator).replace("{", "{{").replace("}", "}}"))
    if not isinstance(num_processes, int) or num_processes < 1:
        raise _said(f"{{num_processes}} must be a positive integer, got {num_processes!r}")
    if not isinstance(process_id, int) or not 0 <= process_id < num_processes:
        raise _said(f"{{process_id}} must be in 0..{num_processes - 1} for "
                    f"{{num_processes}} {num_processes}, got {process_id!r}")
    return host, int(port)


def check_port_free(host: str, port: int) -> None:
    """Raise when process 0 could not listen on ``port`` (another program holds it)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        try:
            s.bind((host.strip("[]"), port))
        except OSError as err:
            raise _said(f"the coordinator cannot listen on {host}:{port} ({err.strerror}); "
                        "pick another port in {coordinator}") from None


def wait_for_coordinator(host: str, port: int, timeout: float) -> None:
    """Wait until something listens at ``host:port`` (process 0 may start a little later);
    raise after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection((host.strip("[]"), port), timeout=1).close()
            return
        except socket.gaierror:
            raise _said(f"{{coordinator}} {host}:{port}: unknown host {host!r}") from None
        except OSError:
            if time.monotonic() > deadline:
                raise _said(f"nothing listens at {{coordinator}} {host}:{port} after "
                            f"{timeout:g} s; start process 0 there first, or correct the "
                            "address") from None
            time.sleep(0.2)


def process_index() -> int:
    """This process's number (0 when not distributed)."""
    return jax.process_index()


def process_count() -> int:
    """The number of processes of the run (1 when not distributed)."""
    return jax.process_count()


def is_writer() -> bool:
    """True in the one process that writes the run's shared files (process 0)."""
    return jax.process_index() == 0


def check_same_everywhere(what: str, obj, *, cli_what: str | None = None) -> None:
    """Raise unless every process passes the same ``obj`` (JSON-serialisable), e.g. its run
    configuration: processes started with different flags would train different things.
    ``what`` names it in the Python API's words, ``cli_what`` in the command line's."""
    if jax.process_count() == 1:
        return
    from jax.experimental import multihost_utils

    digest = hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).digest()
    mine = np.frombuffer(digest[:8], dtype=np.int32)
    every = np.asarray(multihost_utils.process_allgather(mine)).reshape(jax.process_count(), -1)
    differ = [i for i in range(len(every)) if not np.array_equal(every[i], every[0])]
    if differ:
        said = f"process {differ[0]} was started with a different {{}} than process 0; "
        raise InfoplaneError(said.format(what) + "give every process the same arguments",
                             cli=said.format(cli_what or what)
                             + "start every process with the same flags", usage=True)


def writer_first(fn, what: str):
    """Run ``fn()`` on the writer (process 0) while the others wait, and return its result there
    (None elsewhere). An InfoplaneError on process 0 is raised on every process, so that all
    stop together (e.g. process 0 refused to overwrite the run directory)."""
    if jax.process_count() == 1:
        return fn()
    from jax.experimental import multihost_utils

    result, failed = None, None
    if is_writer():
        try:
            result = fn()
        except InfoplaneError as err:
            failed = err
    status = multihost_utils.broadcast_one_to_all(np.int32(failed is not None))
    if failed is not None:
        raise failed
    if int(status):
        raise InfoplaneError(f"process 0 could not {what}; see its message")
    return result


def gather(tree, run_dir=None):
    """Host arrays of this process's seeds (every leaf has the leading seed axis, the same
    number of rows in every process) as the arrays of all processes' seeds, joined in process
    order, on every process (a collective: every process must call it); ``tree`` itself in one
    process. Fails with ``lost_peer`` (naming ``run_dir``) when another process is gone.

    The leaves travel as the bytes of one packed (seeds, bytes) uint8 array, so that the whole
    tree costs one all-gather through gloo, not one per leaf (about 3 ms each over loopback).
    """
    if jax.process_count() == 1:
        return tree
    from jax.experimental import multihost_utils

    leaves, treedef = jax.tree.flatten(tree)
    leaves = [np.ascontiguousarray(a) for a in leaves]
    rows = len(leaves[0])
    packed = np.concatenate([a.reshape(rows, a[:1].size).view(np.uint8) if a.size else
                             np.zeros((rows, 0), np.uint8) for a in leaves], axis=1)
    try:
        every = np.asarray(multihost_utils.process_allgather(packed))
    except (RuntimeError, ValueError) as err:
        raise lost_peer(err, run_dir) from None
    whole, out, start = every.reshape(-1, packed.shape[1]), [], 0
    for a in leaves:
        width = a[:1].nbytes
        block = np.ascontiguousarray(whole[:, start:start + width]).view(a.dtype)
        out.append(block.reshape(len(whole), *a.shape[1:]))
        start += width
    return jax.tree.unflatten(treedef, out)


def lost_peer(err: BaseException, run_dir) -> InfoplaneError:
    """The error a process raises when a collective fails because another process is gone
    (named when there are two)."""
    me, count = jax.process_index(), jax.process_count()
    other = f"process {1 - me}" if count == 2 else "another process"
    where = f"; what was saved is intact in {run_dir}" if run_dir is not None else ""
    said = (f"process {me} lost contact with {other} of the distributed run "
            f"({_first_line(err)}){where}; restart every process with ")
    return InfoplaneError(said + "resume=True", cli=said + "--resume", usage=False)


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return text[0][:200] if text else type(err).__name__
