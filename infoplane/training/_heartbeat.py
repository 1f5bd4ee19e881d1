"""A process of a distributed run that stops answering, reported in our words.

JAX's coordination service notices a process that stopped sending heartbeats (killed, crashed,
its host gone) and aborts every other process with a stack trace; its handler cannot be
replaced from Python (``_fatal.py`` says why, and turns that abort into one line). So every
process also beats here: a thread counts up a key of its own in the coordination service's
key-value store every ``interval`` seconds and reads the others'. When another process's count
has not moved for ``timeout`` seconds, or the coordinator no longer answers, the thread prints
one line naming the lost process (or the coordinator) and telling the user to resume, and ends
this process with status 1, even in the middle of a long chunk. JAX's own heartbeat is set
longer (``distributed.initialize``), so that ours speaks first. A process that ends normally
marks itself done, so that the others do not count it as lost. Whichever of this thread, the
main thread (``distributed.lost_peer``) and ``_fatal.py`` reports first, the others stay quiet.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
import time

EXIT_STATUS = 1  # an error in the work, not in the command (the command line's convention)
PREFIX = "infoplane/alive/"
# Taken by whoever reports the end of the run first (the main thread's error, our heartbeat or
# JAX's fatal error), so that the process says one line, not two.
_REPORTING = threading.Lock()


def start_watching(process_id: int, num_processes: int, coordinator: str | None,
                   timeout: float) -> threading.Thread:
    """Start the beating-and-watching thread of this process (a daemon); mark this process done
    when Python exits normally."""
    from jax._src.distributed import global_state

    client = global_state.client
    beat = [0]

    def done() -> None:
        try:
            client.key_value_set(f"{PREFIX}{process_id}", "done", allow_overwrite=True)
        except Exception:  # noqa: BLE001 - the coordinator may be gone already at exit
            pass

    atexit.register(done)
    interval = max(0.05, min(1.0, timeout / 5))
    thread = threading.Thread(
        target=_watch, name="infoplane-heartbeat", daemon=True,
        args=(client, process_id, num_processes, coordinator, timeout, interval, beat))
    thread.start()
    return thread


def _watch(client, me: int, n: int, coordinator, timeout: float, interval: float, beat) -> None:
    seen: dict[int, tuple[str | None, float]] = {}
    while True:
        beat[0] += 1
        try:
            client.key_value_set(f"{PREFIX}{me}", str(beat[0]), allow_overwrite=True)
            values = {k.rsplit("/", 1)[-1]: v for k, v in client.key_value_dir_get(PREFIX)}
        except Exception:  # noqa: BLE001 - whatever the RPC raises, the coordinator is gone
            _stop(lost_message(me, None, coordinator))
            return
        now = time.monotonic()
        for other in range(n):
            value = values.get(str(other))
            if other == me or value == "done":
                continue
            if other not in seen or seen[other][0] != value:
                seen[other] = (value, now)
            elif now - seen[other][1] > timeout:
                _stop(lost_message(me, other, coordinator))
                return
        time.sleep(interval)


def lost_message(me: int, lost: int | None, coordinator: str | None) -> str:
    """One line: which process stopped answering (None: the coordinator), and what to do."""
    if lost is None:
        who = "the coordinator (process 0" + (f" at {coordinator})" if coordinator else ")")
    else:
        who = f"process {lost}"
    return (f"process {me} stops: {who} of the distributed run stopped responding (killed, "
            "crashed or unreachable); what was saved in the run folder is intact; restart "
            "every process with --resume (resume=True from Python)")


def claim_report() -> bool:
    """True for the first caller only: it reports why the run ended; later callers (another
    thread that noticed the same loss) stay quiet."""
    return _REPORTING.acquire(blocking=False)


def _stop(message: str) -> None:
    if not claim_report():
        return  # the main thread is already reporting the loss, and exits after it
    print(f"infoplane: error: {message}", file=sys.stderr, flush=True)
    os._exit(EXIT_STATUS)

