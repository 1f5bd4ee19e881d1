"""The writer process's program (``_writer_process`` starts it): it answers the recording
process's messages, writing each record from the shared slot it names, until the recording
process hangs up. It imports only NumPy and the modules it runs. Run as
``python -m infoplane.integrations._writer_serve CONNECTION SLOT SLOT`` (descriptors).
"""

from __future__ import annotations

import mmap
import os
import pickle
import signal
import sys
from multiprocessing.connection import Connection

import numpy as np

from .._errors import InfoplaneError
from ._writer import RecordWriter


def slot_views(buffer, shapes, dtype: np.dtype) -> list[np.ndarray]:
    """The (n, units) arrays of one slot, laid out one layer after another."""
    views, offset = [], 0
    for shape in shapes:
        count = int(np.prod(shape))
        views.append(np.frombuffer(buffer, dtype, count, offset).reshape(shape))
        offset += count * dtype.itemsize
    return views


def serve(conn_fd: int, *slot_fds: int) -> None:
    """The writer process: answer the recording process's messages until it hangs up."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the recording process's
    try:
        _serve(Connection(conn_fd), slot_fds)
    except OSError:  # BrokenPipeError and the like: the recording process hung up first
        return


def _serve(conn: Connection, slot_fds: tuple[int, ...]) -> None:
    writer: RecordWriter | None = None
    views: list[list[np.ndarray]] = []
    conn.send(("ready", os.getpid(), None))
    while True:
        if writer is not None and writer.later and not conn.poll():
            try:  # between messages: the planes of the records written before it started
                writer.catch_up(most=1)
            except Exception as err:  # noqa: BLE001 - the answer to what comes next
                conn.send(("error", len(writer.epochs), _portable(err)))
                return
            continue
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
                    views.append(slot_views(mmap.mmap(fd, size), shapes, np.dtype(dtype)))
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


if __name__ == "__main__":
    serve(*map(int, sys.argv[1:]))
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # every file is closed: skip the interpreter's teardown, which the recorder awaits
