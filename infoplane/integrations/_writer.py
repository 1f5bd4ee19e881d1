"""The background half of a ``Recorder``: each record's plane, its activation chunk, and
information.npz; in a thread of the recording process, or in a writer process of its own.

When a process helps. A training loop that runs Python at every step (a small PyTorch
network, whose steps take microseconds of arithmetic) holds the interpreter nearly all the
time. A writer thread's NumPy work is many short calls, each of which needs the interpreter
too, so the two take turns: the PyTorch MLP of ``benchmarks/bench_models.py --part
recorders`` trained 26-29% slower with a writer thread and 20% with a writer process, which
runs the same code on another core (15% once the process has started). Where training runs
in compiled steps that leave the interpreter free (Keras, JAX), a thread costs the same or
less: the process must start, and on the machine measured its writes of large records cost
more CPU than the same writes from a thread (the PyTorch CNN: 18% against 9%; the Keras CNN:
21% against 17%), for reasons not found; ``writer="auto"`` (the PyTorch recorder's default)
therefore keeps the process for small records only (``recorder.AUTO_PROCESS_BYTES``). The
records reach the process through two
shared-memory slots that the recording process fills in turn; at most one record is in
flight, so the slot being filled is never the one being written.

The writer process imports only NumPy and the few infoplane modules it runs (``_BOOT``): the
package's ``__init__`` would import JAX, which takes over a second and 200 MB it does not need.
It ignores Ctrl-C (the recording process handles it, and then asks for the last record to be
finished), and it stops when the recording process closes the connection or ends: a record it
has started is finished first, and every file is written atomically, so a folder left by a
killed process is a valid run to resume.
"""

from __future__ import annotations

import contextlib
import json
import math
import mmap
import os
import pickle
import socket
import subprocess
import sys
import threading
import time
import warnings
import weakref
from concurrent.futures import Future, ThreadPoolExecutor
from multiprocessing.connection import Connection
from pathlib import Path

import numpy as np

from .._errors import InfoplaneError
from ..estimators.bins import Bins
from ..runs import write_activations, write_npz
from ._binned import binned_plane

# information.npz is rewritten after a record at most this often (and by flush and close);
# the chunks are written at every record, and a resumed folder recomputes what it lacks.
INFORMATION_EVERY_S = 2.0


class RecordWriter:
    """The records of one folder, and the files that hold them.

    Args:
        out: the run folder.
        labels: (n,) int64 class labels of the probe inputs.
        bins: the binning of the plane.
        h_x, h_y: H(X) and H(Y) in bits, written into information.npz.
        provenance: the provenance fields of information.npz (``runs.provenance_fields``).
    """

    def __init__(self, out: Path, labels: np.ndarray, bins: Bins, h_x: float, h_y: float,
                 provenance: dict):
        self.out = Path(out)
        self.labels = labels
        classes, codes = np.unique(labels, return_inverse=True)
        self.codes = codes.ravel().astype(np.int64)
        self.n_classes = len(classes)
        self.bins, self.h_x, self.h_y, self.provenance = bins, h_x, h_y, provenance
        self.names: list[str] = []
        self.widths: list[int] = []
        self.epochs: list[int] = []  # written, each with its plane below
        self.ixt: list[np.ndarray] = []
        self.ity: list[np.ndarray] = []
        self.information_at = (0, -math.inf)  # records in information.npz, and when written

    def plane(self, layers: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """The binned (I_XT, I_TY) (layers,) in bits of one epoch's stored layers."""
        if self.bins.rule == "quantile":  # per-unit quantiles: the compiled estimator
            from ..plane import plane_from_activations

            plane = plane_from_activations([a[None] for a in layers], self.labels,
                                           method="binning", **self.bins._asdict())
            return plane["I_XT"][0], plane["I_TY"][0]
        return binned_plane(layers, self.codes, self.n_classes, self.bins)

    def restore(self, records) -> None:
        """Continue from ``_folder.read_records``'s records."""
        self.names, self.widths, self.epochs, self.ixt, self.ity = records

    def start(self, names: list[str], widths: list[int]) -> None:
        self.names, self.widths = list(names), list(widths)

    def write(self, chunk: int, epoch: int, layers: list[np.ndarray]) -> int:
        """One record: its plane, its chunk, then information.npz if it was last written more
        than ``INFORMATION_EVERY_S`` ago. Returns the number of records written."""
        ixt, ity = self.plane(layers)
        write_activations(self.out, chunk, [epoch],
                          {li: a[None, None] for li, a in enumerate(layers)})
        self.epochs.append(epoch)
        self.ixt.append(ixt)
        self.ity.append(ity)
        if time.monotonic() - self.information_at[1] >= INFORMATION_EVERY_S:
            self.information(complete=False)
        return len(self.epochs)

    def information(self, complete: bool) -> int:
        """information.npz of the records written so far (once more only to mark it
        complete). Returns the number of records written."""
        done = len(self.epochs)
        if done == 0 or (self.information_at[0] == done and not complete):
            return done
        write_npz(self.out / "information.npz",
                  I_XT=np.stack(self.ixt)[None], I_TY=np.stack(self.ity)[None],
                  epochs=np.asarray(self.epochs, dtype=np.int64),
                  layer_names=np.array(self.names), layer_widths=np.array(self.widths),
                  H_X=np.float64(self.h_x), H_Y=np.float64(self.h_y),
                  method=np.array("binning"), settings=np.array(json.dumps(self.bins._asdict())),
                  complete=np.bool_(complete), **self.provenance)
        self.information_at = (done, time.monotonic())
        return done


# ------------------------------------------------------------------------------ transports

class WriterThread:
    """A ``RecordWriter`` run by one thread of this process."""

    copies = False  # the records it is handed must already be the recorder's own copies

    def __init__(self, writer: RecordWriter):
        self.writer = writer
        self._pool: ThreadPoolExecutor | None = None

    @property
    def done(self) -> int:
        return len(self.writer.epochs)

    def start(self, names, widths, n, dtype) -> None:
        self.writer.start(names, widths)

    def free_slot(self) -> None:
        return None  # each record is a copy of its own

    def stage(self, layers: list[np.ndarray]) -> list[np.ndarray]:
        return layers

    def submit(self, chunk: int, epoch: int, layers) -> Future:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="infoplane-rec")
        return self._pool.submit(self.writer.write, chunk, epoch, layers)

    def information(self, complete: bool) -> int:
        return self.writer.information(complete)

    def stop(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None


class WriterProcess:
    """A ``RecordWriter`` run by a process of its own (see the module docstring).

    The process takes a few tenths of a second to start (Python and NumPy); until it says it
    is ready, the records are written by a thread of this process, as ``WriterThread``, and
    at the first record after that (none is in flight then) the records written so far are
    handed to it.
    """

    copies = True  # ``stage`` copies each record into a shared slot

    def __init__(self, writer: RecordWriter, keep_open: tuple[int, ...] = ()):
        self.out = writer.out
        self._local: WriterThread | None = WriterThread(writer)  # until the process is ready
        self._done = 0  # records written, as the process last said
        self._layout: tuple | None = None
        self._slot_fds = [_shared_file() for _ in range(2)]
        self._views: list[list[np.ndarray]] = []
        self._maps: list[mmap.mmap] = []
        self._next = 0  # the slot ``stage`` fills
        ours, theirs = socket.socketpair()
        fds = [theirs.fileno(), *self._slot_fds]
        try:  # keep_open: descriptors it inherits and holds until it ends (the folder's lock)
            self._proc = subprocess.Popen(
                [sys.executable, "-c", _BOOT, str(Path(__file__).resolve().parents[1]),
                 *map(str, fds)],
                pass_fds=[*fds, *keep_open], stdin=subprocess.DEVNULL, close_fds=True)
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
            self._views.append(_views(self._maps[-1], shapes, dtype))
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
        if self._local is not None:
            return self._local.submit(chunk, epoch, self._views[slot])
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
            if not getattr(self, "_warned", False):
                self._warned = True
                warnings.warn(f"the recorder's writer process did not start (exit status "
                              f"{self._proc.poll()}); its records are written by a thread",
                              RuntimeWarning, stacklevel=4)
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


def _views(buffer, shapes, dtype: np.dtype) -> list[np.ndarray]:
    views, offset = [], 0
    for shape in shapes:
        count = int(np.prod(shape))
        views.append(np.frombuffer(buffer, dtype, count, offset).reshape(shape))
        offset += count * dtype.itemsize
    return views


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


# ------------------------------------------------------------------------------ the process

# The writer process's program: the infoplane package and its subpackages as bare packages
# (found on disk by their path, their __init__ not run), then ``serve``.
_BOOT = """
import os, signal, sys, types
signal.signal(signal.SIGINT, signal.SIG_IGN)
root = sys.argv[1]
for folder, subfolders, files in os.walk(root):
    subfolders[:] = [s for s in subfolders if not s.startswith(("_", "."))]
    if "__init__.py" in files:
        name = "infoplane" + folder[len(root):].replace(os.sep, ".")
        sys.modules[name] = package = types.ModuleType(name)
        package.__path__ = [folder]
from infoplane.integrations._writer import serve
serve(*map(int, sys.argv[2:]))
"""


def serve(conn_fd: int, *slot_fds: int) -> None:
    """The writer process: answer the recording process's messages until it hangs up."""
    try:
        _serve(Connection(conn_fd), slot_fds)
    except OSError:  # BrokenPipeError and the like: the recording process hung up first
        return


def _serve(conn: Connection, slot_fds: tuple[int, ...]) -> None:
    writer: RecordWriter | None = None
    views: list[list[np.ndarray]] = []
    conn.send(("ready", os.getpid(), None))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return  # the recording process closed the connection, or ended
        kind = message[0]
        if kind in ("init", "start"):  # no answer; on an error, the answer to what comes next
            try:
                if kind == "init":
                    writer = message[1]
                    continue
                _, names, widths, shapes, dtype = message
                writer.start(names, widths)
                for fd in slot_fds:
                    size = os.fstat(fd).st_size
                    views.append(_views(mmap.mmap(fd, size), shapes, np.dtype(dtype)))
                continue
            except Exception as err:  # noqa: BLE001 - it goes back, and the process ends
                conn.send(("error", len(writer.epochs) if writer else 0, _portable(err)))
                return
        try:
            if kind == "record":
                _, chunk, epoch, slot = message
                done = writer.write(chunk, epoch, views[slot])
            elif kind == "information":
                done = writer.information(message[1])
            else:  # "stop"
                conn.send(("ok", len(writer.epochs) if writer else 0, None))
                return
            conn.send(("ok", done, None))
        except Exception as err:  # noqa: BLE001 - every error goes back to the recorder
            conn.send(("error", len(writer.epochs) if writer else 0, _portable(err)))


def _portable(err: Exception) -> Exception:
    """``err`` if it survives pickling, else an InfoplaneError that says what it was."""
    try:
        pickle.loads(pickle.dumps(err))
        return err
    except Exception:  # noqa: BLE001
        return InfoplaneError(f"{type(err).__name__}: {err}")
