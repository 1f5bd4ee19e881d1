"""What a recorder leaves behind when things go wrong: a failed background write, an exception
in the training loop, a process killed between two records. Each time the folder is a valid
run (it plots, its plane is recomputed from the folder) and resumes."""

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from infoplane import Recorder, plane_from_run
from infoplane.cli import main as cli_main
from infoplane.integrations._folder import lock_folder, release_lock
from infoplane.runs import activation_files, read_activations, read_information, read_npz, read_run

N = 200
SAME = 1e-5  # float64 count sums against the compiled float32 sums (test_recorder_plane.py)


def probe():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(N, 5)).astype(np.float32)
    return x, (x[:, 0] > 0).astype(np.int64)


def layers_at(x, epoch):
    w = np.random.default_rng(epoch).normal(size=(5, 3)).astype(np.float32)
    return {"h": np.tanh(x @ w), "out": np.tanh(x[:, :2] * (1 + epoch))}


def check_consistent(run, epochs):
    """information.npz holds ``epochs``, one chunk each, and equals the recomputed plane."""
    info = read_run(run)
    np.testing.assert_array_equal(info.plane.epochs, epochs)
    stored, _ = read_activations(run)
    np.testing.assert_array_equal(stored, epochs)
    again = plane_from_run(run, method="binning")
    np.testing.assert_allclose(again.I_XT, info.plane.I_XT, rtol=0, atol=SAME)
    np.testing.assert_allclose(again.I_TY, info.plane.I_TY, rtol=0, atol=SAME)


@pytest.mark.slow
@pytest.mark.parametrize("writer", ["process", "thread"])
def test_a_failed_background_write_is_raised_next_and_that_record_dropped(tmp_path, writer):
    x, y = probe()
    run = tmp_path / "run"
    rec = Recorder(run, x, y, writer=writer)
    if writer == "process":
        assert rec._writer.wait_ready()  # the process writes them all, and fails on the third
    rec.record(0, layers_at(x, 0))
    rec.record(1, layers_at(x, 1))
    rec.flush()
    assert rec._writer.__class__.__name__ == {"process": "WriterProcess",
                                              "thread": "WriterThread"}[writer]
    assert writer == "thread" or rec._writer._local is None
    # The chunk of the next record cannot be written: a file stands where its folder goes.
    (run / "activations").rename(tmp_path / "kept")
    (run / "activations").write_text("in the way")
    rec.record(2, layers_at(x, 2))  # fails in the background
    with pytest.raises(OSError):
        rec.record(3, layers_at(x, 3))  # told at the next call, which records nothing
    (run / "activations").unlink()
    (tmp_path / "kept").rename(run / "activations")
    check_consistent(run, [0, 1])
    rec.record(3, layers_at(x, 3))  # the disk has room again
    rec.close()
    check_consistent(run, [0, 1, 3])
    assert bool(read_npz(run / "information.npz")["complete"])


def test_an_exception_in_the_loop_keeps_every_record(tmp_path):
    x, y = probe()
    with pytest.raises(RuntimeError, match="diverged"):
        with Recorder(tmp_path / "run", x, y) as rec:
            rec.record(0, layers_at(x, 0))
            rec.record(1, layers_at(x, 1))
            raise RuntimeError("diverged")
    check_consistent(tmp_path / "run", [0, 1])
    assert not bool(read_npz(tmp_path / "run" / "information.npz")["complete"])


@pytest.mark.slow
@pytest.mark.subprocess
@pytest.mark.parametrize("writer", ["process", "thread"])
def test_a_killed_process_leaves_a_run_that_plots_and_resumes(tmp_path, writer):
    """os._exit right after a record returns: at most that record is lost (none once a writer
    process has taken the records over: it finishes it), and the records information.npz had
    not yet caught up with are recovered from their chunks on resume."""
    run = tmp_path / "run"
    code = textwrap.dedent(f"""
        import os, sys, time
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from infoplane import Recorder
        from test_recorder_crash import layers_at, probe
        x, y = probe()
        rec = Recorder({str(run)!r}, x, y, writer={writer!r})
        time.sleep(1.5)  # the writer process has started, and takes every record
        for epoch in range(4):
            rec.record(epoch, layers_at(x, epoch))
        os._exit(3)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 3, done.stderr
    release_lock(lock_folder(run))  # the writer process of the killed run has finished
    # information.npz is rewritten at most every INFORMATION_EVERY_S: it may lag the chunks
    written = [int(e) for e in read_information(run).epochs]
    chunks = len(activation_files(run))
    # records 0-2 surely (record 3 waited for them), 3 as well when a writer process has it
    assert chunks == 4 if writer == "process" else chunks in (3, 4)
    assert written == list(range(len(written))) and 1 <= len(written) <= chunks
    assert cli_main(["plot", str(run)]) == 0
    x, y = probe()
    with Recorder(run, x, y, resume=True) as rec:  # computes the planes information.npz lacks
        rec.record(4, layers_at(x, 4))
    check_consistent(run, [*range(chunks), 4])



@pytest.mark.slow
@pytest.mark.subprocess
def test_a_process_killed_before_its_writer_process_started_leaves_every_chunk(tmp_path):
    """Until the writer process is ready, a thread writes the chunks and leaves the planes to
    it; killed then (here the writer's Python is held back by a second), the run has the chunks
    of every record but the last, no plane yet, and a resumed recorder computes them all."""
    run = tmp_path / "run"
    slow = tmp_path / "python"
    slow.write_text(f'#!/bin/sh\nsleep 1\nexec {sys.executable} "$@"\n')
    slow.chmod(0o755)
    code = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from infoplane import Recorder
        from test_recorder_crash import layers_at, probe
        sys.executable = {str(slow)!r}
        x, y = probe()
        rec = Recorder({str(run)!r}, x, y, writer="process")
        for epoch in range(4):
            rec.record(epoch, layers_at(x, epoch))
        assert rec._writer._local is not None, "the writer process took over already"
        os._exit(3)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 3, done.stderr
    release_lock(lock_folder(run))  # its writer process started, found no one, and ended
    chunks = len(activation_files(run))
    assert chunks in (3, 4)  # record 3 waited for records 0-2
    assert not (run / "information.npz").exists()  # no plane was computed
    x, y = probe()
    with Recorder(run, x, y, resume=True) as rec:
        rec.record(4, layers_at(x, 4))
    check_consistent(run, [*range(chunks), 4])
