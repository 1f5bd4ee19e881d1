"""A process of its own that draws figures from what a run has saved, beside the main process.

Drawing is single-threaded Python, so after training one core would sit idle while the other
draws every figure in turn. ``BackgroundDrawer`` starts a drawing process early (its imports
then overlap the main process's start-up and compilation), takes jobs such as "animate the
plane saved in this run folder", and runs them while the main process draws the other figures.
A job reads only files (``information.npz``), never the main process's memory, so it can only
start once what it draws is saved; figures of the finished run cannot be drawn earlier, as
their axes, labels and marks depend on every logged epoch.

The process is started with ``python -m`` (not ``multiprocessing``'s spawn, which would
re-import the caller's ``__main__`` module and so re-run a script without a ``__main__``
guard). It ignores Ctrl-C (the main process handles it and then closes the drawer), and it
ends when the main process hangs up or ends. A job that fails is reported by ``result``: an
``InfoplaneError`` with the drawer's message, or a ``RuntimeError`` carrying the drawer's
traceback; a drawer that dies is reported with its exit status. Nothing is swallowed.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import traceback
import weakref
from multiprocessing.connection import Connection
from pathlib import Path

from .._errors import InfoplaneError


def _jobs() -> dict:
    """The functions a drawer runs, by name (imported in the drawing process)."""
    from .animate import animate_run

    return {"animate_run": animate_run}


class BackgroundDrawer:
    """Draw figures in a process of its own; see the module.

    Jobs run one at a time in the order given; each ``submit`` is answered by one
    ``result``, in the same order. Use it as a context manager, or call ``close``.

    Example::

        with BackgroundDrawer() as drawer:
            drawer.submit("animate_run", run_dir)
            ...  # draw other figures here meanwhile
            gif = drawer.result()
    """

    def __init__(self):
        self._pending: list[str] = []
        ours, theirs = socket.socketpair()
        root = str(Path(__file__).resolve().parents[2])  # the folder holding this infoplane
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            [root, *filter(None, [os.environ.get("PYTHONPATH")])]))
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "infoplane.plotting._background", str(theirs.fileno())],
                pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL, close_fds=True, env=env)
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        self._conn = Connection(ours.detach())
        self._finalizer = weakref.finalize(self, _hang_up, self._conn, self._proc)

    def submit(self, job: str, *args, **kwargs) -> None:
        """Start ``job`` (a name of ``_jobs``) with these arguments, after those before it."""
        self._check_alive(job)
        try:
            self._conn.send((job, args, kwargs))
        except OSError:
            self._check_alive(job, died=True)
            raise
        self._pending.append(job)

    def result(self):
        """Wait for the oldest job still running and return what it returned.

        Raises:
            InfoplaneError: the job raised one (its message), or the drawer ended first.
            RuntimeError: the job failed otherwise; the message holds the drawer's traceback.
        """
        if not self._pending:
            raise InfoplaneError("the background drawer has no job to wait for")
        job = self._pending.pop(0)
        try:  # a reply, or the end of the connection when the process ends
            kind, value = self._conn.recv()
        except (EOFError, OSError):
            self._check_alive(job, died=True)
            raise
        if kind == "ok":
            return value
        if kind == "InfoplaneError":
            raise InfoplaneError(value)
        raise RuntimeError(f"the background drawer failed in {job}:\n{value}")

    def close(self) -> None:
        """Hang up and wait for the drawer to end (it finishes the job it is in, so that no
        half-written file is left; the results of jobs not yet waited for are dropped)."""
        self._pending.clear()
        self._finalizer()

    def _check_alive(self, job: str, died: bool = False) -> None:
        code = self._proc.poll() if not died else self._proc.wait()
        if code is not None:
            raise InfoplaneError(f"the background drawer ended (exit status {code}) before "
                                 f"{job} was drawn; its error output says why")

    def __enter__(self) -> BackgroundDrawer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _hang_up(conn: Connection, proc: subprocess.Popen) -> None:
    conn.close()
    proc.wait()  # it ends when it sees the hang-up: after its imports, or the job it is in


def serve(conn: Connection) -> None:
    """The drawing process: run each job received and send back its result, until hung up."""
    jobs = _jobs()
    while True:
        try:
            job, args, kwargs = conn.recv()
        except (EOFError, OSError):  # the main process hung up or ended
            return
        try:
            reply = ("ok", jobs[job](*args, **kwargs))
        except InfoplaneError as err:
            reply = ("InfoplaneError", str(err))
        except Exception:  # sent to the main process, which raises it
            reply = ("error", traceback.format_exc())
        try:
            conn.send(reply)
        except OSError:
            return


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    serve(Connection(int(sys.argv[1])))
