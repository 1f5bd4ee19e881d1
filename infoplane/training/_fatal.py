"""JAX's fatal error in a distributed run, said in one line.

When the coordinator (process 0) dies, every other process learns it at once from JAX's
coordination service, whose client then ends the process with ``LOG(FATAL)``: an ``F...
client.h`` line, a C++ stack trace and SIGABRT, often before Python notices anything. The
client's handler (``missed_heartbeat_callback``) cannot be replaced from Python: jaxlib 0.10
passes it an ``absl::Status``, which it cannot convert to a Python object (``std::bad_cast``,
then ``terminate``). So ``guard`` works around it, from outside:

* this process's standard error (file descriptor 2, so C++ writes too) goes through a small
  filter process (this file, run as a script with the standard library only). The filter
  passes every line through, except the distributed runtime's own C++ log lines, which it
  holds for a moment: when JAX's fatal line follows, it drops them with the stack trace and
  prints one line, ``infoplane: error: process I stops: the coordinator ... stopped
  responding ...; restart every process with --resume``; else it passes them on. After an
  ``infoplane: error:`` line (ours, or one it printed) it drops further ones and the runtime's
  lines, so the process says one thing.
* SIGABRT runs a handler of ours, which closes standard error, waits (at most
  ``FILTER_WAIT`` seconds) for the filter to print, and ends the process with status 1 (an
  error in the work), with no core dump.
"""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys

FILTER_WAIT = 5.0  # seconds the aborting process waits for the filter to print its line
HOLD = 2.0  # seconds a runtime log line is held back, waiting to see whether a fatal follows
# The C++ log lines of JAX's distributed runtime ("E1129 19:16:46.836 23130 file.cc:289] ...")
# and the lines that continue them.
RUNTIME = re.compile(r"^[IWEF]\d{4} [\d:.]+ +\d+ (coordination_service\w*|preemption_\w+|"
                     r"client|grpc\w*)\.(cc|h):\d+\]")
CONTINUED = re.compile(r"^(Additional GRPC error information|:UNKNOWN:|\*\*\* Check failure "
                       r"|\s+@ +0x|terminate called|  what\(\))")
FATAL = re.compile(r"^F\d{4} .*detected fatal errors")
_state: dict = {}  # the filter process and the SIGABRT handler, kept alive


def guard(me: int, coordinator: str | None) -> None:
    """Route this process's standard error through the filter and catch SIGABRT (see the
    module's docstring); ``me`` is this process's id, ``coordinator`` process 0's address."""
    if _state or not _can_guard():
        return
    import ctypes

    stderr = os.dup(2)
    proc = subprocess.Popen([sys.executable, "-I", os.path.abspath(__file__), str(me),
                             coordinator or ""], stdin=subprocess.PIPE, stdout=stderr,
                            stderr=subprocess.DEVNULL, close_fds=True)
    os.close(stderr)
    sys.stderr.flush()
    os.dup2(proc.stdin.fileno(), 2)
    proc.stdin.close()

    def on_abort(_signum):
        os.close(2)  # the filter reads to the end, prints its line and exits
        try:
            proc.wait(timeout=FILTER_WAIT)
        finally:
            os._exit(1)

    handler = ctypes.CFUNCTYPE(None, ctypes.c_int)(on_abort)
    libc = ctypes.CDLL(None)
    libc.signal.argtypes, libc.signal.restype = [ctypes.c_int, type(handler)], ctypes.c_void_p
    libc.signal(signal.SIGABRT, handler)
    _state.update(proc=proc, handler=handler)


def _can_guard() -> bool:
    """Only where the standard error is a real file descriptor (not under pytest's capture)
    and on a POSIX system."""
    try:
        return os.name == "posix" and sys.stderr.fileno() == 2
    except (AttributeError, OSError, ValueError):
        return False


def fatal_message(me: str, coordinator: str, fatal: str) -> str:
    """Our line for JAX's fatal line ``fatal``."""
    task = re.search(r"task[:_ ](\d+)", fatal)
    if "leader" in fatal or "Failed to send RPC to coordination service" in fatal:
        who = "the coordinator (process 0" + (f" at {coordinator})" if coordinator else ")")
    elif task and task.group(1) != me:
        who = f"process {task.group(1)}"
    else:
        who = "another process"
    return (f"infoplane: error: process {me} stops: {who} of the distributed run stopped "
            "responding (killed, crashed or unreachable); what was saved in the run folder is "
            "intact; restart every process with --resume (resume=True from Python)\n")


def _filter(me: str, coordinator: str) -> None:
    """Copy standard input to standard output line by line, as the module's docstring says."""
    out, pending, held, said = sys.stdout, "", [], False
    while True:
        ready, _, _ = select.select([0], [], [], HOLD)
        data = os.read(0, 65536).decode(errors="replace") if ready else None
        if data == "":  # the process ended
            break
        if data is None:  # quiet for HOLD seconds: pass on what was held
            out.write("".join(held) + pending)
            held, pending = [], ""
            out.flush()
            continue
        lines = re.split(r"(?<=[\n\r])", pending + data)
        pending = lines.pop() if not lines[-1].endswith(("\n", "\r")) else ""
        for line in lines:
            if FATAL.match(line) or line.startswith("infoplane: error:"):
                if not said:
                    out.write(line if not FATAL.match(line) else
                              fatal_message(me, coordinator, line))
                said, held = True, []
            elif RUNTIME.match(line) or (CONTINUED.match(line) and (held or said)):
                if not said:
                    held.append(line)
            else:
                out.write("".join(held) + line)
                held = []
        out.flush()
    if not said:
        out.write("".join(held) + pending)
    out.flush()


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the process we serve
    _filter(sys.argv[1], sys.argv[2])
