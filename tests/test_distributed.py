"""Runs over several processes (jax.distributed, gloo on CPU): two processes on 127.0.0.1, one
CPU device each, against one process holding two devices (this one, see conftest.py).

Every process is started with a timeout; a test that would hang fails instead.
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import CACHE

from infoplane._errors import InfoplaneError
from infoplane.cli import main
from infoplane.plane import plane_from_run
from infoplane.records import RunResult
from infoplane.runs import read_activations, read_checkpoint, read_run
from infoplane.training import preset, train

# 9 seeds: two groups (one per process), the second with a padding seed, dropped from the
# records.
SMALL = ["--preset", "tiny", "--seeds", "9", "--set", "record_layers=[1,5]",
         "--set", "chunk_logs=2", "--no-progress"]
SMALL_CONFIG = preset("tiny").replace(seeds=9, record_layers=(1, 5), chunk_logs=2)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(argv: list[str], port: int, pid: int, n: int = 2, extra=(), env=None,
          connect_timeout: int = 30) -> subprocess.Popen:
    """``infoplane ARGV`` as process ``pid`` of ``n``, with one CPU device (unless ``env``, the
    environment, says otherwise), waiting ``connect_timeout`` seconds for the others."""
    env = dict(env or dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=1"),
               JAX_PLATFORMS="cpu", JAX_COMPILATION_CACHE_DIR=str(CACHE))
    cmd = [sys.executable, "-m", "infoplane.cli", *argv, "--coordinator", f"127.0.0.1:{port}",
           "--num-processes", str(n), "--process-id", str(pid),
           "--connect-timeout", str(connect_timeout),
           *extra]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def finish(procs, timeout=240) -> list[tuple[int, str]]:
    """Wait for every process (killing all on timeout); their (exit status, stderr)."""
    deadline = time.monotonic() + timeout
    results = []
    for p in procs:
        try:
            _, err = p.communicate(timeout=max(1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            for q in procs:
                q.kill()
            pytest.fail(f"a process did not finish within {timeout} s (a hang)")
        results.append((p.returncode, err))
    return results


def run_both(argv, timeout=240):
    port = free_port()
    return finish([start(argv, port, i) for i in range(2)], timeout)


def assert_same_information(a: RunResult, b: RunResult) -> None:
    """The same run, array for array; the timings aside."""
    assert replace(a, compile_seconds=None, train_seconds=None) == replace(
        b, compile_seconds=None, train_seconds=None)


@pytest.mark.slow
@pytest.mark.subprocess
def test_two_processes_equal_one_process_with_two_devices(tmp_path):
    out = tmp_path / "two"
    results = run_both(["train", *SMALL, "--out", str(out)])
    assert [code for code, _ in results] == [0, 0], results
    reference = train(SMALL_CONFIG, tmp_path / "one", progress=False)
    # Array for array, not within a tolerance: each device runs the same program on the same
    # seeds, whichever process it belongs to.
    assert_same_information(read_run(out), reference)
    epochs, acts = read_activations(out)
    epochs_ref, acts_ref = read_activations(tmp_path / "one")
    np.testing.assert_array_equal(epochs, epochs_ref)
    for a, b in zip(acts, acts_ref, strict=True):
        assert a.shape[0] == 9
        np.testing.assert_array_equal(a, b)
    # Each process wrote its own seeds as one part of each chunk; one process, whole chunks.
    assert {p.name for p in (out / "activations").iterdir()} >= {
        "chunk_00000.seed_000000.npz", "chunk_00000.seed_000005.npz"}
    plane = plane_from_run(out, method="binning", out_name=None)
    np.testing.assert_array_equal(plane.I_XT, plane_from_run(tmp_path / "one", method="binning",
                                                             out_name=None).I_XT)
    saved, ref_saved = read_checkpoint(out), read_checkpoint(tmp_path / "one")
    assert saved[0] == ref_saved[0]
    for a, b in zip(saved[1], ref_saved[1], strict=True):
        np.testing.assert_array_equal(a, b)
    # Only process 0 wrote the figures and said so.
    assert (out / "plane.png").is_file()


@pytest.mark.slow
@pytest.mark.subprocess
def test_a_killed_process_stops_the_other_and_the_run_resumes(tmp_path):
    out = tmp_path / "run"
    argv = ["train", "--preset", "tiny", "--seeds", "10", "--epochs", "1200",
            "--set", "chunk_epochs=20", "--no-progress", "--out", str(out)]
    port = free_port()
    procs = [start(argv, port, i, extra=["--heartbeat", "5"]) for i in range(2)]
    deadline = time.monotonic() + 180
    while read_checkpoint(out) is None if out.is_dir() else True:
        assert time.monotonic() < deadline and procs[0].poll() is None, "no chunk was saved"
        time.sleep(0.02)
    procs[1].send_signal(signal.SIGKILL)
    t0 = time.monotonic()
    # Stopping is on events (heartbeat 5 s; a lost collective fails at once); the bound only
    # tells a stop from a hang, with room for a busy machine.
    (code, err), _ = finish(procs, timeout=240)
    assert time.monotonic() - t0 < 120
    assert code == 1, err  # an error in the work, not in the command
    last = err.strip().splitlines()[-1]
    # Our one line (a lost collective, or our heartbeat mid-chunk), naming the lost process.
    assert last.startswith("infoplane: error: process 0 ") and "process 1" in last, err
    assert "restart every process with --resume" in last
    # What was written before is intact: readable, consistent, not complete.
    info = read_run(out)
    next_chunk, _ = read_checkpoint(out)
    assert not info.complete and 1 <= next_chunk
    assert info.plane.I_XT.shape[1] == info.plane.epochs.size > 0
    # Both processes restarted with --resume finish it, as one uninterrupted run would.
    results = run_both([*argv, "--resume"])
    assert [c for c, _ in results] == [0, 0], results
    reference = train(preset("tiny").replace(seeds=10, epochs=1200, chunk_epochs=20), None,
                      progress=False)
    assert_same_information(read_run(out), reference)


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--coordinator", "127.0.0.1:1234", "--num-processes", "2", "--process-id", "2"],
         "--process-id must be in 0..1 for --num-processes 2, got 2"),
        (["--coordinator", "localhost", "--num-processes", "2", "--process-id", "0"],
         "--coordinator must be HOST:PORT"),
        (["--coordinator", "127.0.0.1:1234", "--process-id", "0"], "a distributed run needs"),
        (["--distributed", "auto", "--process-id", "0"],
         "leave out --coordinator, --num-processes and --process-id"),
        (["--coordinator", "no-such-host.invalid:1234", "--num-processes", "2", "--process-id",
          "1"], "unknown host 'no-such-host.invalid'"),
    ],
)
def test_bad_distributed_flags_are_one_line(flags, message, capsys, tmp_path):
    # No waiting: each is found before connecting, long before a 600 s connect timeout.
    t0 = time.monotonic()
    assert main(["train", "--preset", "tiny", "--out", str(tmp_path / "o"), *flags,
                 "--connect-timeout", "600"]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert time.monotonic() - t0 < 300


def test_a_port_in_use_is_one_line(capsys, tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code = main(["train", "--preset", "tiny", "--out", str(tmp_path / "o"), "--coordinator",
                     f"127.0.0.1:{port}", "--num-processes", "2", "--process-id", "0"])
    err = capsys.readouterr().err
    assert code == 2 and f"cannot listen on 127.0.0.1:{port}" in err and err.count("\n") == 1


def test_bad_cores_are_one_usage_line(capsys, tmp_path):
    code = main(["train", "--preset", "tiny", "--out", str(tmp_path / "o"), "--coordinator",
                 f"127.0.0.1:{free_port()}", "--num-processes", "2", "--process-id", "0",
                 "--cores", "0-x"])
    err = capsys.readouterr().err
    assert code == 2 and "0-x" in err and err.count("\n") == 1


@pytest.mark.slow
@pytest.mark.subprocess
def test_a_wrong_coordinator_address_fails_after_the_timeout(tmp_path):
    (code, err), = finish([start(["train", "--preset", "tiny", "--out", str(tmp_path / "o")],
                                 free_port(), 1, connect_timeout=3)], timeout=120)
    assert code == 2 and err.strip().count("\n") == 0
    assert "nothing listens at --coordinator 127.0.0.1:" in err and "after 3 s" in err


@pytest.mark.slow
@pytest.mark.subprocess
@pytest.mark.parametrize(("first", "second", "what"), [
    (["--seeds", "2"], ["--seeds", "4"], "different configuration"),
    (["--num-processes", "2"], ["--num-processes", "3"], "different --num-processes"),
])
def test_processes_started_with_different_flags_all_stop(first, second, what, tmp_path):
    port = free_port()
    base = ["train", "--preset", "tiny", "--no-progress", "--out", str(tmp_path / "o")]
    procs = [start(base, port, 0, extra=first), start(base, port, 1, extra=second)]
    for code, err in finish(procs, timeout=120):
        assert code == 2 and what in err and err.strip().count("\n") == 0, err


@pytest.mark.slow
@pytest.mark.subprocess
def test_a_killed_coordinator_stops_the_other_with_one_line(tmp_path):
    # One logged epoch per chunk of 4000 epochs: after the first chunk is saved, process 0 is
    # killed in the middle of a long chunk, where JAX itself would abort process 1.
    out = tmp_path / "run"
    argv = ["train", "--preset", "tiny", "--seeds", "10", "--epochs", "100000", "--set",
            "schedule_value=4000", "--set", "chunk_logs=1", "--set", "chunk_epochs=4000",
            "--no-progress", "--out", str(out)]
    port = free_port()
    procs = [start(argv, port, i) for i in range(2)]
    deadline = time.monotonic() + 180
    while read_checkpoint(out) is None if out.is_dir() else True:
        assert time.monotonic() < deadline and procs[1].poll() is None, "no chunk was saved"
        time.sleep(0.02)
    time.sleep(0.5)
    procs[0].send_signal(signal.SIGKILL)
    t0 = time.monotonic()
    # JAX learns of a lost coordinator at once; the bound only tells a stop from a hang.
    _, (code, err) = finish(procs, timeout=240)
    assert time.monotonic() - t0 < 120
    assert code == 1, err
    assert "Traceback (most recent call last)" not in err and "stack trace" not in err, err
    assert err.strip().count("\n") == 0, err  # one line: JAX's own lines are held back
    assert err.startswith("infoplane: error: process 1 stops: the coordinator (process 0 at "
                          f"127.0.0.1:{port}) of the distributed run stopped responding"), err
    assert err.strip().endswith("restart every process with --resume (resume=True from Python)")
    # What was written before is intact: readable, consistent, not complete.
    info = read_run(out)
    assert not info.complete and read_checkpoint(out)[0] >= 1
    assert info.plane.I_XT.shape[1] == info.plane.epochs.size > 0



@pytest.mark.slow
def test_a_coordinator_left_alone_is_one_line_and_status_1(tmp_path):
    (code, err), = finish([start(["train", "--preset", "tiny", "--out", str(tmp_path / "o"),
                                  "--no-progress"], free_port(), 0, connect_timeout=3)],
                          timeout=120)
    assert code == 1 and err.strip().count("\n") == 0, err
    assert err.startswith("infoplane: error: the distributed run did not start: not every one "
                          "of the 2 processes joined the coordinator at 127.0.0.1:"), err
    Path(err.split("the runtime's log: ")[1].split(")")[0]).unlink()


# Slow (two processes train 20 seeds): the --cores flag of two processes is also exercised by
# test_overlapping_cores_are_one_usage_line, and the binding by test_a_process_is_bound_to_the_
# cores_given, both in the fast selection.
@pytest.mark.slow
@pytest.mark.subprocess
def test_two_processes_given_a_core_each_have_one_device_each(tmp_path):
    # Without XLA_FLAGS the command makes one device per core it may use (two here); --cores
    # makes it one. 20 seeds are 4 groups: with two devices a process would use both.
    out = tmp_path / "cores"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    procs = [start(["train", "--preset", "tiny", "--seeds", "20", "--no-progress", "--out",
                    str(out)], port, i, extra=["--cores", str(i)], env=env) for i in range(2)]
    assert [code for code, _ in finish(procs)] == [0, 0]
    layout = json.loads((out / "config.json").read_text())["layout"]
    assert layout["processes"] == 2 and layout["devices"] == 2
    assert layout["groups_per_device"] == 2


@pytest.mark.slow
def test_overlapping_cores_are_one_usage_line(tmp_path):
    port = free_port()
    procs = [start(["train", "--preset", "tiny", "--seeds", "10", "--no-progress", "--out",
                    str(tmp_path / "o")], port, i, extra=["--cores", "0"]) for i in range(2)]
    for code, err in finish(procs, timeout=120):
        assert code == 2 and err.strip().count("\n") == 0, err
        assert "share core(s) 0 on host" in err and "give each process of a host cores of its " \
            "own (--cores)" in err


def test_cores_the_machine_lacks_are_one_usage_line(capsys, tmp_path):
    lacking = max(os.sched_getaffinity(0)) + 1
    code = main(["train", "--preset", "tiny", "--out", str(tmp_path / "o"), "--cores",
                 str(lacking)])
    err = capsys.readouterr().err
    assert code == 2 and f"cannot bind this process to cores [{lacking}]" in err
    assert err.count("\n") == 1


@pytest.mark.parametrize(("cores", "expected"), [("0-2,5", [0, 1, 2, 5]), ([3, 1], [1, 3])])
def test_a_process_is_bound_to_the_cores_given(cores, expected, monkeypatch):
    from infoplane.training import _pinning

    pinned = {}
    monkeypatch.setattr(_pinning.os, "sched_getaffinity", lambda pid: set(range(8)))
    monkeypatch.setattr(_pinning.os, "sched_setaffinity", pinned.__setitem__)
    chosen = _pinning.parse_cores(cores) if isinstance(cores, str) else cores
    assert _pinning.pin(chosen) == expected
    assert os.getpid() in pinned and all(v == expected for v in pinned.values())  # every thread


@pytest.mark.parametrize(("cores", "message"), [
    ("0-x", "cores must be numbers and ranges like 0-3,8, got '0-x'"),
    ([7, 9], "cannot bind this process to cores [7, 9]: it may use cores [0, 1, 2, 3]"),
])
def test_cores_that_cannot_be_used_are_one_line(cores, message, monkeypatch):
    from infoplane.training import _pinning

    monkeypatch.setattr(_pinning.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    with pytest.raises(InfoplaneError, match=re.escape(message)):
        _pinning.pin(_pinning.parse_cores(cores) if isinstance(cores, str) else cores)
