"""A distributed run in a child process, whose death is said in one line.

When a process of a distributed run is lost (killed, crashed, its host gone) or the coordinator
dies, JAX's coordination service ends every other process with ``LOG(FATAL)``: a C++ stack
trace and SIGABRT, from a thread of its own, often in the middle of a compiled chunk; and a
coordinator whose peers never join ends the same way after its timeout. JAX (jaxlib 0.10) has no
supported way to replace that handler. So the command runs a distributed run in a child process
(the same command, ``python -m infoplane.cli``) and waits:

* The child's Python ``sys.stderr`` (progress bars, warnings, our one-line errors) is the
  terminal, through a duplicate of the parent's standard error; its file descriptor 2, where
  the C++ runtime writes its log lines and stack traces, is a log file.
* The child tells the parent, through a pipe, when it has joined the run ("joined") and when
  it has said its own last line ("said"). Through another pipe it learns that the parent is
  gone (killed by a scheduler, say), and then ends too.
* When the child ends by a signal, or with a status of its own, without having said anything,
  the parent prints one line (the coordinator's peers never joined; or a process or the
  coordinator stopped responding, with what to do and where the runtime's log is) and returns
  1. What the run saved is intact: every file is written atomically.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading

ENV = "INFOPLANE_SUPERVISED"  # "STATUS_FD,STDERR_FD,LIFELINE_FD" in the child
NORMAL = (0, 1, 2, 130)  # the statuses with which the command itself ends (cli.EXIT_CODES)


def supervise(argv: list[str], *, process_id: int | None, num_processes: int | None,
              coordinator: str | None, timeout: int, command: list[str] | None = None) -> int:
    """Run ``infoplane ARGV`` (or ``command``) in a child process and return its exit status,
    after saying in one line why it ended if it could not (see the module's docstring)."""
    status_read, status_write = os.pipe()
    lifeline_read, lifeline_write = os.pipe()  # the parent never writes: EOF when it is gone
    terminal = os.dup(2)
    log = tempfile.NamedTemporaryFile(prefix="infoplane-runtime-", suffix=".log", delete=False)
    env = dict(os.environ, **{ENV: f"{status_write},{terminal},{lifeline_read}"})
    child = subprocess.Popen(command or [sys.executable, "-m", "infoplane.cli", *argv],
                             env=env, stderr=log,
                             pass_fds=(status_write, terminal, lifeline_read))
    for fd in (status_write, terminal, lifeline_read):
        os.close(fd)
    log.close()
    # Ctrl-C reaches the child too (the same process group): it stops and says so itself.
    terminated = []
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: (terminated.append(1), child.terminate()))
    try:
        with os.fdopen(status_read, "rb") as status:
            told = status.read().decode(errors="replace").split()
        code = child.wait()
    finally:
        signal.signal(signal.SIGINT, previous)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.close(lifeline_write)
    if code in NORMAL or "said" in told:
        os.unlink(log.name)
        return code if code in NORMAL else 1
    if terminated:
        print("infoplane: error: terminated; what was saved in the run folder is intact; "
              "restart every process with --resume", file=sys.stderr, flush=True)
        return 1
    print("infoplane: error: " + death_message(
        "joined" in told, process_id, num_processes, coordinator, timeout, log.name),
        file=sys.stderr, flush=True)
    return 1


def death_message(joined: bool, me: int | None, n: int | None, coordinator: str | None,
                  timeout: int, log: str) -> str:
    """Our line for a child that ended without saying why."""
    at = f" at {coordinator}" if coordinator else ""
    if not joined:
        return (f"the distributed run did not start: not every one of the {n or 'N'} processes "
                f"joined the coordinator{at} within {timeout} s (start every process, with the "
                f"same --coordinator and --num-processes; the runtime's log: {log})")
    if n == 2:
        who = f"the coordinator (process 0{at})" if me == 1 else "process 1"
    else:
        who = ("another process" if me == 0 else
               f"the coordinator (process 0{at}) or another process")
    return (f"process {me} stops: {who} of the distributed run stopped responding (killed, "
            f"crashed or unreachable; the runtime's log: {log}); what was saved in the run "
            "folder is intact; restart every process with --resume (resume=True from Python)")


_CHILD: dict[str, int] = {}  # in the child: the file descriptors of the status pipe, terminal


def in_child() -> bool:
    """True in the child process of ``supervise``, once ``adopt`` has run."""
    return bool(_CHILD) or ENV in os.environ


def adopt() -> None:
    """In the child (nothing elsewhere): write Python's standard error to the parent's (the
    terminal), and keep the status pipe for ``tell``. The variable that marks the child is
    removed, so that processes it starts are not taken for it."""
    fds = os.environ.pop(ENV, None)
    if fds is None:
        return
    status, terminal, lifeline = (int(fd) for fd in fds.split(","))
    _CHILD.update(status=status)
    sys.stderr = os.fdopen(terminal, "w", buffering=1)
    threading.Thread(target=_end_with_parent, args=(lifeline,), name="infoplane-lifeline",
                     daemon=True).start()


def _end_with_parent(lifeline: int) -> None:
    """End this process as soon as the parent is gone (its end of ``lifeline`` closed)."""
    while os.read(lifeline, 1):
        pass
    os._exit(1)


def tell(word: str) -> None:
    """In the child: tell the parent ``word`` ("joined", "said"); nothing elsewhere."""
    if "status" in _CHILD:
        try:
            os.write(_CHILD["status"], f"{word}\n".encode())
        except OSError:  # the parent is gone
            pass
