"""A distributed run's process that JAX's heartbeat ends (``LOG(FATAL)``, a C++ stack trace,
SIGABRT) is said in one line by the command that ran it in a child process
(``infoplane/cli/_supervise.py``). Here the child is a small stand-in that tells, writes like the
C++ runtime and aborts as JAX's client does; the real kills are in test_distributed.py."""

import os
import sys
from pathlib import Path

import pytest

from infoplane.cli import _supervise

# What process 1's file descriptor 2 held when process 0 was killed (jaxlib 0.10), shortened.
JAX_ABORT = (
    "F1129 19:17:37.853554   23860 client.h:80] Terminating process because the JAX "
    "distributed service detected fatal errors. absl::Status: UNAVAILABLE: Failed to send RPC "
    "to coordination service. Either the leader task was preempted/died/restarted "
    "unexpectedly\\n*** Check failure stack trace: ***\\n"
    "    @     0x7f3f6c3f8634  absl::lts_20260107::log_internal::LogMessage::SendToLog()\\n")


def child(*told: str, said: str = "", status: int | None = None) -> list[str]:
    """A stand-in for ``python -m infoplane.cli ...`` in the child: it tells the parent
    ``told``, prints ``said`` as its own line, then ends with ``status`` or aborts after
    writing JAX's fatal lines to its file descriptor 2."""
    end = f"sys.exit({status})" if status is not None else (
        f"os.write(2, b'{JAX_ABORT}'); os.abort()")
    code = ("import os, sys; from infoplane.cli import _supervise; _supervise.adopt(); "
            f"[_supervise.tell(w) for w in {list(told)!r}]; "
            f"print({said!r}, file=sys.stderr, flush=True) if {bool(said)!r} else None; "
            + ("_supervise.tell('said'); " if said else "") + end)
    return [sys.executable, "-c", code]


def run(command, capfd, *, process_id=1) -> tuple[int, str]:
    code = _supervise.supervise([], process_id=process_id, num_processes=2,
                                coordinator="10.0.0.1:8476", timeout=7, command=command)
    return code, capfd.readouterr().err


def log_named(err: str) -> Path:
    return Path(err.split("the runtime's log: ")[1].split(")")[0])


def test_a_lost_coordinator_is_one_line_and_the_runtime_log_is_kept(capfd):
    code, err = run(child("joined"), capfd)
    assert code == 1 and err.count("\n") == 1, err
    assert err.startswith("infoplane: error: process 1 stops: the coordinator (process 0 at "
                          "10.0.0.1:8476) of the distributed run stopped responding")
    assert err.strip().endswith("restart every process with --resume (resume=True from Python)")
    assert "stack trace" not in err and "client.h" not in err
    log = log_named(err)
    assert "Check failure stack trace" in log.read_text()  # JAX's own lines, for a bug report
    log.unlink()


def test_a_lost_process_is_named_by_the_coordinator(capfd):
    code, err = run(child("joined"), capfd, process_id=0)
    assert code == 1 and err.startswith("infoplane: error: process 0 stops: process 1 of ")
    log_named(err).unlink()


def test_a_coordinator_whose_peers_never_join_is_one_line(capfd):
    code, err = run(child(), capfd, process_id=0)
    assert code == 1 and err.count("\n") == 1, err
    assert err.startswith("infoplane: error: the distributed run did not start: not every one "
                          "of the 2 processes joined the coordinator at 10.0.0.1:8476 within 7 s")
    log_named(err).unlink()


def test_a_child_that_said_its_line_gets_no_second_one(capfd):
    ours = "infoplane: error: process 1 lost contact with process 0 (...)"
    code, err = run(child("joined", said=ours), capfd)
    assert code == 1 and err == ours + "\n"  # then JAX aborted it: nothing more is said


@pytest.mark.parametrize("status", [0, 2, 130])
def test_the_child_status_is_the_command_status(status, capfd):
    logs = set(Path(os.environ.get("TMPDIR", "/tmp")).glob("infoplane-runtime-*"))
    code, err = run(child("joined", status=status), capfd)
    assert code == status and err == ""
    # The runtime's log is removed when the child ended by itself.
    assert set(Path(os.environ.get("TMPDIR", "/tmp")).glob("infoplane-runtime-*")) <= logs
