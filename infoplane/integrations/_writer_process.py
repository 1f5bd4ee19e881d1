"""A ``RecordWriter`` (``_writer``) run by a writer process of its own.

When a process helps. A training loop that runs Python at every step (a small PyTorch
network, whose steps take microseconds of arithmetic) holds the interpreter nearly all the
time. A writer thread's NumPy work is many short calls, each of which needs the interpreter
too, so the two take turns: the PyTorch MLP of ``benchmarks/bench_models.py --part
recorders`` trained 27% slower with a writer thread and 16% with a writer process, which
runs the same code on another core (one run of 9 repeats, after the thread had been relieved
of the planes while the process starts; see ``WriterProcess``). Where training runs in
compiled steps that leave the interpreter free (Keras, JAX), a thread costs the same or
less: the process must start, and on the machine measured its writes of large records cost
more CPU than the same writes from a thread (the PyTorch CNN: 17-18% against 9-13%; the
Keras CNN: 21-36% against 17-34%, in the runs of an earlier version), for reasons not found;
``writer="auto"`` (the PyTorch recorder's default) therefore keeps the process for small
records only (``recorder.AUTO_PROCESS_BYTES``). The records reach the process through two
shared-memory slots that the recording process fills in turn; at most one record is in
flight, so the slot being filled is never the one being written.

The writer process runs ``python -m infoplane.integrations._writer_serve`` and imports only
NumPy and the few infoplane modules it runs: ``import infoplane`` imports nothing heavy until it
is used. It is not started by ``multiprocessing`` ("spawn" or "forkserver"), which imports the
recording program's ``__main__`` in the child when that is a script: a training script's own
imports (PyTorch: seconds, and a core's worth of CPU while training runs) would be the writer's
to load too, and a script without the ``if __name__ == "__main__":`` guard would run again
(``benchmarks/results/writer_start.md``); nor by a fork, which would copy a process that may
hold JAX's or PyTorch's threads. It runs in a session of its own, so the terminal's Ctrl-C
does not reach it (the recording process handles it, and then asks for the last record to be
finished), and it stops when the recording process closes the connection or ends: a record it
has started is finished first, and every file is written atomically, so a folder left by a
killed process is a valid run to resume.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import site
import socket
import subprocess
import sys
import threading
import warnings
import weakref
from multiprocessing.connection import Connection
from pathlib import Path

import numpy as np

from .._errors import InfoplaneError
from ._writer import RecordWriter, WriterThread
from ._writer_serve import slot_views

# Python 3.11+: the writer does not put the working folder first on its path, where another
# folder named infoplane would hide the one this process runs
_SAFE_PATH = ["-P"] if sys.version_info >= (3, 11) else []


class WriterProcess:
    """A ``RecordWriter`` run by a process of its own (see the module docstring).

    The process takes a tenth of a second or more to start (Python and NumPy), while a
    log-spaced schedule records most often; until it says it is ready, a thread of this
    process writes the records' chunks, as ``WriterThread``, but leaves their planes (most of
    a small record's work, which would hold the interpreter) to the process. At the first
    record after that (none is in flight then) the records written so far are handed to it,
    and it computes the missing planes from the chunks on disk between records, before it
    next writes information.npz. A folder left meanwhile has every chunk; ``resume=True``
    computes the planes information.npz lacks.
    """

    copies = True  # ``stage`` copies each record into a shared slot

    def __init__(self, writer: RecordWriter, keep_open: tuple[int, ...] = ()):
        self.out = writer.out
        self._local: WriterThread | None = WriterThread(writer)  # until the process is ready
        self._done = 0  # records written, as the process last said
        self._failed = False  # the process could not start: the thread writes everything
        self._layout: tuple | None = None
        self._slot_fds = [_shared_file() for _ in range(2)]
        self._views: list[list[np.ndarray]] = []
        self._maps: list[mmap.mmap] = []
        self._next = 0  # the slot ``stage`` fills
        ours, theirs = socket.socketpair()
        fds = [theirs.fileno(), *self._slot_fds]
        try:  # keep_open: descriptors it inherits and holds until it ends (the folder's lock)
            self._proc = subprocess.Popen(
                [sys.executable, *_SAFE_PATH, "-m", "infoplane.integrations._writer_serve",
                 *map(str, fds)],
                pass_fds=[*fds, *keep_open], stdin=subprocess.DEVNULL, close_fds=True,
                env=_env_finding(Path(__file__).resolve().parents[2]), start_new_session=True)
        finally:
            theirs.close()
        self._conn = Connection(ours.detach())
        self._closed = False
        self._finalizer = weakref.finalize(self, _hang_up, self._conn, self._proc, self._maps,
                                           self._slot_fds)

    @property
    def done(self) -> int:
        """The number of records written."""
        return self._local.done if self._local is not None else self._done

    def start(self, names, widths, n, dtype) -> None:
        """Size the two slots for records of n rows of ``widths`` units, of ``dtype``."""
        dtype = np.dtype(dtype)
        shapes = [(n, w) for w in widths]
        total = n * sum(widths) * dtype.itemsize
        for fd in self._slot_fds:
            os.ftruncate(fd, total)
            self._maps.append(mmap.mmap(fd, total))
            self._views.append(slot_views(self._maps[-1], shapes, dtype))
        self._layout = ("start", list(names), list(widths), shapes, dtype.str)
        if self._local is not None:
            self._local.start(names, widths, n, dtype)
        else:
            self._send(self._layout)

    def free_slot(self) -> list[np.ndarray] | None:
        """The (n, units) arrays the next ``stage`` copies into (None before the first
        record): a caller that fills them itself saves that copy."""
        return self._views[self._next] if self._views else None

    def stage(self, layers: list[np.ndarray]) -> int:
        """Copy a record into the free slot (unless it is there already); returns the slot."""
        slot = self._next
        for view, a in zip(self._views[slot], layers, strict=True):
            if not _same_memory(view, a):
                np.copyto(view, a, casting="unsafe")  # the values were checked for the dtype
        return slot

    def submit(self, chunk: int, epoch: int, slot: int):
        """Write the record staged in ``slot``; returns what waits for it (``result()``)."""
        self._hand_over()
        self._next = 1 - slot
        if self._local is not None:  # its plane waits for the process, unless it failed
            return self._local.submit(chunk, epoch, self._views[slot], plane=self._failed)
        self._send(("record", chunk, epoch, slot))
        return _Reply(self)

    def information(self, complete: bool) -> int:
        if self._local is not None:
            return self._local.information(complete)
        self._send(("information", complete))
        return self.reply()

    def stop(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            if self._local is not None:
                self._local.stop()
            else:
                self._send(("stop",))
                self.reply()
        except InfoplaneError:
            pass  # it stopped already; what it wrote is on disk
        finally:
            self._views.clear()
            self._finalizer()

    def as_thread(self) -> WriterThread:
        """Stop the process and go on in the thread that holds the records: only before the
        first record (nothing handed over yet)."""
        local, self._local = self._local, None
        assert local is not None, "the records were handed over already"
        self._closed = True
        self._views.clear()
        self._finalizer.detach()
        self._conn.close()  # it ends when it reads that, perhaps only once it has started:
        threading.Thread(target=_release_later, args=(self._proc, self._maps, self._slot_fds),
                         daemon=True, name="infoplane-rec-reap").start()  # not waited for
        return local

    def wait_ready(self, timeout: float = 30.0) -> bool:
        """Wait until the process can take the records (it does at the next record)."""
        return self._local is None or self._conn.poll(timeout)

    def _hand_over(self) -> None:
        """Once the process has said it is ready, hand it the records (between records)."""
        if self._local is None or not self._conn.poll():
            return
        try:
            self._conn.recv()  # ("ready", ...)
        except (EOFError, OSError):  # it could not start: the thread goes on writing
            if not self._failed:
                self._failed = True
                warnings.warn(f"the recorder's writer process did not start (exit status "
                              f"{self._proc.poll()}); its records are written by a thread",
                              RuntimeWarning, stacklevel=4)
                self._local.writer.catch_up()  # the planes left for it (no record in flight)
            return
        local, self._local = self._local, None
        local.stop()
        self._done = local.done
        self._send(("init", local.writer))
        if self._layout is not None:
            self._send(self._layout)

    def _send(self, message) -> None:
        try:
            self._conn.send(message)
        except OSError:
            raise self._lost() from None

    def reply(self) -> int:
        """The writer's answer to the oldest message that awaits one: the number of records
        written, or its error raised here."""
        try:
            kind, done, error = self._conn.recv()
        except (EOFError, OSError):
            raise self._lost() from None
        self._done = done
        if kind == "error":
            raise error
        return done

    def _lost(self) -> InfoplaneError:
        try:
            code = self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        return InfoplaneError(
            f"the recorder's writer process stopped (exit status {code}); the {self._done} "
            f"records written before are in {self.out}: open it again with resume=True")


class _Reply:
    """The pending answer to a record sent to a ``WriterProcess`` (as a ``Future``)."""

    def __init__(self, proc: WriterProcess):
        self._proc = proc

    def result(self) -> int:
        return self._proc.reply()


def _env_finding(root: Path) -> dict[str, str]:
    """This environment, where the writer imports the infoplane that this process runs: with
    ``root`` first on PYTHONPATH, unless it is a site-packages folder (found anyway, and on
    PYTHONPATH it would come before the standard library)."""
    sites = {Path(p).resolve() for p in [*site.getsitepackages(), site.getusersitepackages()]}
    if root in sites:
        return dict(os.environ)
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), *filter(None, [path])])}


def _shared_file() -> int:
    """An unnamed file for a shared slot: in memory where the system offers it (Linux)."""
    if hasattr(os, "memfd_create"):
        return os.memfd_create("infoplane-record")
    import tempfile

    fd, path = tempfile.mkstemp(prefix="infoplane-record-")
    os.unlink(path)
    return fd


def _same_memory(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether ``b`` is ``a``'s memory itself (same start, shape and dtype)."""
    return (a.shape == b.shape and a.dtype == b.dtype
            and a.__array_interface__["data"][0] == b.__array_interface__["data"][0])


def _hang_up(conn: Connection, proc: subprocess.Popen, maps: list, fds: list) -> None:
    """Close the connection (the writer process then finishes what it has, and ends), reap
    it, and release the slots (once they have no views left)."""
    conn.close()
    _release_later(proc, maps, fds)


def _release_later(proc: subprocess.Popen, maps: list, fds: list) -> None:
    """Reap the writer process once it has ended, then release the slots."""
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    for m in maps:
        with contextlib.suppress(BufferError):  # a view outlives the recorder: left to the GC
            m.close()
    for fd in fds:
        os.close(fd)
